"""USB HID scanner: key events to text (pure), and what can be checked without hardware.

``/dev/uinput`` does not exist in the test container, so a virtual keyboard (evdev UInput)
cannot be created here; the grabbed read loop is exercised only on a machine with a scanner.
"""

from __future__ import annotations

import pytest
from evdev import ecodes

from kiosk.devices.scanner import hid_scanner
from kiosk.devices.scanner.factory import open_scanner
from kiosk.devices.scanner.hid_scanner import HidScanner, KeyTranslator, translate_keys
from kiosk.errors import DeviceUrlError
from tests.devices.scanner_support import ScanRecorder

SHIFT = ecodes.KEY_LEFTSHIFT


def _press(code: int) -> list[tuple[int, int]]:
    return [(code, 1), (code, 0)]


def _typed(text: str) -> list[tuple[int, int]]:
    by_char = {}
    for code, (low, high) in hid_scanner.US_KEYMAP.items():
        by_char.setdefault(low, (code, False))
        by_char.setdefault(high, (code, True))
    events: list[tuple[int, int]] = []
    for ch in text:
        code, shifted = by_char[ch]
        events += (
            ([(SHIFT, 1)] if shifted else []) + _press(code) + ([(SHIFT, 0)] if shifted else [])
        )
    return events


def test_key_codes_match_the_kernel_names_in_evdev() -> None:
    assert (hid_scanner.KEY_ENTER, hid_scanner.KEY_KPENTER) == (
        ecodes.KEY_ENTER,
        ecodes.KEY_KPENTER,
    )
    assert hid_scanner.US_KEYMAP[ecodes.KEY_A] == ("a", "A")
    assert hid_scanner.US_KEYMAP[ecodes.KEY_MINUS] == ("-", "_")
    assert hid_scanner.US_KEYMAP[ecodes.KEY_DOT] == (".", ">")


def test_a_jws_typed_with_shift_and_enter_becomes_its_text() -> None:
    jws = "eyJhbGciOiJFZERTQSJ9.eyJiaWQiOiJCMTIzIn0.Ab-_9"
    assert translate_keys([*_typed(jws), *_press(ecodes.KEY_ENTER)]) == jws + "\r"


def test_ctrl_and_alt_combinations_type_nothing_and_are_counted() -> None:
    translator = KeyTranslator()
    events = [
        *_press(ecodes.KEY_B),
        (ecodes.KEY_LEFTCTRL, 1), (ecodes.KEY_LEFTALT, 1), *_press(ecodes.KEY_T),
        (ecodes.KEY_LEFTALT, 0), (ecodes.KEY_LEFTCTRL, 0),
        (ecodes.KEY_LEFTMETA, 1), *_press(ecodes.KEY_R), (ecodes.KEY_LEFTMETA, 0),
        *_press(ecodes.KEY_F4), *_press(ecodes.KEY_ESC), *_press(ecodes.KEY_1),
    ]  # fmt: skip
    assert translator.feed(events) == "b1"
    assert translator.suppressed == 4


def test_caps_lock_flips_letters_only_and_shift_state_spans_calls() -> None:
    translator = KeyTranslator()
    assert translator.feed([*_press(ecodes.KEY_CAPSLOCK), *_press(ecodes.KEY_A)]) == "A"
    assert translator.feed([(SHIFT, 1)]) == ""
    assert translator.feed([*_press(ecodes.KEY_A), *_press(ecodes.KEY_2)]) == "a@"


def test_typed_codes_go_through_the_framer_and_repeats_are_one_scan() -> None:
    scanner = HidScanner("hid:///dev/input/by-id/usb-scanner-event-kbd", repeat_window_s=10)
    recorder = ScanRecorder()
    scanner._on_code = recorder.on_code
    line = [*_typed("B123"), *_press(ecodes.KEY_KPENTER)]
    scanner.feed_events(line + line, 1.0)
    assert recorder.texts() == ["B123"]
    assert scanner.counters.repeats_dropped == 1


def test_a_missing_hid_device_reports_disconnected() -> None:
    recorder = ScanRecorder()
    scanner = open_scanner("hid:///dev/input/by-id/no-such-scanner-event-kbd")
    assert isinstance(scanner, HidScanner)
    scanner.start(recorder.on_code, recorder.on_health)
    try:
        assert recorder.wait_for_health("fault", "disconnected")
    finally:
        scanner.stop()


def test_a_hid_url_needs_an_absolute_device_path() -> None:
    with pytest.raises(DeviceUrlError, match="hid:///dev/input/by-id"):
        HidScanner("hid://scanner")
