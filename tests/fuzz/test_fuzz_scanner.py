"""Fuzz: scanner text, from the serial line's bytes to the check-in and the hand-over.

Anyone can hold anything under the scanner or type anything on the keypad. Every scan ends
in an outcome with a stable code and, where the module promises one, an event that says
why: ``CheckInService.check_in`` (a ``checkin.*`` event for every scan that is not the same
accepted scan again), ``check_in_code`` (typed codes), ``HandoverService.scan_pickup`` and
``identify_staff_card`` (a ``handover.refused`` event with the outcome's code as reason).
Never an exception. The services run on real SQLite files with real signed tokens.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as note_case
from hypothesis import strategies as st

from kiosk.core.booking_codes import make_booking_code
from kiosk.core.checkin import CheckInOutcome, CheckInResult, CheckInService
from kiosk.core.handover import OutcomeCode
from kiosk.core.handover.service import HandoverOutcome
from kiosk.core.jws import b64url_encode, sign
from kiosk.core.refusal_gate import RefusalGate
from kiosk.devices.scanner.framing import LineFramer, Suffix
from kiosk.devices.scanner.hid_scanner import KEY_LEFTCTRL, US_KEYMAP, KeyTranslator
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.outbox import Outbox, OutboxEvent
from kiosk.ui.handover_view_model import is_handover_code
from tests.core.checkin_support import (
    CODE,
    KEY,
    NOW,
    STRANGER,
    FixedClock,
    build_parts,
    checkin_section,
    trust_section,
)
from tests.core.handover_support import Parts, assign, build, load_case
from tests.fuzz.fuzz_support import json_values, mutated
from tests.kiosk_config import make_config

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BOOKING: dict[str, Any] = {
    "typ": "booking",
    "bid": "bk-fuzz",
    "office": "chuo",
    "svc": "insurance",
    "slot": (NOW + timedelta(minutes=10)).isoformat(timespec="seconds"),
    "exp": int((NOW + timedelta(days=1)).timestamp()),
    "code": CODE,
}
"""A valid booking for the check-in rig's clock (10:10 in Tokyo, checked in at 10:00)."""

UNVERIFIED = {
    CheckInResult.UNREADABLE,
    CheckInResult.NOT_A_BOOKING,
    CheckInResult.BAD_SIGNATURE,
    CheckInResult.UNKNOWN_KEY,
}


def signed(claims: Any, key: Any = KEY, kid: str = "k2") -> str:
    """``claims`` (any JSON value, NaN and huge integers included) signed as a compact JWS."""
    return sign(claims, key, kid)


@st.composite
def damaged(draw: st.DrawFn, token: str) -> str:
    """A valid token with characters changed, cut, or wrapped in noise and controls."""
    chars = list(token)
    for _ in range(draw(st.integers(0, 3))):
        chars[draw(st.integers(0, len(chars) - 1))] = draw(st.characters())
    text = "".join(chars)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    noise = st.text(alphabet=st.sampled_from("\x00\x1b[]\r\n\t \u200b\u202e\ufeffé漢"), max_size=4)
    return draw(noise) + text + draw(noise)


