"""Server commands: a bounded counter step, no NaN dates, every refusal an event (issue 10)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.commands import DEFAULT_CTR_WINDOW, CommandProcessor
from kiosk.core.jws import b64url_encode, sign
from kiosk.store.commands import CommandRepository, CommandState
from tests.link.link_support import KIOSK_ID, KioskStore

KEY = Ed25519PrivateKey.generate()
KID = "cmd-test"
ACTION = "diag.print_test"
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
NOW_S = int(NOW.timestamp())
NOW_MS = NOW_S * 1000


@dataclass
class FixedClock:
    moment: datetime = NOW

    def now(self) -> datetime:
        return self.moment


@dataclass
class Rig:
    store: KioskStore
    processor: CommandProcessor
    ran: list[Mapping[str, Any]]

    def last_ctr(self) -> int:
        with self.store.db.reading() as conn:
            return CommandRepository.last_ctr(conn)

    def refusals(self) -> list[dict[str, Any]]:
        return [
            e.payload["data"]
            for e in self.store.outbox.pending(limit=1000)
            if e.type == "cmd.refused"
        ]


def make_rig(tmp_path: Path) -> Rig:
    store = KioskStore.create(tmp_path)
    processor = CommandProcessor(
        kiosk_id=KIOSK_ID,
        keys={KID: KEY.public_key()},
        db=store.db,
        outbox=store.outbox,
        clock=FixedClock(),
    )
    ran: list[Mapping[str, Any]] = []

    def handler(args: Mapping[str, Any]) -> None:
        ran.append(args)

    processor.register(ACTION, handler)
    return Rig(store, processor, ran)


def command(ctr: int, cmd_id: str, **overrides: Any) -> bytes:
    claims: dict[str, Any] = {
        "cmd_id": cmd_id,
        "aud": KIOSK_ID,
        "action": ACTION,
        "args": {},
        "iat": NOW_S,
        "exp": NOW_S + 60,
        "ctr": ctr,
    }
    claims.update(overrides)
    return sign(claims, KEY, KID).encode()


def test_a_ctr_of_two_to_the_53_is_refused_and_later_genuine_commands_still_run(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    assert rig.processor.handle_payload(command(NOW_MS, "c-1")).state is CommandState.DONE
    jump = rig.processor.handle_payload(command(2**53, "c-2"))
    assert (jump.state, jump.reason) == (CommandState.REFUSED, "ctr_jump")
    assert rig.last_ctr() == NOW_MS  # a refused jump never moves the counter
    assert rig.processor.handle_payload(command(NOW_MS + 1, "c-3")).state is CommandState.DONE
    assert rig.last_ctr() == NOW_MS + 1
    assert len(rig.ran) == 2
    assert rig.refusals() == [
        {
            "cmd_id": "c-2",
            "action": ACTION,
            "reason": "ctr_jump",
            "detail": f"ctr {2**53} is more than 1000000 above the clock in ms; "
            f"not adopted (the last accepted stays {NOW_MS})",
        }
    ]


def test_a_ctr_exactly_at_the_window_is_accepted_and_one_above_is_refused(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    over = rig.processor.handle_payload(command(NOW_MS + DEFAULT_CTR_WINDOW + 1, "c-1"))
    assert over.reason == "ctr_jump"
    assert rig.last_ctr() == 0
    at = rig.processor.handle_payload(command(NOW_MS + DEFAULT_CTR_WINDOW, "c-2"))
    assert at.state is CommandState.DONE
    assert rig.last_ctr() == NOW_MS + DEFAULT_CTR_WINDOW


def test_a_ctr_beyond_64_bits_is_refused_without_an_exception(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    outcome = rig.processor.handle_payload(command(2**64, "c-1"))
    # NOTE: refused when its claims are read (strict JSON: no whole number beyond 64 bits),
    # before any claim check, so nothing about it is stored and the counter never moves.
    assert (outcome.state, outcome.reason) == (CommandState.REFUSED, "bad_payload")
    assert rig.last_ctr() == 0
    assert CommandRepository(rig.store.db).all() == []
    assert rig.processor.handle_payload(command(2**40, "c-1")).state is CommandState.DONE


def test_a_plain_counter_from_one_still_works_below_the_clock(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    reasons = [rig.processor.handle_payload(command(n, f"c-{n}")).reason for n in (1, 2, 3)]
    assert reasons == [None, None, None]
    assert rig.last_ctr() == 3


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("claim", ["iat", "exp"])
def test_a_non_finite_iat_or_exp_is_refused_and_nothing_runs(
    tmp_path: Path, claim: str, constant: str
) -> None:
    rig = make_rig(tmp_path)
    value = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[constant]
    outcome = rig.processor.handle_payload(command(1, "c-1", **{claim: value}))
    assert (outcome.state, outcome.reason) == (CommandState.REFUSED, "bad_payload")
    assert rig.ran == []
    assert rig.last_ctr() == 0
    assert [r["reason"] for r in rig.refusals()] == ["bad_payload"]


def test_a_command_with_a_non_ascii_payload_part_is_refused_as_malformed(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    head, _, sig = command(1, "c-1").decode().split(".")
    outcome = rig.processor.handle_payload(f"{head}.é{b64url_encode(b'{}')}.{sig}".encode())
    assert (outcome.state, outcome.reason) == (CommandState.REFUSED, "malformed")
    assert [r["reason"] for r in rig.refusals()] == ["malformed"]


def test_a_deeply_nested_command_is_refused_as_bad_payload_not_a_recursion_error(
    tmp_path: Path,
) -> None:
    rig = make_rig(tmp_path)
    head = b64url_encode(json.dumps({"alg": "EdDSA", "kid": KID}).encode())
    deep = f"{head}.{b64url_encode(('[' * 1000 + ']' * 1000).encode())}"
    deep_signed = f"{deep}.{b64url_encode(KEY.sign(deep.encode()))}".encode()
    outcome = rig.processor.handle_payload(deep_signed)
    assert (outcome.state, outcome.reason) == (CommandState.REFUSED, "bad_payload")
    assert rig.refusals()[0]["detail"] == (
        "the payload is not strict JSON (too_deep): "
        "the document nests 1000 levels, more than the 32 allowed"
    )
