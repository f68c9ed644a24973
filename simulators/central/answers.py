"""What the server answers to a kiosk's events, as commands: a check-in's queue position and
a replaced database's re-learning (``store.relearn``, docs/mqtt-contract.md).

Pure functions: the simulator sends what they return (``CentralSimulator._react``). A new
reaction to an event type belongs here, with its dispatch in ``_react``.
"""

from __future__ import annotations

import time
from typing import Any

from simulators.booking_system.book import BookedEntry
from simulators.central.records import CHECKIN_TO_ANSWER, TICKET_ISSUED, data_of, text_at

RELEARN_ACTION = "store.relearn"
RELEARN_DAYS = 2  # business days of ticket numbers and days of used bookings in an answer
RELEARN_PART = 300  # used bookings per store.relearn command (well under 64 KiB)


def checkin_ref(envelope: dict[str, Any]) -> str:
    """The reference of a check-in: its booking id, or ``code:<typed code>``."""
    data = data_of(envelope)
    if envelope.get("type") == "checkin.code_entered":
        return f"code:{data.get('code', '')}"
    return str(data.get("booking_id", ""))


def checkin_answer(
    envelope: dict[str, Any],
    waiting: int,
    booked: BookedEntry | None = None,
    *,
    strict: bool = False,
) -> dict[str, Any]:
    """The ``checkin.answer`` arguments for a check-in behind ``waiting`` tickets.

    A meeting's answer says its host was told (``host_notified``) and has no queue place. A
    typed code is looked up in the booking book (``booked``): its service is named in the
    answer, so the kiosk's screen can say it. With ``strict`` (a book is kept) a typed code
    the book does not know is refused; without a book every code is accepted, as before.

    Args:
        envelope: the ``checkin.accepted`` or ``checkin.code_entered`` event.
        waiting: tickets waiting for the booking's service at the kiosk's office.
        booked: the booking book's entry for the event's code or booking id.
        strict: refuse a typed code the book does not know.
    """
    data = data_of(envelope)
    ref = checkin_ref(envelope)
    typed = envelope.get("type") == "checkin.code_entered"
    if typed and strict and booked is None:
        return {"ref": ref, "accepted": False}
    if data.get("kind") == "meeting" or (booked is not None and booked.kind == "meeting"):
        return {"ref": ref, "accepted": True, "host_notified": True}
    position = waiting + 1
    return {
        "ref": ref,
        "accepted": True,
        "position": position,
        "wait_minutes": position * 5,
        "service": booked.service if booked is not None else str(data.get("service", "")),
    }


def relearn_answer(
    incarnation: str,
    previous: str,
    known: list[tuple[str, dict[str, Any]]],
    contiguous: int | None,
    now_s: float | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, Any]]]:
    """The ``store.relearn`` answer to a ``store.replaced`` event.

    What the server knew of the earlier incarnations: the last ticket number per service of
    the latest business days, when its last event of the replaced incarnation was made,
    and the bookings used there lately (in parts, ``final`` on the last).

    Args:
        incarnation: the new database's incarnation.
        previous: the replaced incarnation: the one the kiosk named, else the latest of
            ``known`` ('' when none).
        known: every stored event of the kiosk's other incarnations, oldest first.
        contiguous: the gapless seq stored of ``previous`` (None when unknown).
        now_s: now (epoch seconds), for "lately".

    Returns:
        ``(tickets, used bookings, the commands' arguments in order)``.
    """
    numbers: dict[tuple[str, str], int] = {}
    bookings: dict[str, dict[str, str]] = {}
    since = text_at((time.time() if now_s is None else now_s) - RELEARN_DAYS * 86400)
    for _inc, body in known:
        body_data = data_of(body)
        kind = body.get("type")
        if kind == TICKET_ISSUED:
            day, service = body_data.get("business_day"), body_data.get("service")
            number = body_data.get("seq_number")
            if isinstance(day, str) and isinstance(service, str) and isinstance(number, int):
                key = (day, service)
                numbers[key] = max(numbers.get(key, 0), number)
        elif kind in CHECKIN_TO_ANSWER and str(body.get("ts", "")) >= since:
            code = str(body_data.get("code", ""))
            ref = str(body_data.get("booking_id", "")) or (f"code:{code}" if code else "")
            if ref:
                bookings[ref] = {"booking_id": ref, "code": code, "used_at": str(body["ts"])}
    days = sorted({day for day, _ in numbers})[-RELEARN_DAYS:]
    tickets: list[dict[str, Any]] = [
        {"business_day": day, "service": service, "last_number": number}
        for (day, service), number in sorted(numbers.items())
        if day in days
    ]
    until = ""
    for inc, body in reversed(known):
        if inc == previous and contiguous is not None and body.get("seq") == contiguous:
            until = str(body.get("ts", ""))
            break
    used = list(bookings.values())
    parts = [used[i : i + RELEARN_PART] for i in range(0, len(used), RELEARN_PART)] or [[]]
    commands = [
        {
            "incarnation": incarnation,
            "previous_incarnation": previous,
            "tickets": tickets if n == 0 else [],
            "events_until": until,
            "used_bookings": part,
            "final": n == len(parts) - 1,
        }
        for n, part in enumerate(parts)
    ]
    return tickets, used, commands