def token_texts(base: dict[str, Any], **kinds: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Scans around a signed document ``base``: mutated and re-signed, damaged, forged."""
    valid = signed(base)
    return st.one_of(
        st.text(max_size=120),
        mutated(base).map(signed),
        json_values().map(signed),
        mutated(base).map(lambda claims: signed(claims, STRANGER)),
        mutated(base).map(lambda claims: signed(claims, KEY, "k1")),
        damaged(valid),
        st.just(valid),
        st.just(valid.rsplit(".", 1)[0] + "." + b64url_encode(b"\x00" * 64)),
        *kinds.values(),
    )


# -- check-in ----------------------------------------------------------------------------------


@dataclass
class CheckInRig:
    service: CheckInService
    outbox: Outbox

    def events_after(self, seq: int) -> list[OutboxEvent]:
        return self.outbox.pending(after_seq=seq, limit=1000)


@pytest.fixture(scope="module")
def checkin_rig() -> Iterator[CheckInRig]:
    with tempfile.TemporaryDirectory() as tmp:
        config = make_config(Path(tmp), checkin=checkin_section(), trust=trust_section())
        parts = build_parts(config, Path(tmp) / "kiosk.sqlite3")
        # NOTE: the default gate records 6 refusals per reason per minute and counts the
        # rest; an open gate lets the property see one event for every refused scan.
        service = CheckInService(
            config,
            parts.db,
            parts.outbox,
            load_catalogs(config.ui.languages),
            FixedClock(NOW),
            refusal_gate=RefusalGate(per_minute=10**9),
        )
        yield CheckInRig(service, parts.outbox)
        parts.db.close()


def assert_checkin_outcome(rig: CheckInRig, outcome: CheckInOutcome, before: int) -> None:
    note_case(f"check-in {outcome.result.value}")
    assert isinstance(outcome, CheckInOutcome)
    assert outcome.result in set(CheckInResult)
    assert outcome.result is not CheckInResult.UNAVAILABLE  # the store works: no excuse
    for language in ("ja", "en"):
        assert outcome.text(language).title
    written = rig.events_after(before)
    if outcome.repeated:
        assert written == []
        return
    assert len(written) == 1, [e.type for e in written]
    event = written[0]
    assert event.category == "checkin"
    if outcome.result in (CheckInResult.CODE_PENDING, CheckInResult.CODE_UNVERIFIED):
        assert event.type == "checkin.code_entered"
    elif outcome.result is CheckInResult.ACCEPTED:
        assert event.type == "checkin.accepted"
    else:
        assert event.type == "checkin.rejected"
        assert event.payload["data"]["reason"] == outcome.result.value


@FUZZ
@given(token_texts(BOOKING, codes=st.sampled_from([CODE, "1234-5671", "１２３４５６７１"])))
@example(signed({**BOOKING, "exp": 10**400}))
@example(signed({**BOOKING, "exp": float("nan")}))
@example(signed({**BOOKING, "slot": "9999-12-31T23:59:59+00:00", "bid": "bk-far"}))
@example(signed({**BOOKING, "slot": "0001-01-01T00:00:00+00:00", "bid": "bk-early"}))
@example(signed({**BOOKING, "slot": "9999-12-31T23:59:59-14:00", "bid": "bk-far-west"}))
@example(signed({**BOOKING, "win": {"before": 1440, "after": 1440}, "bid": "bk-wide"}))
@example('{"a":' * 5000 + "1" + "}" * 5000)
@example("eyJ" + "." * 3)
def test_any_scanned_text_ends_in_a_check_in_outcome_and_its_event(
    checkin_rig: CheckInRig, text: str
) -> None:
    before = checkin_rig.outbox.last_seq()

    outcome = checkin_rig.service.check_in(text)

    assert_checkin_outcome(checkin_rig, outcome, before)
    if outcome.result is CheckInResult.ACCEPTED:
        assert outcome.booking_id and outcome.slot is not None
    if "eyJ" not in text and not outcome.repeated:
        assert outcome.result not in (CheckInResult.ACCEPTED, CheckInResult.BAD_SIGNATURE)


@FUZZ
@given(
    st.one_of(
        st.text(max_size=40),
        st.text(alphabet="0123456789０１２３４５６７８９- ー\u3000", max_size=20),
        st.integers(0, 10**7 - 1).map(make_booking_code),
    )
)
@example("9" * 10_000)
def test_any_typed_booking_code_ends_in_an_outcome_and_only_valid_codes_are_recorded(
    checkin_rig: CheckInRig, code: str
) -> None:
    before = checkin_rig.outbox.last_seq()

    outcome = checkin_rig.service.check_in_code(code)

    if outcome.result is CheckInResult.CODE_INVALID:
        assert checkin_rig.events_after(before) == []
        assert outcome.code == ""
        return
    assert outcome.result in (
        CheckInResult.CODE_PENDING,
        CheckInResult.CODE_UNVERIFIED,
        CheckInResult.ALREADY_USED,
    )
    assert len(outcome.code) == 8 and outcome.code.isascii() and outcome.code.isdigit()
    assert_checkin_outcome(checkin_rig, outcome, before)


@settings(FUZZ, max_examples=60)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=60),
            st.just(signed(BOOKING).encode()),
            st.sampled_from(
                [b"\r", b"\n", b"\r\n", b"\x1b[A", b"\xff\xfe", "漢字".encode("cp932")]
            ),
        ),
        max_size=8,
    ),
    st.lists(st.integers(1, 400), max_size=6),
    st.sampled_from(list(Suffix)),
)
def test_bytes_from_the_scanner_line_reach_the_check_in_only_as_outcomes(
    checkin_rig: CheckInRig, pieces: list[bytes], cuts: list[int], suffix: Suffix
) -> None:
    stream = b"".join(pieces)
    framer = LineFramer(suffix, max_length=1024)
    codes = []
    start = 0
    for cut in sorted(set(cuts)):
        codes += framer.feed(stream[start:cut])
        start = max(start, cut)
    codes += framer.feed(stream[start:]) + framer.flush()

    for code in codes:
        before = checkin_rig.outbox.last_seq()
        outcome = checkin_rig.service.check_in(code.text)
        assert_checkin_outcome(checkin_rig, outcome, before)


US_LAYOUT = {char for pair in US_KEYMAP.values() for char in pair} | {"\r"}

key_events = st.lists(st.tuples(st.integers(0, 767), st.integers(-1, 3)), max_size=200)


@FUZZ
@given(key_events)
def test_any_key_events_of_a_hid_scanner_type_only_us_layout_characters(
    events: list[tuple[int, int]],
) -> None:
    translator = KeyTranslator()

    text = translator.feed(events)

    assert set(text) <= US_LAYOUT


@FUZZ
@given(key_events.map(lambda events: [e for e in events if e != (KEY_LEFTCTRL, 0)]))
def test_nothing_is_typed_while_the_hid_scanner_holds_ctrl(events: list[tuple[int, int]]) -> None:
    translator = KeyTranslator()

    text = translator.feed([(KEY_LEFTCTRL, 1), *events])

    assert text == ""


# -- hand-over ---------------------------------------------------------------------------------


class HandoverRig:
    """The hand-over parts, with a short repr (hypothesis prints the fixture of a failure)."""

    def __init__(self, parts: Parts):
        self.parts = parts
        self.service = parts.service
        self.outbox = parts.outbox

    def __repr__(self) -> str:
        return f"HandoverRig({self.parts.db.path})"


@pytest.fixture(scope="module")
def handover_rig() -> Iterator[HandoverRig]:
    with tempfile.TemporaryDirectory() as tmp:
        parts = build(Path(tmp) / "kiosk.sqlite3")
        assign(parts, "case-1")
        load_case(parts, "case-1")
        yield HandoverRig(parts)
        parts.db.close()


def pickup_claims(now: datetime) -> dict[str, Any]:
    return {"typ": "pickup", "cid": "case-1", "office": "chuo", "exp": _epoch(now, days=14)}


def staff_claims(now: datetime) -> dict[str, Any]:
    return {"typ": "staff", "sid": "s-12", "office": "chuo", "exp": _epoch(now, days=1)}


def _epoch(now: datetime, *, days: float) -> int:
    return int((now + timedelta(days=days)).timestamp())


HANDOVER_NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # handover_support.StepClock's start
PICKUP = pickup_claims(HANDOVER_NOW)
STAFF = staff_claims(HANDOVER_NOW)


def assert_refusal_recorded(rig: HandoverRig, outcome: HandoverOutcome, before: int) -> None:
    """A refusal before any hand-over began leaves one ``handover.refused`` with its code."""
    note_case(f"hand-over {outcome.code.value}")
    assert isinstance(outcome, HandoverOutcome)
    assert outcome.code in set(OutcomeCode)
    assert outcome.code is not OutcomeCode.STORE_UNAVAILABLE
    if outcome.handover_id:
        return
    refused = [
        e.payload["data"]
        for e in rig.outbox.pending(after_seq=before, limit=1000)
        if e.type == "handover.refused"
    ]
    assert len(refused) == 1
    assert refused[0]["reason"] == outcome.code.value


@FUZZ
@given(token_texts(PICKUP, staff=mutated(STAFF).map(signed)))
@example(signed({**PICKUP, "exp": 10**400}))
@example(signed({**PICKUP, "nbf": -(10**400)}))
@example(signed({**PICKUP, "exp": 2**63}))
@example(signed({**PICKUP, "cid": "case-1\n"}))
@example("eyJ" + "[" * 5000)
def test_any_scanned_text_at_the_pickup_ends_in_an_outcome_and_a_refusal_has_its_event(
    handover_rig: HandoverRig, text: str
) -> None:
    before = handover_rig.outbox.last_seq()

    outcome = handover_rig.service.scan_pickup(text)

    assert_refusal_recorded(handover_rig, outcome, before)
    if outcome.handover_id:
        assert outcome.code is OutcomeCode.ENTER_PIN
        assert outcome.case_id == "case-1"


@FUZZ
@given(token_texts(STAFF, pickup=mutated(PICKUP).map(signed)))
@example(signed({**STAFF, "exp": 10**400}))
@example(signed({**STAFF, "exp": -(10**400)}))
@example(signed({**STAFF, "sid": ["s-12"]}))
def test_any_scanned_staff_card_ends_in_an_outcome_and_a_refusal_has_its_event(
    handover_rig: HandoverRig, text: str
) -> None:
    before = handover_rig.outbox.last_seq()

    outcome = handover_rig.service.identify_staff_card(text)

    assert_refusal_recorded(handover_rig, outcome, before)
    if outcome.handover_id:
        assert outcome.code is OutcomeCode.STAFF_IDENTIFIED
        handover_rig.service.cancel(outcome.handover_id)


@FUZZ
@given(token_texts(PICKUP, staff=mutated(STAFF).map(signed), booking=st.just(signed(BOOKING))))
@example("eyJ." + b64url_encode(b"[" * 100_000) + ".AAAA")
@example("eyJ." + b64url_encode(b'{"typ":"pickup","typ":"staff"}') + ".AAAA")
@example("eyJ." + b64url_encode("\ufeff".encode()) + ".AAAA")
def test_routing_a_scan_peeks_at_its_type_and_never_raises(text: str) -> None:
    routed = is_handover_code(text)

    assert routed in (True, False)
    if routed:
        assert text.count(".") == 2


@settings(FUZZ, max_examples=80)
@given(st.one_of(st.text(max_size=80), st.sampled_from(["case-1", "case-2", "\x00case-1"])))
def test_any_scanned_case_label_ends_in_an_outcome_of_the_loading_hand_over(
    handover_rig: HandoverRig, text: str
) -> None:
    start = handover_rig.service.identify_staff_card(signed(STAFF))
    assert start.code is OutcomeCode.STAFF_IDENTIFIED

    outcome = handover_rig.service.select_case(start.handover_id, text)

    assert isinstance(outcome, HandoverOutcome)
    assert outcome.code in (
        OutcomeCode.CASE_UNKNOWN,
        OutcomeCode.CASE_NOT_LOADABLE,
        OutcomeCode.STAFF_IDENTIFIED,
    )
    handover_rig.service.cancel(start.handover_id)
