"""Issue 10, item 12: scans that prove nothing cannot fill the outbox.

A long offline spell of scanner noise, product barcodes or forged QR codes used to store one
person-priority event per scan, until the outbox was full and tickets were refused.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.checkin import CheckInResult, CheckInService
from kiosk.core.refusal_gate import RefusalGate
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox, Priority
from tests.core.checkin_support import NOW, FixedClock, make_parts, token


class StepClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def gated_service(
    tmp_path: Path, clock: StepClock, capacity: int
) -> tuple[CheckInService, Outbox, Database]:
    parts = make_parts(tmp_path)
    outbox = Outbox(parts.db, kiosk_id=parts.config.kiosk_id, session=1, capacity=capacity)
    service = CheckInService(
        parts.config,
        parts.db,
        outbox,
        load_catalogs(parts.config.ui.languages),
        FixedClock(NOW),
        refusal_gate=RefusalGate(per_minute=6, monotonic=clock),
    )
    return service, outbox, parts.db


def refusal_events(outbox: Outbox) -> list[tuple[Priority, dict[str, object]]]:
    return [
        (e.priority, e.payload["data"])
        for e in outbox.pending(limit=100_000)
        if e.type == "checkin.rejected"
    ]


def test_a_thousand_product_barcodes_in_a_minute_leave_six_events_and_a_count(
    tmp_path: Path,
) -> None:
    clock = StepClock()
    service, outbox, _db = gated_service(tmp_path, clock, capacity=1000)

    outcomes = {service.check_in(f"https://shop.example/item/{n}").result for n in range(1000)}
    clock.now = 61.0
    service.check_in("https://shop.example/item/last")

    assert outcomes == {CheckInResult.NOT_A_BOOKING}  # every person still sees the refusal
    events = refusal_events(outbox)
    assert len(events) == 7
    assert {priority for priority, _ in events} == {Priority.TELEMETRY}
    assert [data.get("suppressed") for _, data in events] == [None] * 6 + [994]


def test_a_week_of_noise_offline_never_refuses_a_ticket(tmp_path: Path) -> None:
    clock = StepClock()
    service, outbox, db = gated_service(tmp_path, clock, capacity=200)
    forger = Ed25519PrivateKey.generate()

    for minute in range(7 * 24 * 60 // 30):  # a scan burst every 30 minutes for a week
        clock.now = minute * 1800.0
        for _ in range(20):
            service.check_in("\x1b[31m%%%%noise%%%%\x00")
            service.check_in(token(key=forger, kid="k2", booking_id=f"forged-{minute}"))

    # At most 6 per reason per window were written, all telemetry (dropped first when full)...
    events = refusal_events(outbox)
    assert len(events) <= 336 * 12
    assert {priority for priority, _ in events} <= {Priority.TELEMETRY}
    # ...so a person's event still fits (before the gate: OutboxFullError here).
    with db.transaction() as tx:
        issued = outbox.append(tx, "ticket", "ticket.issued", {"number": "A-001"})
    assert issued.priority is Priority.PERSON and issued.seq > 0


@given(st.text(max_size=300))
def test_any_scanned_text_ends_in_an_outcome_never_an_exception(text: str) -> None:
    gate = RefusalGate(per_minute=1, monotonic=lambda: 0.0)
    first = gate.admit(text[:10] or "x")
    assert first == 0
    assert gate.admit(text[:10] or "x") is None
    assert gate.suppressed() == 1
