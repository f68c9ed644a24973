"""Every event type is checked against its own data schema: there is no family catch-all."""

from __future__ import annotations

import json
from typing import Any

from kiosk.link.contract import Contract

UNLOCK_SENT = {
    "handover_id": "01a21b4b-601a-7000-8b2e-28a3522fa8b0",
    "kind": "pickup",
    "case_id": "case-7",
    "state": "unlock_sent",
    "door": 12,
    "fires": 1,
}


def envelope(event_type: str, data: dict[str, Any]) -> bytes:
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
            "data": data,
        }
    ).encode()


def test_a_hand_over_step_event_is_checked_against_its_own_schema() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/handover"
    assert (
        contract.check(topic, envelope("handover.unlock_sent", UNLOCK_SENT), retain=False, qos=1)
        == []
    )
    without_door = {k: v for k, v in UNLOCK_SENT.items() if k != "door"}
    problems = contract.check(
        topic, envelope("handover.unlock_sent", without_door), retain=False, qos=1
    )
    assert [str(p) for p in problems] == [
        "kiosk/v1/k-1/evt/handover: data_schema: events/handover.unlock_sent.json: "
        "$: must contain ['door'] properties"
    ]


def test_a_hand_over_step_without_a_schema_of_its_own_is_reported() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/handover"
    problems = contract.check(
        topic, envelope("handover.teleported", UNLOCK_SENT), retain=False, qos=1
    )
    assert [p.rule for p in problems] == ["unknown_event_type"]


def test_a_made_up_event_type_is_reported() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/ticket"
    problems = contract.check(topic, envelope("ticket.teleported", {}), retain=False, qos=1)
    assert [p.rule for p in problems] == ["unknown_event_type"]


def test_a_hand_over_event_on_another_category_is_reported() -> None:
    contract = Contract.load()
    topic = "kiosk/v1/k-1/evt/ticket"
    problems = contract.check(
        topic, envelope("handover.unlock_sent", UNLOCK_SENT), retain=False, qos=1
    )
    assert [p.rule for p in problems] == ["category"]


def test_a_call_for_staff_travels_on_its_own_category() -> None:
    contract = Contract.load()
    data = {
        "call_id": "01a24534-936e-7000-bbc5-7d4dff1124cf",
        "at": "2026-11-27T01:00:00.000Z",
        "via": "button",
    }
    good = contract.check(
        "kiosk/v1/k-1/evt/assist", envelope("assist.staff_called", data), retain=False, qos=1
    )
    assert good == []
    wrong = contract.check(
        "kiosk/v1/k-1/evt/device", envelope("assist.staff_called", data), retain=False, qos=1
    )
    assert [p.rule for p in wrong] == ["category"]
