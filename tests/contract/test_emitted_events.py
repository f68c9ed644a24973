"""Every event type the kiosk's code names has its own message and data schema, and the
suite-wide check of emitted events (tests/contract/event_check.py) finds what breaks them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from kiosk.core import events
from kiosk.core.diagnostics.technician import AUDIT_DIAGNOSTICS
from kiosk.core.handover.machine import HandoverState
from kiosk.link import blob_sender
from kiosk.link.contract import DEFAULT_SCHEMA_DIR
from kiosk.store.outbox import DROPPED_EVENT, OutboxEvent, Priority
from tests.contract import event_check

ROOT = Path(__file__).resolve().parents[2]


def named_event_types() -> set[str]:
    """What the kiosk's code can emit: the constants of kiosk/core/events.py and of the
    other emitters, and ``handover.<step>`` for every step of the hand-over journal."""
    found = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str) and "." in v}
    found |= {
        blob_sender.PHOTO_TRANSFERRED,
        blob_sender.PHOTO_TRANSFER_FAILED,
        blob_sender.BUNDLE_TRANSFERRED,
        blob_sender.BUNDLE_FAILED,
        AUDIT_DIAGNOSTICS,
        "audit.locker_open",  # kiosk/services.py and kiosk/diag_cli.py
        DROPPED_EVENT,
    }
    source = "".join(p.read_text() for p in (ROOT / "kiosk/core/handover").glob("*.py"))
    steps = set(re.findall(r'Step\(\s*"([a-z_]+)"', source))
    # NOTE: awaiting_close is a state reached only through the handover.recovered step.
    states = {state.value for state in HandoverState} - {"awaiting_close"}
    return found | {f"handover.{name}" for name in steps | states}


def test_every_event_type_the_code_names_has_its_own_schema_and_message() -> None:
    named = named_event_types()
    schemas = {p.stem for p in (DEFAULT_SCHEMA_DIR / "events").glob("*.json")}
    doc = yaml.safe_load((ROOT / "docs/asyncapi.yaml").read_text(encoding="utf-8"))
    messages = {m["name"] for m in doc["components"]["messages"].values()}
    assert sorted(named - schemas) == []
    assert sorted(named - messages) == []
    assert len(named) >= 60


def test_the_hand_over_journal_steps_are_all_named() -> None:
    named = named_event_types()
    assert {
        "handover.staff_identified",
        "handover.compartment_chosen",
        "handover.unlock_retried",
        "handover.punch_retried",
        "handover.door_left_open",
        "handover.door_alarm",
        "handover.recovered",
        "handover.not_collected",
    } <= named


def event(event_type: str, category: str, data: dict[str, object]) -> OutboxEvent:
    envelope = {
        "v": 1,
        "id": "01a21b4b-601a-7000-8b2e-28a3522fa8b7",
        "seq": 9,
        "session": 1,
        "incarnation": "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57",
        "kiosk": "k-1",
        "ts": "2026-11-27T04:00:00.000Z",
        "type": event_type,
        "data": data,
    }
    text = json.dumps(envelope)
    return OutboxEvent(9, "e-9", category, event_type, Priority.PERSON, "2026-11-27", text)


def test_the_suite_wide_check_names_what_breaks_an_events_message() -> None:
    good = event("ticket.printed", "ticket", {"ticket_id": "t-1", "number": "A-001"})
    assert event_check.problems_of("ticket", good) == []
    extra = event("ticket.printed", "ticket", {"ticket_id": "t-1", "number": "A-001", "x": 1})
    assert event_check.problems_of("ticket", extra) == [
        "kiosk/v1/k-1/evt/ticket: data_schema: events/ticket.printed.json: "
        "$: must not contain {'x'} properties"
    ]
    unknown = event("ticket.teleported", "ticket", {})
    assert event_check.problems_of("ticket", unknown) == [
        "kiosk/v1/k-1/evt/ticket: unknown_event_type: 'ticket.teleported' has no schema"
    ]


def test_the_suite_wide_check_looks_at_the_kiosks_code_and_not_at_a_tests() -> None:
    assert event_check._kiosk_code_called(1) is False  # this module: tests.contract…
