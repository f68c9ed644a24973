"""Degraded modes: what the kiosk still offers when a device is out, decided from its health.

A device is *out* when its health is ``fault``, or ``unknown`` for any reason but
``not_checked`` (nothing read yet right after the start: the first poll or journey finds out,
as the status bar does; DESIGN §2: unknown is never ok). ``ok`` and ``degraded`` work.

=======================  ===================================  ==============================
mode                     on while                             the screens
=======================  ===================================  ==============================
``tickets_on_screen``    the printer is out                   a ticket's number and QR are
                                                              shown on screen (the home
                                                              banner says so first)
``checkin_keypad_only``  check-in is offered and the code     home says to type the booking
                         scanner is out                       code; the keypad stops
                                                              mentioning the scanner
``photo_hidden``         the ID photo booth is fitted and     the booth's button leaves home
                         the camera is out
``pickup_refused``       passport pickup is fitted and the    the pickup button explains
                         locker board is out, or the          that passports are handed out
                         scanner its notices are read with    at the counter today
``out_of_service``       nothing can be offered: every        the out-of-service screen with
                         journey needs the state store, and   the office's opening hours
                         it is out
=======================  ===================================  ==============================

NOTE: tickets need no working printer: with it out they are shown on screen (a number a
person can note or photograph, recorded like any other), so the kiosk stays in service for
them; only the store (where numbers are taken) stops every journey.

Each change is one ``kiosk.mode_changed`` event (category ``device``, telemetry) with the
modes turned on and off, those in force, and the health of the devices behind them. A
device that is out and has a *probe* (a camera nobody opens while its booth is hidden) is
tried again by :meth:`ServiceModeBoard.probe`, called from the status poll.

The UI reads the modes through its view-model (``KioskViewModel.follow_service_modes``),
never a driver.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kiosk.core import events
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.errors import DeviceError, StoreError
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox, Priority

log = logging.getLogger(__name__)

PRINTER = "printer"
SCANNER = "scanner"
CAMERA = "camera"
LOCKER = "locker"
STORE = "store"
"""Health board names of the devices the modes follow (the drivers' and services' names)."""

PROBE_INTERVAL_S = 10.0
"""A device that is out is probed at most this often."""


class Mode(enum.StrEnum):
    """A degraded mode (see the module table); declared in the order events list them."""

    TICKETS_ON_SCREEN = "tickets_on_screen"
    CHECKIN_KEYPAD_ONLY = "checkin_keypad_only"
    PHOTO_HIDDEN = "photo_hidden"
    PICKUP_REFUSED = "pickup_refused"
    OUT_OF_SERVICE = "out_of_service"


MODE_DEVICES: Mapping[Mode, tuple[str, ...]] = {
    Mode.TICKETS_ON_SCREEN: (PRINTER,),
    Mode.CHECKIN_KEYPAD_ONLY: (SCANNER,),
    Mode.PHOTO_HIDDEN: (CAMERA,),
    Mode.PICKUP_REFUSED: (LOCKER, SCANNER),
    Mode.OUT_OF_SERVICE: (STORE,),
}
"""The devices whose health each mode follows."""


def device_out(health: Health) -> bool:
    """True when the device cannot be counted on (see the module docstring)."""
    if health.state is HealthState.UNKNOWN:
        return health.reason != "not_checked"
    return health.state is HealthState.FAULT


@dataclass(frozen=True)
class Journeys:
    """What this kiosk is fitted to offer (from its config).

    Attributes:
        checkin: booking check-in.
        scanner: a code scanner is fitted (check-in by scan, pickup notices).
        photo: the ID photo booth.
        pickup: passport pickup from the locker.
    """

    checkin: bool = False
    scanner: bool = False
    photo: bool = False
    pickup: bool = False


def decide(health: Mapping[str, Health], journeys: Journeys) -> frozenset[Mode]:
    """The modes in force for these device healths (a device not on the board is not out)."""

    def out(device: str) -> bool:
        current = health.get(device)
        return current is not None and device_out(current)

    modes: set[Mode] = set()
    store_ok = not out(STORE)
    scanner_out = journeys.scanner and out(SCANNER)
    if out(PRINTER):
        modes.add(Mode.TICKETS_ON_SCREEN)
    if journeys.checkin and scanner_out:
        modes.add(Mode.CHECKIN_KEYPAD_ONLY)
    if journeys.photo and out(CAMERA):
        modes.add(Mode.PHOTO_HIDDEN)
    if journeys.pickup and (out(LOCKER) or scanner_out):
        modes.add(Mode.PICKUP_REFUSED)
    offered = [
        store_ok,  # tickets: printed, or shown on screen
        journeys.checkin and store_ok,
        journeys.photo and store_ok and Mode.PHOTO_HIDDEN not in modes,
        journeys.pickup and store_ok and Mode.PICKUP_REFUSED not in modes,
    ]
    if not any(offered):
        modes.add(Mode.OUT_OF_SERVICE)
    return frozenset(modes)


def ordered(modes: frozenset[Mode] | set[Mode]) -> list[str]:
    """The modes' names in :class:`Mode` order (for events and logs)."""
    return [mode.value for mode in Mode if mode in modes]


