"""Technicians' PINs for the diagnostics screen (issue 11): verifiers, a budget of their own,
audit events, a full disk; and ``[diagnostics]`` in the config file.

Real SQLite (the ``pin_failure`` table the staff keypad's budget uses), real scrypt at a
cheap cost (the format and the code path are the real ones).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from kiosk.app import technician_access
from kiosk.config import load_config
from kiosk.core.diagnostics.technician import CloseReason, SignIn, TechnicianAccess
from kiosk.core.handover.pin_budget import PinBudget, PinKeypad
from kiosk.core.handover.pins import PinVerifier, make_pin_verifier
from kiosk.demo import DEMO_TECHNICIAN, DEMO_TECHNICIAN_PIN, demo_config
from kiosk.errors import ConfigError
from kiosk.link.contract import Contract
from kiosk.services import KioskServices
from kiosk.store.database import Database
from kiosk.store.handover import HandoverRepository, staff_failure_key
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox, rfc3339
from tests.store.store_support import fill_completely

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "kiosk.example.toml"
TECH, PIN = "4242", "246810"
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


class FixedClock:
    """The wall clock of these tests: ``at``, moved by hand."""

    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


class Monotonic:
    """The monotonic clock of these tests, moved by hand."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "state" / "kiosk.sqlite3")
    yield database
    database.close()


@pytest.fixture
def outbox(db: Database) -> Outbox:
    return Outbox(db, kiosk_id="k-1", session=begin_session(db))


def access(
    db: Database,
    outbox: Outbox,
    *,
    budget: int = 5,
    clock: FixedClock | None = None,
    monotonic: Monotonic | None = None,
) -> TechnicianAccess:
    return TechnicianAccess(
        {TECH: make_pin_verifier(PIN, log2n=10)},
        db,
        outbox,
        clock or FixedClock(),
        budget=budget,
        window_s=600,
        monotonic=monotonic or Monotonic(),
    )


def failures(db: Database, keypad: PinKeypad, at: datetime = NOW) -> int:
    """Wrong PINs of ``keypad`` in the hour before ``at``."""
    with db.transaction() as tx:
        return PinBudget(keypad, 100, 3600).failures(tx, at + timedelta(seconds=1))


def audit(outbox: Outbox) -> list[dict[str, object]]:
    return [e.payload["data"] for e in outbox.pending(limit=100) if e.type == "audit.diagnostics"]


def test_a_technicians_wrong_pins_never_count_against_the_citizens_or_the_staff_keypad(
    db: Database, outbox: Outbox
) -> None:
    gate = access(db, outbox, budget=50)
    with db.transaction() as tx:  # one wrong staff PIN, one citizen's, for contrast
        HandoverRepository.add_pin_failure(tx, staff_failure_key("1024"), rfc3339(NOW))
        HandoverRepository.add_pin_failure(tx, "HO-1001", rfc3339(NOW))

    answers = [gate.sign_in(TECH, "000000") for _ in range(10)]

    assert answers == [SignIn.REFUSED] * 10
    assert failures(db, PinKeypad.TECHNICIAN) == 10
    assert failures(db, PinKeypad.STAFF) == 1
    assert failures(db, PinKeypad.CITIZEN) == 1  # was 11: '#tech:' rows read as cases


def test_the_right_pin_opens_and_an_unknown_number_is_refused_and_counted_like_a_wrong_pin(
    db: Database, outbox: Outbox
) -> None:
    gate = access(db, outbox)

    unknown = gate.sign_in("9999", PIN)
    right = gate.sign_in(TECH, PIN)
    gate.closed(TECH, CloseReason.INACTIVITY)

    assert (unknown, right) == (SignIn.REFUSED, SignIn.OPENED)
    assert failures(db, PinKeypad.TECHNICIAN) == 1
    schemas = Contract.load().schemas
    assert [schemas.validate("events/audit.diagnostics.json", e) for e in audit(outbox)] == [
        [],
        [],
        [],
    ]
    assert {e.category for e in outbox.pending(limit=100)} == {"audit"}
    assert audit(outbox) == [
        {"action": "pin_failed", "technician": "9999"},
        {"action": "opened", "technician": TECH},
        {"action": "closed", "technician": TECH, "reason": "inactivity"},
    ]


def test_a_spent_budget_pauses_the_keypad_for_its_window_and_no_longer(
    db: Database, outbox: Outbox
) -> None:
    clock, monotonic = FixedClock(), Monotonic()
    gate = access(db, outbox, budget=3, clock=clock, monotonic=monotonic)

    wrong = [gate.sign_in(TECH, "111111") for _ in range(3)]
    while_paused = gate.sign_in(TECH, PIN)
    clock.at += timedelta(seconds=599)
    monotonic.at += 599
    still = gate.sign_in(TECH, PIN)
    clock.at += timedelta(seconds=2)
    monotonic.at += 2
    after = gate.sign_in(TECH, PIN)

    assert wrong == [SignIn.REFUSED] * 3
    assert (while_paused, still, after) == (SignIn.PAUSED, SignIn.PAUSED, SignIn.OPENED)
    assert (
        failures(db, PinKeypad.TECHNICIAN, at=clock.at) == 3
    )  # still stored; only the 600 s window passed
    assert [e["action"] for e in audit(outbox)] == [
        "pin_failed",
        "pin_failed",
        "pin_failed",
        "pin_paused",
        "opened",
    ]


