"""The central simulator's office queue figures: how often they go out."""

from __future__ import annotations

from typing import Any

from simulators.central.queues import OfficeQueues


def ticket(service: str) -> dict[str, Any]:
    return {"type": "ticket.issued", "data": {"service": service, "business_day": "2026-12-05"}}


def test_an_offices_figures_go_out_at_once_then_at_most_once_a_second_with_every_ticket() -> None:
    queues = OfficeQueues({"tax": 5.0}, 4.0, min_interval_s=1.0)
    queues.count_ticket("kiosk-a", "chuo", ticket("tax"))
    first = queues.take_changed(now=100.0)
    queues.count_ticket("kiosk-a", "chuo", ticket("tax"))
    queues.count_ticket("kiosk-b", "chuo", ticket("pension"))
    held = queues.take_changed(now=100.5)
    due_at = queues.next_publish_at()
    later = queues.take_changed(now=101.0)
    assert [(office, body["services"]) for office, body in first] == [
        ("chuo", {"tax": {"waiting": 1, "wait_minutes": 5}})
    ]
    assert held == []
    assert due_at == 101.0
    assert [(office, body["services"]) for office, body in later] == [
        (
            "chuo",
            {
                "pension": {"waiting": 1, "wait_minutes": 4},
                "tax": {"waiting": 2, "wait_minutes": 10},
            },
        )
    ]
    assert queues.next_publish_at() is None