@dataclass(frozen=True)
class ServiceModes:
    """The modes in force at one moment.

    Attributes:
        active: the modes in force.
        journeys: what the kiosk is fitted to offer.
        devices: the health of every device the modes follow.
    """

    active: frozenset[Mode] = frozenset()
    journeys: Journeys = field(default_factory=Journeys)
    devices: Mapping[str, Health] = field(default_factory=dict)

    def __contains__(self, mode: object) -> bool:
        return mode in self.active

    @property
    def scan_offered(self) -> bool:
        """A code scanner is fitted and works: codes may be scanned."""
        return self.journeys.scanner and not (
            SCANNER in self.devices and device_out(self.devices[SCANNER])
        )


ModesListener = Callable[[ServiceModes], None]
Probe = Callable[[], None]


class ServiceModeBoard:
    """Decides the modes from the health board and reports every change (thread-safe).

    Listeners are called on the thread that reported the health change, outside the lock,
    and must only hand over (a queued signal); they may read :meth:`current` again.

    Args:
        health: the device health board (subscribed to at once).
        journeys: what this kiosk is fitted to offer.
        db: with ``outbox``, where each ``kiosk.mode_changed`` is stored; None: not stored.
        outbox: see ``db``.
        probe_interval_s: the shortest time between two probes of a device that is out.
    """

    def __init__(
        self,
        health: HealthBoard,
        journeys: Journeys,
        *,
        db: Database | None = None,
        outbox: Outbox | None = None,
        probe_interval_s: float = PROBE_INTERVAL_S,
    ) -> None:
        self._board = health
        self._probe_interval_s = probe_interval_s
        self._probed_at: dict[str, float] = {}
        self.journeys = journeys
        self._db = db
        self._outbox = outbox
        self._lock = threading.Lock()
        self._listeners: list[ModesListener] = []
        self._probes: dict[str, Probe] = {}
        self._current = ServiceModes(frozenset(), journeys, self._followed(health.snapshot()))
        health.subscribe(self._on_health)
        self._update()  # a device already out at the start is a change from the normal

    @staticmethod
    def _followed(snapshot: Mapping[str, Health]) -> dict[str, Health]:
        names = {device for devices in MODE_DEVICES.values() for device in devices}
        return {device: health for device, health in snapshot.items() if device in names}

    def current(self) -> ServiceModes:
        """The modes in force now."""
        with self._lock:
            return self._current

    def subscribe(self, listener: ModesListener) -> None:
        """Call ``listener(modes)`` after every change of the modes."""
        with self._lock:
            self._listeners.append(listener)

    def add_probe(self, device: str, probe: Probe) -> None:
        """Try ``device`` with ``probe()`` while it is out (it reports its own health)."""
        with self._lock:
            self._probes[device] = probe

    def probe(self) -> None:
        """Run the probe of every device that is out (the status poll calls this)."""
        with self._lock:
            devices = dict(self._current.devices)
            probes = dict(self._probes)
        now = time.monotonic()
        for device, probe in probes.items():
            health = devices.get(device)
            if health is None or not device_out(health):
                continue
            last = self._probed_at.get(device)
            if last is not None and now - last < self._probe_interval_s:
                continue
            self._probed_at[device] = now
            try:
                probe()
            except DeviceError as exc:
                log.debug("%s still out: %s", device, exc)

    def _on_health(self, device: str, health: Health) -> None:
        if any(device in devices for devices in MODE_DEVICES.values()):
            self._update()

    def _update(self) -> None:
        with self._lock:
            before = self._current
            devices = self._followed(self._board.snapshot())
            active = decide(devices, self.journeys)
            self._current = ServiceModes(active, self.journeys, devices)
            if active == before.active:
                return
            turned_on, turned_off = active - before.active, before.active - active
            listeners = list(self._listeners)
            modes = self._current
            log.warning(
                "modes now %s (on %s, off %s)",
                ordered(active) or "normal",
                ordered(turned_on) or "-",
                ordered(turned_off) or "-",
            )
            self._record(turned_on, turned_off, active, devices)
        for listener in listeners:
            try:
                listener(modes)
            except Exception:  # NOTE: one screen's failure must not stop the others
                log.exception("a service modes listener failed")

    def _record(
        self,
        turned_on: frozenset[Mode],
        turned_off: frozenset[Mode],
        active: frozenset[Mode],
        devices: Mapping[str, Health],
    ) -> None:
        if self._db is None or self._outbox is None:
            return
        behind = {
            device
            for mode in turned_on | turned_off | active
            for device in MODE_DEVICES[mode]
            if device in devices
        }
        data = {
            "on": ordered(turned_on),
            "off": ordered(turned_off),
            "active": ordered(active),
            "devices": {
                device: {"state": devices[device].state.value, "reason": devices[device].reason}
                for device in sorted(behind)
            },
        }
        try:
            with self._db.transaction() as tx:
                self._outbox.append(
                    tx, events.DEVICE, events.KIOSK_MODE_CHANGED, data, priority=Priority.TELEMETRY
                )
        except StoreError:
            # NOTE: with the store out (out_of_service) this event cannot be stored; the
            # device.health of the store and the next mode change tell the server.
            log.exception("kiosk.mode_changed could not be stored: %s", data)
