"""The parts every view-model shares (issue 14): the keypad, the GUI worker and inbox, and
the notify helper."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from kiosk.ui.gui_worker import GuiInbox, GuiWorker
from kiosk.ui.keypad import NumberPinKeypad
from kiosk.ui.qml_property import changed, reads


def keypad(changes: list[str], *, clears: bool = False) -> NumberPinKeypad:
    return NumberPinKeypad(
        number_max=4,
        pin_min=4,
        pin_max=6,
        on_change=lambda: changes.append("changed"),
        typing_clears_error=clears,
    )


def test_the_keypad_types_into_the_chosen_field_and_asks_for_the_pin_before_it_is_ready() -> None:
    changes: list[str] = []
    pad = keypad(changes)
    for key in "12345x١":  # a fifth digit, a letter and a non-ASCII digit are ignored
        pad.press(key)
    first = pad.advance()  # "OK" on the number: on to the PIN
    for key in "987":
        pad.press(key)
    short = pad.advance()  # three digits: not ready, stays on the PIN
    pad.press("6")
    assert (first, short, pad.advance()) == (False, False, True)
    assert (pad.number, pad.pin, pad.pin_mask, pad.field) == ("1234", "9876", "●●●●", "pin")
    assert len(changes) == 9  # 4 digits, the field, 4 digits: one notification each


def test_typing_clears_the_error_only_on_a_keypad_that_asks_for_it() -> None:
    kept, cleared = keypad([]), keypad([], clears=True)
    for pad in (kept, cleared):
        pad.set(error="refused")
        pad.press("1")
        pad.delete()
    assert (kept.error, cleared.error) == ("refused", "")


def test_reset_empties_both_fields_and_goes_back_to_the_number() -> None:
    pad = keypad([])
    pad.set(number="12", pin="3456", field="pin", error="paused")
    pad.reset()
    assert (pad.number, pad.pin, pad.field, pad.error) == ("", "", "id", "")


class _Model(QObject):
    busyChanged = Signal()  # noqa: N815 - a Qt name
    busy = reads(bool, "_busy", notify=busyChanged)

    def __init__(self) -> None:
        super().__init__()
        self._busy = False


def test_changed_sets_and_notifies_only_when_the_value_is_new() -> None:
    model = _Model()
    seen: list[bool] = []
    model.busyChanged.connect(lambda: seen.append(model.property("busy")))
    results = [changed(model, "_busy", value, model.busyChanged) for value in (True, True, False)]
    assert (results, seen) == ([True, False, True], [True, False])


def test_the_worker_answers_on_the_gui_thread_with_the_value_or_the_exception(
    qtbot: QtBot,
) -> None:
    worker = GuiWorker("test")
    answers: list[tuple[object, bool]] = []
    gui = threading.current_thread()

    def fail() -> int:
        raise ValueError("no")

    worker.submit("ok", lambda: 7, lambda v: answers.append((v, threading.current_thread() is gui)))
    worker.submit("fails", fail, lambda v: answers.append((type(v), True)))
    qtbot.waitUntil(lambda: len(answers) == 2)
    worker.close()
    assert answers == [(7, True), (ValueError, True)]
    assert worker.submit("late", lambda: 1, lambda _v: None) is False
    assert worker.wait_idle(1) is True


def test_the_inbox_hands_values_from_another_thread_to_the_gui_thread_in_order(
    qtbot: QtBot,
) -> None:
    got: list[tuple[int, bool]] = []
    gui = threading.current_thread()
    inbox = GuiInbox(lambda v: got.append((v, threading.current_thread() is gui)), "test")

    def send() -> None:
        for n in range(3):
            inbox.post(n)

    sender = threading.Thread(target=send)
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: len(got) == 3)
    assert got == [(0, True), (1, True), (2, True)]
