"""Event types named after journal steps are covered by their family's schema, and only they."""

from __future__ import annotations

import json

from kiosk.link.contract import Contract


def envelope(event_type: str) -> bytes:
    return json.dumps(
        {
            "v": 1,
            "id": "01a21b4b-601a-7000-8b2e-28a3522fa8b7",
            "seq": 7,
            "session": 1,
            "incarnation": "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57",
            "kiosk": "k-1",
            "ts": "2026-11-27T04:00:00.000Z",
            "type": event_type,
            "data": {"handover_id": "h-1", "door": 12},
        }
    ).encode()


def test_a_hand_over_step_event_is_checked_against_the_family_schema() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/handover"
    assert contract.check(topic, envelope("handover.unlock_sent"), retain=False, qos=1) == []


def test_a_made_up_event_type_without_a_family_schema_is_reported() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/ticket"
    problems = contract.check(topic, envelope("ticket.teleported"), retain=False, qos=1)
    assert [p.rule for p in problems] == ["unknown_event_type"]


def test_a_hand_over_event_on_another_category_is_reported() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/ticket"
    problems = contract.check(topic, envelope("handover.door_opened"), retain=False, qos=1)
    assert [p.rule for p in problems] == ["category"]
