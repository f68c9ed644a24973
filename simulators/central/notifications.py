"""Notifications the central server sends to people: a meeting's host told of an arrival."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostNotification:
    """A meeting's host was told that their visitor checked in.

    Attributes:
        host: the host's staff id (from the ``checkin.accepted`` event).
        host_name: the host's name from the booking book ("" when the book does not know).
        kiosk: the kiosk the visitor checked in at.
        booking_id: the meeting's booking id.
        at: when the host was told (epoch seconds).
    """

    host: str
    host_name: str
    kiosk: str
    booking_id: str
    at: float
