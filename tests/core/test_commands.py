"""CommandProcessor and DesiredConfigService on a real SQLite store (no broker)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.clock import SystemClock
from kiosk.core.commands import CommandError
from kiosk.core.desired_config import DesiredConfigService
from kiosk.core.jws import sign
from kiosk.core.trust import KeyPurpose
from kiosk.store.commands import CommandState
from simulators.demo_keys import DEMO_COMMAND_KID, demo_command_private_key
from tests.kiosk_config import config_data
from tests.link.command_support import CommandRig, signed_config
from tests.link.link_support import KIOSK_ID, KioskStore
from tests.trust_keys import trust_table

ACTION = "diag.print_test"


def token(ctr: int, cmd_id: str, **overrides: Any) -> bytes:
    now = int(time.time())
    claims: dict[str, Any] = {
        "cmd_id": cmd_id,
        "aud": KIOSK_ID,
        "action": ACTION,
        "args": {},
        "iat": now,
        "exp": now + 60,
        "ctr": ctr,
    }
    claims.update(overrides)
    return sign(claims, demo_command_private_key(), DEMO_COMMAND_KID).encode()


def events_of(store: KioskStore, event_type: str) -> list[dict[str, Any]]:
    return [e.payload["data"] for e in store.outbox.pending(limit=1000) if e.type == event_type]


def test_a_forged_command_cannot_burn_the_cmd_id_of_a_real_one(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    calls: list[Mapping[str, Any]] = []
    rig.register({ACTION: lambda args: calls.append(args) or None})
    now = int(time.time())
    forged_claims = {
        "cmd_id": "c-1",
        "aud": KIOSK_ID,
        "action": ACTION,
        "args": {},
        "iat": now,
        "exp": now + 60,
        "ctr": 5,
    }
    forged = sign(forged_claims, Ed25519PrivateKey.generate(), DEMO_COMMAND_KID).encode()
    assert rig.processor.handle_payload(forged).reason == "bad_signature"
    outcome = rig.processor.handle_payload(token(5, "c-1"))
    assert outcome.state is CommandState.DONE
    assert len(calls) == 1
    assert [r.cmd_id for r in rig.processor_rows()] == ["c-1"]


def test_a_failing_handler_gives_exactly_one_failed_result(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")

    def broken(args: Mapping[str, Any]) -> Mapping[str, Any]:
        raise CommandError("printer_fault", "paper out")

    rig.register({ACTION: broken})
    outcome = rig.processor.handle_payload(token(1, "c-1"))
    assert (outcome.state, outcome.reason) == (CommandState.FAILED, "printer_fault")
    assert events_of(store, "cmd.result") == [
        {
            "cmd_id": "c-1",
            "action": ACTION,
            "ok": False,
            "error": "printer_fault",
            "detail": "paper out",
        }
    ]


def test_commands_beyond_the_rate_limit_are_refused(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    rig.processor._limiter._limits[ACTION] = 2
    rig.register({ACTION: lambda args: None})
    reasons = [rig.processor.handle_payload(token(n, f"c-{n}")).reason for n in range(1, 5)]
    assert reasons == [None, None, "rate_limited", "rate_limited"]


def test_iat_in_the_future_too_long_lifetimes_and_unknown_actions_are_refused(
    tmp_path: Path,
) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    rig.register({ACTION: lambda args: None})
    now = int(time.time())
    reasons = [
        rig.processor.handle_payload(token(1, "c-1", iat=now + 600, exp=now + 700)).reason,
        rig.processor.handle_payload(token(2, "c-2", exp=now + 3 * 86400)).reason,
        rig.processor.handle_payload(token(3, "c-3", action="doors.open_all")).reason,
        rig.processor.handle_payload(token(4, "c-4", args=["not", "an", "object"])).reason,
        rig.processor.handle_payload(b"\xff\xfe").reason,
    ]
    assert reasons == [
        "iat_in_future",
        "lifetime_too_long",
        "unknown_action",
        "bad_claims",
        "malformed",
    ]


def test_a_command_left_started_is_settled_once_as_interrupted(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    with store.db.transaction() as tx:
        rig.processor._repo.insert(
            tx, "c-9", ACTION, 9, "2026-11-27T01:00:00.000Z", CommandState.STARTED
        )
    assert rig.processor.settle_interrupted() == 1
    assert rig.processor.settle_interrupted() == 0
    assert [(r["cmd_id"], r["error"]) for r in events_of(store, "cmd.result")] == [
        ("c-9", "interrupted")
    ]
    assert rig.processor.handle_payload(token(10, "c-9")).reason == "duplicate"


def test_the_applied_desired_config_is_in_force_again_after_a_restart(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    v3 = {"version": 3, "tickets": {"number_format": "{prefix}{number:04d}"}}
    assert rig.desired.handle_payload(signed_config(v3)).state == "applied"
    assert rig.desired.handle_payload(signed_config({"version": 2})).error == (
        "version 2 is not above version 3 in force"
    )
    document = config_data(tmp_path / "state")
    document["kiosk"]["id"] = KIOSK_ID
    document["trust"] = trust_table(KeyPurpose.CONFIG)
    restarted = DesiredConfigService(
        file_document=document, db=store.db, outbox=store.outbox, clock=SystemClock()
    )
    assert restarted.active_version == 3
    assert restarted.config.tickets.number_format == "{prefix}{number:04d}"
    # The report for the highest version; the retained v2 arriving again re-reports it.
    assert restarted.reported() == {"version": 3, "state": "applied", "active_version": 3}
