"""Staff PINs from the config file to a staff sign-in (issue 10, item 6), and their verifier.

End to end: ``[handover] staff_pins`` in the TOML document, ``build_services`` as ``kiosk run``
wires it, the real Kerong driver on the locker simulator, a staff member signs in with the
keypad's number and PIN and loads a case.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import parse_config
from kiosk.core.handover import OutcomeCode
from kiosk.core.handover.pins import (
    DEFAULT_LOG2N,
    LEGACY_LOG2N,
    PinVerifier,
    make_pin_verifier,
)
from kiosk.errors import ConfigError
from kiosk.pin_cli import main as pin_cli
from kiosk.services import build_services
from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from tests.core.handover_support import CHEAP
from tests.kiosk_config import config_data

STAFF_ID, STAFF_PIN = "1024", "482913"


def document(tmp_path: Path, staff_pins: Any) -> dict[str, Any]:
    data = config_data(tmp_path / "state")
    data["locker"] = {"url": "sim://", "boards": 1}
    data["handover"] = {
        "compartments": {"M": "1-14"},
        "return_doors": [15, 16],
        "staff_pins": staff_pins,
    }
    return data


@pytest.fixture
def locker_sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=1) as sim:
        yield sim


def test_a_staff_member_in_the_config_signs_in_by_pin_and_loads_a_case(
    tmp_path: Path, locker_sim: LockerSimulator, printer_sim: PrinterSimulator
) -> None:
    verifier = make_pin_verifier(STAFF_PIN, log2n=CHEAP)
    data = document(tmp_path, {STAFF_ID: verifier})
    config = parse_config(data, source="test")
    assert dict(config.handover.staff_pins) == {STAFF_ID: verifier}
    kiosk = build_services(
        config,
        printer_url=f"tcp://127.0.0.1:{printer_sim.port}",
        locker_url=locker_sim.url,
        printer_poll_s=3600,
    )
    try:
        service = kiosk.handover
        assert service is not None
        assert service.identify_staff_pin(STAFF_ID, "000000").code is OutcomeCode.STAFF_REFUSED
        start = service.identify_staff_pin(STAFF_ID, STAFF_PIN)
        assert start.code is OutcomeCode.STAFF_IDENTIFIED
        record = service.handover(start.handover_id)
        assert record is not None and record.actor == STAFF_ID
        assert service.assign_case(
            "case-1",
            "M",
            has_old_passport=False,
            pin_verifier=make_pin_verifier("1234", log2n=CHEAP),
        )
        opening = service.select_case(start.handover_id, "case-1")
        assert (opening.code, opening.door) == (OutcomeCode.OPENING, 1)
        assert locker_sim.pulsed_doors() == [1]  # the driver waited for the board's reply
    finally:
        kiosk.stop()


def test_a_pin_in_clear_in_the_config_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(document(tmp_path, {STAFF_ID: STAFF_PIN}), source="kiosk.toml")
    message = str(info.value)
    assert STAFF_PIN not in message
    assert message == (
        "kiosk.toml: handover.staff_pins.1024 = '…': is a PIN in clear; never write a PIN "
        "here: make one with `kiosk pin-verifier` and put that here"
    )


@pytest.mark.parametrize(
    ("staff_pins", "problem"),
    [
        ({"s-77": "scrypt$"}, "a staff number is 1 to 10 digits (the keypad has digits)"),
        ({STAFF_ID: 1234}, "must be a PIN verifier text"),
        ({STAFF_ID: "hunter2hunter2"}, "is not a PIN verifier: make one"),
        ("1024=abc", "must be a table like"),
    ],
)
def test_staff_pins_that_cannot_work_are_refused(
    tmp_path: Path, staff_pins: Any, problem: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(document(tmp_path, staff_pins), source="kiosk.toml")
    assert problem in str(info.value)


def test_pin_verifier_command_prints_only_a_verifier_of_the_default_cost() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert pin_cli(["--stdin"], stdin=io.StringIO("482913\n"), stdout=out, stderr=err) == 0
    verifier = out.getvalue().strip()
    assert STAFF_PIN not in out.getvalue() + err.getvalue()
    parsed = PinVerifier.parse(verifier)
    assert (parsed.log2n, parsed.r, parsed.p) == (DEFAULT_LOG2N, 8, 1)
    assert parsed.matches(STAFF_PIN)
    assert not parsed.weaker_than_default


def test_pin_verifier_command_refuses_two_different_pins_and_a_non_pin() -> None:
    answers = iter(["482913", "482914"])
    err = io.StringIO()
    assert pin_cli([], stdout=io.StringIO(), stderr=err, ask=lambda _: next(answers)) == 2
    assert err.getvalue() == "kiosk pin-verifier: the two PINs differ; nothing made\n"
    err = io.StringIO()
    assert pin_cli(["--stdin"], stdin=io.StringIO("12ab\n"), stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue() == "kiosk pin-verifier: a PIN is 4 to 12 digits; nothing made\n"


def test_a_verifier_of_the_old_cheaper_cost_still_verifies_and_is_marked_weaker() -> None:
    old = PinVerifier.parse(make_pin_verifier(STAFF_PIN, log2n=LEGACY_LOG2N))
    assert old.matches(STAFF_PIN)
    assert not old.matches("482914")
    assert old.weaker_than_default