def test_a_pause_stored_under_a_clock_set_far_ahead_ends_within_its_window_on_the_monotonic_clock(
    db: Database, outbox: Outbox
) -> None:
    clock, monotonic = FixedClock(), Monotonic()
    gate = access(db, outbox, budget=2, clock=clock, monotonic=monotonic)
    clock.at = NOW + timedelta(days=365)  # the clock was a year ahead when they were typed
    gate.sign_in(TECH, "111111")
    gate.sign_in(TECH, "111111")
    clock.at = NOW  # set right again

    paused = gate.sign_in(TECH, PIN)
    monotonic.at += 601
    after = gate.sign_in(TECH, PIN)

    assert (paused, after) == (SignIn.PAUSED, SignIn.OPENED)


def test_on_a_full_disk_the_right_pin_still_opens_and_wrong_pins_are_counted_in_memory(
    db: Database, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    gate = access(db, outbox, budget=2)
    fill_completely(db)

    with caplog.at_level(logging.ERROR, logger="kiosk.core.diagnostics.technician"):
        opened = gate.sign_in(TECH, PIN)
        wrong = [gate.sign_in(TECH, "111111") for _ in range(2)]
        paused = gate.sign_in(TECH, PIN)

    assert opened is SignIn.OPENED  # a technician must be able to diagnose a full disk
    assert wrong == [SignIn.REFUSED, SignIn.REFUSED]
    assert paused is SignIn.PAUSED  # never unlimited guesses while nothing can be stored
    assert failures(db, PinKeypad.TECHNICIAN) == 0
    assert "a technician's wrong PIN could not be stored; counted in memory" in caplog.text


def test_without_technician_pins_nobody_is_let_in(db: Database, outbox: Outbox) -> None:
    gate = TechnicianAccess({}, db, outbox, FixedClock())

    assert gate.available is False
    assert gate.sign_in(TECH, PIN) is SignIn.REFUSED
    assert audit(outbox) == []


# ---- [diagnostics] in the config file ------------------------------------------------------


def test_the_example_config_documents_diagnostics_and_configures_no_technician() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    config = load_config(EXAMPLE)

    assert "[diagnostics]" in text
    assert "# technician_pins = {" in text
    assert config.diagnostics.technician_pins == {}
    assert config.diagnostics.inactivity_s == 120.0


def test_technician_pins_and_timings_are_read_from_the_diagnostics_table(
    tmp_path: Path,
) -> None:
    verifier = make_pin_verifier(PIN, log2n=10)
    text = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    for old, new in (
        ("[diagnostics]\n", f'[diagnostics]\ntechnician_pins = {{ "{TECH}" = "{verifier}" }}\n'),
        ("inactivity_s = 120\n", "inactivity_s = 90\n"),
        (
            "pin_budget = 5\npin_budget_window_s = 3600\n",
            "pin_budget = 3\npin_budget_window_s = 900\n",
        ),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")

    settings = load_config(path).diagnostics

    assert dict(settings.technician_pins) == {TECH: verifier}
    assert (settings.inactivity_s, settings.pin_budget, settings.pin_budget_window_s) == (
        90.0,
        3,
        900.0,
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('"4242" = "246810"', "diagnostics.technician_pins.4242 = '…': is a PIN in clear"),
        ('"t-1" = "scrypt$x"', "a technician number is 1 to 10 digits"),
        ('"4242" = "scrypt$17$8$1$abc"', "is not a PIN verifier"),
    ],
)
def test_a_pin_in_clear_or_a_bad_technician_entry_is_refused_without_echoing_it(
    tmp_path: Path, entry: str, message: str
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        text.replace("[diagnostics]\n", f"[diagnostics]\ntechnician_pins = {{ {entry} }}\n", 1),
        encoding="utf-8",
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert message in str(caught.value)
    assert "246810" not in str(caught.value)


# ---- the running kiosk and the demo --------------------------------------------------------


def test_the_running_kiosk_checks_technician_pins_with_the_configured_budget_or_has_none(
    db: Database, outbox: Outbox
) -> None:
    config = load_config(EXAMPLE)
    services = cast(KioskServices, SimpleNamespace(db=db, outbox=outbox, clock=FixedClock()))
    pins = {TECH: make_pin_verifier(PIN, log2n=10)}
    with_pins = replace(
        config, diagnostics=replace(config.diagnostics, technician_pins=pins, pin_budget=1)
    )

    none = technician_access(config, services)
    gate = technician_access(with_pins, services)

    assert none is None
    assert gate is not None
    assert gate.sign_in(TECH, "000000") is SignIn.REFUSED
    assert gate.sign_in(TECH, PIN) is SignIn.PAUSED  # pin_budget = 1 from the config


def test_the_demo_has_a_technician_whose_pin_it_prints(tmp_path: Path) -> None:
    config = demo_config(tmp_path / "state", "")
    verifier = config.diagnostics.technician_pins[DEMO_TECHNICIAN]

    assert list(config.diagnostics.technician_pins) == [DEMO_TECHNICIAN]
    assert PinVerifier.parse(verifier).matches(DEMO_TECHNICIAN_PIN)
    assert not PinVerifier.parse(verifier).weaker_than_default
