"""Shared parts of the check-in tests: keys, tokens, a service on a real SQLite file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.config import KioskConfig
from kiosk.core.checkin import CheckInService, SlipPrinter
from kiosk.core.jws import public_key_text
from kiosk.devices.health import HealthBoard
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from simulators.central.server import issue_booking_token
from tests.kiosk_config import make_config

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=TOKYO)  # a Friday, 10:00 in Tokyo
KEY = Ed25519PrivateKey.generate()
OLD_KEY = Ed25519PrivateKey.generate()
STRANGER = Ed25519PrivateKey.generate()
CODE = "12345671"  # make_booking_code(1234567)


def trust_section(issued: str = "2026-11-20T00:00:00Z") -> dict[str, Any]:
    """A ``[trust]`` table whose booking list holds ``KEY`` as ``k2`` and ``OLD_KEY`` as ``k1``."""
    return {
        "booking": {
            "k1": public_key_text(OLD_KEY.public_key()),
            "k2": public_key_text(KEY.public_key()),
        },
        "issued": issued,
        "max_age_days": 30,
    }


def checkin_section(**overrides: Any) -> dict[str, Any]:
    """A ``[checkin]`` table (the keys are in ``trust_section``)."""
    section: dict[str, Any] = {
        "window_before_min": 30,
        "window_after_min": 15,
        "dedupe_s": 5,
        "service_windows": {"childcare": {"before_min": 10, "after_min": 5}},
        "office_names": {"shisui": {"ja": "四街道支所", "en": "Shisui branch"}},
    }
    section.update(overrides)
    return section


def token(
    slot: datetime = NOW + timedelta(minutes=10),
    *,
    office: str = "chuo",
    service: str = "insurance",
    booking_id: str = "bk-1",
    key: Ed25519PrivateKey = KEY,
    kid: str = "k2",
    **kwargs: Any,
) -> str:
    """A real signed booking token (defaults: insurance at 10:10 today, key k2)."""
    kwargs.setdefault("code", CODE)
    return issue_booking_token(
        office, service, slot, booking_id=booking_id, key=key, kid=kid, **kwargs
    )


@dataclass
class CheckInParts:
    """The real parts under a check-in service."""

    config: KioskConfig
    db: Database
    outbox: Outbox
    health: HealthBoard
    service: CheckInService

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        """(type, data) of every check-in event in the outbox, oldest first."""
        return [
            (e.type, e.payload["data"])
            for e in self.outbox.pending(limit=10_000)
            if e.category == "checkin"
        ]

    def reopen(self) -> CheckInParts:
        """A new Database and service on the same file (a restart)."""
        self.db.close()
        return build_parts(self.config, self.db.path)


class FixedClock:
    """A clock that says what the test sets."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def build_parts(
    config: KioskConfig, path: Path, slip_printer: SlipPrinter | None = None
) -> CheckInParts:
    """A check-in service on a real SQLite file."""
    db = Database(path)
    outbox = Outbox(db, kiosk_id=config.kiosk_id, session=begin_session(db))
    health = HealthBoard()
    service = CheckInService(
        config,
        db,
        outbox,
        load_catalogs(config.ui.languages),
        FixedClock(NOW.astimezone(UTC)),
        health=health,
        slip_printer=slip_printer,
    )
    return CheckInParts(config, db, outbox, health, service)


def make_parts(
    tmp_path: Path,
    slip_printer: SlipPrinter | None = None,
    *,
    trust_list_issued: str = "2026-11-20T00:00:00Z",
    **checkin: Any,
) -> CheckInParts:
    """Config with ``checkin_section(**checkin)``, ``trust_section`` and a fresh database."""
    config = make_config(
        tmp_path / "state",
        checkin=checkin_section(**checkin),
        trust=trust_section(trust_list_issued),
    )
    return build_parts(config, tmp_path / "state" / "kiosk.sqlite3", slip_printer)
