"""A USB HID ("keyboard wedge") scanner read through evdev, GRABBED, never as a keyboard.

Wiring and protocol facts: the scanner is a USB keyboard. It "types" each code as key presses
(US layout; Shift for capitals and symbols) and presses Enter at the end. If the system saw it
as a keyboard, a barcode could type Ctrl/Alt combinations into the session (this has opened
shells on keyboard-wedge hosts), so the device is opened by its stable name
(``hid:///dev/input/by-id/usb-…-event-kbd``) and grabbed (``EVIOCGRAB``): while we hold it no
other program, console or compositor receives its keys.

Key events are turned into text by :class:`KeyTranslator` (a pure function of the events):
letters, digits and symbols of the US layout, with Shift; a key pressed while Ctrl, Alt or
Meta is held produces nothing and is counted as stripped; Enter ends a code. The text then
goes through the same :class:`~kiosk.devices.scanner.framing.LineFramer` as serial input (length
limit, control characters). An unplugged device is ``fault``/``disconnected`` and is opened
again with back-off.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
import time
from collections.abc import Iterable
from typing import Any

from kiosk.devices.scanner.framing import LineFramer, Suffix
from kiosk.devices.scanner.protocol import MAX_CODE_LENGTH
from kiosk.devices.scanner.reconnecting import (
    DEFAULT_REOPEN_BACKOFF_S,
    DeviceLostError,
    ReconnectingScanner,
)
from kiosk.devices.scanner.repeat_filter import DEFAULT_REPEAT_WINDOW_S
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceError, DeviceUrlError

logger = logging.getLogger(__name__)

# Linux input event codes (include/uapi/linux/input-event-codes.h; a stable kernel ABI).
EV_KEY = 1
KEY_ENTER = 28
KEY_KPENTER = 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 42, 54
KEY_LEFTCTRL, KEY_RIGHTCTRL = 29, 97
KEY_LEFTALT, KEY_RIGHTALT = 56, 100
KEY_LEFTMETA, KEY_RIGHTMETA = 125, 126
KEY_CAPSLOCK = 58

_KEY_DOWN, _KEY_UP, _KEY_REPEAT = 1, 0, 2

# code: (unshifted, shifted) for the US layout.
US_KEYMAP: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"),
    21: ("y", "Y"), 22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"),
    26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"),
    35: ("h", "H"), 36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"),
    39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"),
    44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"), 53: ("/", "?"),
    57: (" ", " "),
    # keypad
    71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 74: ("-", "-"), 75: ("4", "4"),
    76: ("5", "5"), 77: ("6", "6"), 78: ("+", "+"), 79: ("1", "1"), 80: ("2", "2"),
    81: ("3", "3"), 82: ("0", "0"), 83: (".", "."), 98: ("/", "/"), 55: ("*", "*"),
}  # fmt: skip
_SHIFTS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
_BLOCKING_MODIFIERS = frozenset(
    {KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT, KEY_LEFTMETA, KEY_RIGHTMETA}
)
_LETTER_CODES = frozenset(code for code, (low, _) in US_KEYMAP.items() if low.isalpha())


class KeyTranslator:
    """Key events → text, US layout (a pure state machine; no device needed).

    ``feed`` returns the characters typed, with ``"\\r"`` for Enter. Keys pressed while Ctrl,
    Alt or Meta is held, and keys outside the map (F-keys, arrows, Tab, Escape), give nothing
    and are counted in :attr:`suppressed`.
    """

    def __init__(self) -> None:
        self.suppressed = 0
        self._held: set[int] = set()
        self._caps_lock = False

    def feed(self, events: Iterable[tuple[int, int]]) -> str:
        """Translate ``(key code, value)`` pairs (value 1 down, 0 up, 2 auto-repeat)."""
        typed: list[str] = []
        for code, value in events:
            if value == _KEY_UP:
                self._held.discard(code)
                continue
            if value == _KEY_DOWN:
                self._held.add(code)
            elif value != _KEY_REPEAT:
                continue
            if code in _SHIFTS or code in _BLOCKING_MODIFIERS:
                continue
            if code == KEY_CAPSLOCK:
                if value == _KEY_DOWN:
                    self._caps_lock = not self._caps_lock
                continue
            if self._held & _BLOCKING_MODIFIERS:
                self.suppressed += 1  # a Ctrl/Alt/Meta combination: never typed
                continue
            if code in (KEY_ENTER, KEY_KPENTER):
                typed.append("\r")
                continue
            pair = US_KEYMAP.get(code)
            if pair is None:
                self.suppressed += 1
                continue
            shifted = bool(self._held & _SHIFTS)
            if self._caps_lock and code in _LETTER_CODES:
                shifted = not shifted
            typed.append(pair[1] if shifted else pair[0])
        return "".join(typed)

    def reset(self) -> None:
        """Forget held keys (the device was re-opened)."""
        self._held.clear()
        self._caps_lock = False


def translate_keys(events: Iterable[tuple[int, int]]) -> str:
    """Key events → text with a fresh :class:`KeyTranslator` (Enter is ``"\\r"``)."""
    return KeyTranslator().feed(events)


class HidScanner(ReconnectingScanner):
    """A USB HID scanner read with evdev, the device grabbed (see the module docstring).

    Args:
        url: ``hid:///dev/input/by-id/usb-…-event-kbd``.
        name: device name in health reports and on each code.
        repeat_window_s: the same code again within this many seconds is one scan.
        reopen_backoff_s: ``(first, longest)`` wait between attempts to open the device.
        max_length: longest code; more is cut and reported.

    Raises:
        DeviceUrlError: not a ``hid://`` URL with a device path.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = "scanner",
        repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S,
        reopen_backoff_s: tuple[float, float] = DEFAULT_REOPEN_BACKOFF_S,
        max_length: int = MAX_CODE_LENGTH,
    ) -> None:
        parsed = parse_device_url(url)
        if parsed.scheme != "hid" or not parsed.path.startswith("/"):
            raise DeviceUrlError(
                f"{url}: expected hid:///dev/input/by-id/…-event-kbd (the grabbed evdev device)"
            )
        super().__init__(
            name, parsed.raw, repeat_window_s=repeat_window_s, reopen_backoff_s=reopen_backoff_s
        )
        self.path = parsed.path
        self.translator = KeyTranslator()
        self.framer = LineFramer(Suffix.CR, max_length=max_length)
        self._device: Any = None

    def _open_device(self) -> None:
        try:
            import evdev
        except ImportError as exc:
            raise DeviceError(f"{self.describe}: python-evdev is not installed: {exc}") from exc
        device = evdev.InputDevice(self.path)
        try:
            # NOTE: grab before the first read: while we hold the grab no other program (the
            # console, the compositor) receives this device's keys.
            device.grab()
        except OSError as exc:
            device.close()
            raise DeviceError(f"{self.describe}: cannot grab the device: {exc}") from exc
        self._device = device
        self.translator.reset()
        self.framer.discard()
        logger.info("scanner %s: grabbed %s (%s)", self.name, self.path, device.name)

    def _close_device(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        with contextlib.suppress(OSError):
            device.ungrab()
        with contextlib.suppress(OSError):
            device.close()

    def _on_lost(self) -> None:
        self.framer.discard()
        self.translator.reset()

    def _serve(self) -> None:
        device = self._device
        fd = device.fd
        while not self._stopping.is_set():
            ready, _, _ = select.select([fd, self._wake_r], [], [])
            if self._wake_r in ready:
                self._drain_wake()
                continue
            try:
                events = [(e.code, e.value) for e in device.read() if e.type == EV_KEY]
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    continue
                raise DeviceLostError(str(exc)) from exc
            self.feed_events(events, time.monotonic())

    def feed_events(self, events: Iterable[tuple[int, int]], received_mono: float) -> None:
        """Translate key events and deliver the codes they complete (used by the reader)."""
        text = self.translator.feed(events)
        if text:
            for framed in self.framer.feed(text.encode("utf-8")):
                self._deliver_framed(framed, received_mono)
