"""Build a locker from its URL and settings (the composition root and ``kiosk diag`` call this).

URLs::

    serial:///dev/kiosk-locker?baudrate=19200     Kerong CU16 chain on an RS-485 adapter
    socket://127.0.0.1:7100                        the same over TCP (simulator, converter)
    rfc2217://…, any pyserial URL                  the same
    gpio://?doors=1:17:27,2:22:23:24               GPIO: door:relay:switch[:item], BCM pins
    sim://                                         refused: the application starts the
                                                   simulator and passes its socket:// URL

Query parameters override the settings, so a technician can say everything on the command line:
``boards``, ``locks_per_board``, ``locked_bit``, ``pulse_ms``, ``reply_timeout`` (s),
``retries`` for Kerong; ``doors``, ``pulse_ms``, ``active_high``, ``switch_pull_up``,
``item_pull_up`` for GPIO. They are removed before the URL reaches pyserial. The serial line
defaults to 19200 baud (the CU16's factory setting) unless ``baudrate`` is given.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.devices.locker.gpio_driver import DoorPins, GpioLocker
from kiosk.devices.locker.kerong_driver import KerongLocker
from kiosk.devices.locker.protocol import Locker
from kiosk.devices.transport import open_transport
from kiosk.devices.url import DeviceUrl, parse_device_url
from kiosk.errors import DeviceUrlError

logger = logging.getLogger(__name__)

KERONG_BAUDRATE = 19200
KERONG_PARAMS = frozenset(
    {"boards", "locks_per_board", "locked_bit", "pulse_ms", "reply_timeout", "retries"}
)


@dataclass(frozen=True)
class LockerSettings:
    """How to drive the locker (config section ``[locker]``).

    Attributes:
        boards: Kerong boards on the line (1-10).
        locks_per_board: locks wired per board (1-16).
        pulse_ms: lock pulse: 500 for solenoids, 1000 for motor locks.
        locked_bit: Kerong board revision's polarity: 1 when a set lock bit means locked.
        reply_timeout_s: how long to wait for a board's reply.
        retries: extra attempts of a status poll (an unlock is never re-sent).
        unlock_check_s: Kerong: how long to read a door's sensor back after an unlock the
            board did not echo (a board that answers with its status frame, or not at all).
        connect_timeout_s: open/write timeout of the transport.
        gpio_doors: GPIO wiring ``{door: (relay, switch, item or None)}`` when the URL is
            ``gpio://`` without ``doors=``.
        active_high: GPIO relays switch on a high output.
        switch_pull_up: GPIO door switches close to ground.
        item_pull_up: GPIO item sensors pull low on "item present".
        name: device name in health reports and logs.
    """

    boards: int = 1
    locks_per_board: int = 16
    pulse_ms: int = 500
    locked_bit: int = 1
    reply_timeout_s: float = 0.25
    retries: int = 2
    unlock_check_s: float = 1.0
    connect_timeout_s: float = 3.0
    gpio_doors: Mapping[int, DoorPins] | None = None
    active_high: bool = True
    switch_pull_up: bool = True
    item_pull_up: bool = True
    name: str = "locker"


def parse_gpio_doors(url: DeviceUrl, text: str) -> dict[int, DoorPins]:
    """``1:17:27,2:22:23:24`` → ``{1: (17, 27, None), 2: (22, 23, 24)}``.

    Raises:
        DeviceUrlError: a malformed entry; the message shows the expected form.
    """
    doors: dict[int, DoorPins] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        fields = entry.split(":")
        try:
            numbers = [int(value) for value in fields]
        except ValueError:
            numbers = []
        if len(numbers) not in (3, 4) or min(numbers) < 0:
            raise DeviceUrlError(
                f"{url.raw}: door entry {entry!r} is not DOOR:RELAY:SWITCH[:ITEM], for example "
                "gpio://?doors=1:17:27,2:22:23:24"
            )
        door = numbers[0]
        if door in doors:
            raise DeviceUrlError(f"{url.raw}: door {door} is given twice")
        doors[door] = (numbers[1], numbers[2], numbers[3] if len(numbers) == 4 else None)
    if not doors:
        raise DeviceUrlError(f"{url.raw}: no doors; expected gpio://?doors=1:17:27,2:22:23")
    return doors


def open_locker(
    url: str | DeviceUrl, settings: LockerSettings | None = None, *, pin_factory: Any = None
) -> Locker:
    """Build the locker a URL names; a serial line opens on first use.

    Args:
        url: the locker URL (see the module docstring).
        settings: defaults for what the URL does not say.
        pin_factory: gpiozero pin factory for ``gpio://`` (None: gpiozero's default).

    Raises:
        DeviceUrlError: malformed URL, ``sim://`` or a scheme that cannot drive locks.
        ValueError: a setting out of range.
        LockerError: GPIO pins could not be claimed.
    """
    parsed = url if isinstance(url, DeviceUrl) else parse_device_url(url)
    settings = settings or LockerSettings()
    if parsed.is_simulated:
        raise DeviceUrlError(
            f"{parsed.raw}: start the locker simulator and pass its socket:// address instead"
        )
    if parsed.scheme == "gpio":
        return _open_gpio(parsed, settings, pin_factory)
    if not parsed.is_pyserial:
        raise DeviceUrlError(
            f"{parsed.raw}: a locker is a serial:// (or other pyserial) URL or gpio://?doors=…"
        )
    params = {k: v for k, v in parsed.params.items() if k not in KERONG_PARAMS}
    params.setdefault("baudrate", str(KERONG_BAUDRATE))
    transport = open_transport(
        dataclasses.replace(parsed, params=params), timeout=settings.connect_timeout_s
    )
    locker = KerongLocker(
        transport,
        boards=parsed.param_int("boards", settings.boards),
        locks_per_board=parsed.param_int("locks_per_board", settings.locks_per_board),
        pulse_ms=parsed.param_int("pulse_ms", settings.pulse_ms),
        locked_bit=parsed.param_int("locked_bit", settings.locked_bit),
        reply_timeout_s=parsed.param_float("reply_timeout", settings.reply_timeout_s),
        retries=parsed.param_int("retries", settings.retries),
        unlock_check_s=settings.unlock_check_s,
        name=settings.name,
    )
    logger.info(
        "%s: Kerong CU16 x%d on %s, %d locks per board, locked bit %d",
        settings.name,
        locker.boards,
        transport.describe(),
        locker.locks_per_board,
        locker.locked_bit,
    )
    return locker


def _open_gpio(url: DeviceUrl, settings: LockerSettings, pin_factory: Any) -> GpioLocker:
    text = url.params.get("doors")
    if text is not None:
        doors = parse_gpio_doors(url, text)
    elif settings.gpio_doors:
        doors = dict(settings.gpio_doors)
    else:
        raise DeviceUrlError(
            f"{url.raw}: no doors; expected gpio://?doors=DOOR:RELAY:SWITCH[:ITEM],… "
            "or locker.gpio_doors in the config"
        )
    return GpioLocker(
        doors,
        pin_factory=pin_factory,
        pulse_ms=url.param_int("pulse_ms", settings.pulse_ms),
        active_high=url.param_bool("active_high", settings.active_high),
        switch_pull_up=url.param_bool("switch_pull_up", settings.switch_pull_up),
        item_pull_up=url.param_bool("item_pull_up", settings.item_pull_up),
        name=settings.name,
    )
