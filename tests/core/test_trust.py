"""Issue 10, items 1, 2a and 8: who may sign what, the signed desired config, demo keys.

Each test is an attack a hostile review ran against the kiosk, on real SQLite and real
Ed25519 signatures.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.config import parse_config
from kiosk.core.desired_config import MAX_VERSION, DesiredConfigService
from kiosk.core.handover.tokens import (
    HandoverTokenError,
    issue_staff_card,
    read_pickup_token,
    read_staff_card,
)
from kiosk.core.jws import public_key_text, sign
from kiosk.core.trust import (
    DEMO_PUBLIC_KEYS,
    KeyPurpose,
    TrustedKey,
    TrustError,
    TrustList,
    TrustLists,
)
from kiosk.errors import ConfigError
from kiosk.store.config_versions import ConfigVersionRepository, ConfigVersionState
from simulators.central.server import sign_desired_config
from simulators.demo_keys import DEMO_KEYS, demo_key, demo_public_keys, demo_trust_table
from tests.kiosk_config import config_data
from tests.link.link_support import KIOSK_ID, KioskStore
from tests.trust_keys import public_entry, signing_key, trust_table

NOW = datetime.now(UTC)


def document(state_dir: Path, **sections: Any) -> dict[str, Any]:
    data = config_data(state_dir)
    data["kiosk"]["id"] = KIOSK_ID
    data["trust"] = trust_table()
    data.update(sections)
    return data


def desired_service(tmp_path: Path, store: KioskStore, **sections: Any) -> DesiredConfigService:
    service = DesiredConfigService(
        file_document=document(tmp_path / "state", **sections),
        db=store.db,
        outbox=store.outbox,
        clock=_Clock(),
    )
    reports.clear()
    service.set_reporter(reports.append)
    return service


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


reports: list[dict[str, Any]] = []


def signed(version: int | float | str, config: dict[str, Any], **overrides: Any) -> bytes:
    kid, key = signing_key(KeyPurpose.CONFIG)
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": KIOSK_ID,
        "version": version,
        "iat": now,
        "exp": now + 3600,
        "config": config,
    }
    claims.update(overrides)
    return sign(claims, overrides.pop("key", key), kid).encode()


def rejected_events(store: KioskStore) -> list[dict[str, Any]]:
    return [
        e.payload["data"] for e in store.outbox.pending(limit=1000) if e.type == "config.rejected"
    ]


# ---- item 1: config/desired must be signed -------------------------------------------------


def test_an_unsigned_desired_config_cannot_replace_the_staff_keys(tmp_path: Path) -> None:
    """The review's attack: one unsigned retained message swapped the trusted keys."""
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)
    attacker = Ed25519PrivateKey.generate()
    evil = {"staff": {"evil": public_key_text(attacker.public_key())}}
    payload = json.dumps({"version": 9, "trust": evil}).encode()

    outcome = service.handle_payload(payload)

    assert (outcome.state, outcome.version) == ("rejected", None)
    assert outcome.error is not None and outcome.error.startswith("unsigned")
    assert service.active_version == 0
    assert "evil" not in service.config.trust.keys(KeyPurpose.STAFF)
    assert reports[-1]["state"] == "rejected" and reports[-1]["version"] is None
    assert rejected_events(store)[-1]["version"] is None
    # Never recorded: a forger cannot burn version 9 for the real server.
    assert ConfigVersionRepository(store.db).get(9) is None
    assert service.handle_payload(signed(9, {})).state == "applied"


def test_a_desired_config_signed_by_a_stranger_or_with_another_purposes_key_is_refused(
    tmp_path: Path,
) -> None:
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)
    kid, _ = signing_key(KeyPurpose.CONFIG)
    stranger = sign(
        {
            "aud": KIOSK_ID,
            "version": 2,
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
            "config": {},
        },
        Ed25519PrivateKey.generate(),
        kid,
    ).encode()
    command_kid, command_key = signing_key(KeyPurpose.COMMANDS)
    with_command_key = sign(
        {
            "aud": KIOSK_ID,
            "version": 2,
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
            "config": {},
        },
        command_key,
        command_kid,
    ).encode()

    assert (service.handle_payload(stranger).error or "").startswith("bad_signature")
    assert (service.handle_payload(with_command_key).error or "").startswith("unknown_key")
    assert service.active_version == 0


def test_a_desired_config_for_another_kiosk_or_expired_is_refused(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)
    now = int(time.time())

    other = service.handle_payload(signed(2, {}, aud="kiosk-b"))
    expired = service.handle_payload(signed(3, {}, iat=now - 7200, exp=now - 3600))
    # json.dumps writes NaN; a NaN exp compares false with everything and never expires.
    never_expires = service.handle_payload(signed(4, {}, exp=float("nan")))

    assert (other.error or "").startswith("wrong_aud")
    assert (expired.error or "").startswith("expired")
    assert never_expires.state == "rejected"
    assert service.active_version == 0
    assert service.handle_payload(signed(4, {})).state == "applied"


def test_a_signed_rotation_of_the_staff_keys_reaches_every_list(tmp_path: Path) -> None:
    """The legitimate path: key rotation per purpose through a signed desired config."""
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)
    lists = TrustLists(service.config.trust, allow_demo=False)
    service.set_applier(lambda config, changed: lists.replace(config.trust))
    new_staff = public_entry(KeyPurpose.STAFF, generation=2)
    old_kid, old_key = signing_key(KeyPurpose.STAFF)
    retiring = {
        old_kid: {
            "key": public_key_text(old_key.public_key()),
            "until": (NOW + timedelta(days=7)).isoformat(),
        }
    }

    outcome = service.handle_payload(signed(2, {"trust": {"staff": {**new_staff, **retiring}}}))

    assert outcome.state == "applied" and outcome.changed == frozenset({"trust"})
    new_kid, new_key = signing_key(KeyPurpose.STAFF, generation=2)
    card = issue_staff_card("s-1", "chuo", NOW + timedelta(hours=1), key=new_key, kid=new_kid)
    assert read_staff_card(card, lists[KeyPurpose.STAFF]).staff_id == "s-1"
    old_card = issue_staff_card("s-2", "chuo", NOW + timedelta(hours=1), key=old_key, kid=old_kid)
    assert read_staff_card(old_card, lists[KeyPurpose.STAFF], NOW).staff_id == "s-2"
    # After the overlap window the retiring key signs nothing any more.
    with pytest.raises(HandoverTokenError) as after:
        read_staff_card(old_card, lists[KeyPurpose.STAFF], NOW + timedelta(days=8))
    assert after.value.reason == "unknown_key"


def test_the_config_keys_and_the_status_hosts_cannot_be_changed_remotely(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)
    attacker = public_key_text(Ed25519PrivateKey.generate().public_key())

    keys = service.handle_payload(signed(2, {"trust": {"config": {"evil": attacker}}}))
    hosts = service.handle_payload(signed(3, {"tickets": {"status_hosts": ["evil.example"]}}))

    assert keys.error == "trust.config is set in the file only"
    assert hosts.error == "tickets.status_hosts is set in the file only"
    assert service.active_version == 0


def test_a_desired_config_applied_before_signing_is_not_put_back_in_force(
    tmp_path: Path,
) -> None:
    """An upgrade must not keep what an unsigned message once installed."""
    store = KioskStore.create(tmp_path)
    with store.db.transaction() as tx:
        ConfigVersionRepository.record(
            tx,
            5,
            "2026-11-01T00:00:00Z",
            ConfigVersionState.APPLIED,
            "",
            {"version": 5, "tickets": {"number_format": "{prefix}{number:05d}"}},
        )
    service = desired_service(tmp_path, store)

    assert service.active_version == 0
    assert service.config.tickets.number_format == "{prefix}-{number:03d}"


# ---- item 1: one trust list per purpose ----------------------------------------------------


def test_a_booking_key_can_sign_neither_a_staff_card_nor_a_pickup_notice(tmp_path: Path) -> None:
    config = parse_config(document(tmp_path / "state"))
    lists = TrustLists(config.trust, allow_demo=False)
    booking_kid, booking_key = signing_key(KeyPurpose.BOOKING)
    card = issue_staff_card(
        "s-1", "chuo", NOW + timedelta(hours=1), key=booking_key, kid=booking_kid
    )
    notice = sign(
        {"typ": "pickup", "cid": "P-1", "office": "chuo", "exp": int(time.time()) + 600},
        booking_key,
        booking_kid,
    )

    with pytest.raises(HandoverTokenError) as staff:
        read_staff_card(card, lists[KeyPurpose.STAFF])
    with pytest.raises(HandoverTokenError) as pickup:
        read_pickup_token(notice, lists[KeyPurpose.PICKUP])

    assert staff.value.reason == "unknown_key"
    assert pickup.value.reason == "unknown_key"


def test_one_public_key_under_two_purposes_is_refused_by_the_config(tmp_path: Path) -> None:
    shared = public_entry(KeyPurpose.BOOKING)
    data = document(
        tmp_path / "state", trust={"booking": shared, "staff": {"s": next(iter(shared.values()))}}
    )

    with pytest.raises(ConfigError) as error:
        parse_config(data)

    assert "each key has one purpose" in str(error.value)
    assert "booking key 'test-booking-1'" in str(error.value)


def test_the_old_key_settings_say_where_the_keys_moved(tmp_path: Path) -> None:
    data = document(tmp_path / "state")
    data["checkin"] = {"trusted_keys": public_entry(KeyPurpose.BOOKING)}

    with pytest.raises(ConfigError) as error:
        parse_config(data)

    assert error.value.key == "checkin.trusted_keys"
    assert "has moved to [trust.booking]" in error.value.problem


def test_a_retiring_key_is_trusted_until_its_end_and_not_after() -> None:
    kid, key = signing_key(KeyPurpose.BOOKING)
    text = public_key_text(key.public_key())
    trust = TrustList({kid: TrustedKey(kid, text, until=NOW + timedelta(minutes=1))})

    assert list(trust.keys(NOW)) == [kid]
    assert trust.keys(NOW + timedelta(minutes=2)) == {}
    assert trust.health(NOW + timedelta(minutes=2)).reason == "no_trusted_keys"


# ---- item 2a: the demo keys are refused outside `kiosk demo` ------------------------------


@pytest.mark.parametrize("purpose", list(KeyPurpose))
def test_a_demo_key_is_refused_by_value_in_a_production_config(
    tmp_path: Path, purpose: KeyPurpose
) -> None:
    data = document(
        tmp_path / "state",
        trust={purpose.value: {"prod-1": demo_public_keys(purpose)[DEMO_KEYS[purpose][0]]}},
    )

    with pytest.raises(ConfigError) as error:
        parse_config(data)

    assert error.value.key == f"trust.{purpose.value}.prod-1"
    assert "public DEMO key" in error.value.problem
    assert "accepted only by `kiosk demo`" in error.value.problem


def test_the_demo_config_alone_accepts_the_demo_keys(tmp_path: Path) -> None:
    data = document(tmp_path / "state", trust=demo_trust_table(NOW.isoformat()))

    config = parse_config(data, demo=True)

    assert config.demo is True
    with pytest.raises(ConfigError):
        parse_config(data)


def test_a_trust_list_refuses_a_demo_key_even_when_built_by_hand() -> None:
    kid, key = demo_key(KeyPurpose.STAFF)

    with pytest.raises(TrustError) as error:
        TrustList({kid: public_key_text(key.public_key())}, purpose=KeyPurpose.STAFF)

    assert error.value.reason == "demo_key"


def test_the_refused_demo_keys_are_exactly_the_ones_the_demo_signs_with() -> None:
    derived = {
        public_key_text(demo_key(purpose)[1].public_key()): purpose for purpose in KeyPurpose
    }

    assert derived == dict(DEMO_PUBLIC_KEYS)


def test_kiosk_config_check_fails_on_a_config_with_a_demo_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    example = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"
    text = example.read_text(encoding="utf-8")
    demo_staff = next(iter(demo_public_keys(KeyPurpose.STAFF).values()))
    path = tmp_path / "kiosk.toml"
    path.write_text(
        text.replace("[trust.staff]     # staff cards", f'[trust.staff]\n"s-1" = "{demo_staff}"'),
        encoding="utf-8",
    )

    status = main(["config", "check", str(path)])

    assert status != 0
    assert "public DEMO key" in capsys.readouterr().err


# ---- item 8: versions and templates are bounded --------------------------------------------


def test_a_refused_huge_version_never_blocks_later_versions(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)

    huge = service.handle_payload(signed(2**62, {}))
    overflow = service.handle_payload(signed(2**64, {}))
    invalid = service.handle_payload(signed(MAX_VERSION - 1, {"services": []}))
    later = service.handle_payload(signed(2, {}))

    assert (huge.error or "").startswith("bad_version")
    # 2**64 is refused as the claims are read (strict JSON: no whole number beyond 64 bits).
    assert (overflow.error or "").startswith("bad_payload")
    assert invalid.state == "rejected"
    assert later.state == "applied"
    assert service.active_version == 2


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://queue.example.jp/{office}", "must be https://host/"),
        ("https://evil.example/{office}", "is not in status_hosts"),
        ("https://{office}.example.jp/x", "with a fixed host"),
        ("https://queue.example.jp/{office:>400000000}", "may not have a format spec"),
        ("https://queue.example.jp/{office!r}", "may not have a format spec"),
        ("https://queue.example.jp/{office.__class__}", "may use only"),
    ],
)
def test_a_status_url_from_the_server_must_be_https_on_an_allowed_host(
    tmp_path: Path, url: str, problem: str
) -> None:
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)

    outcome = service.handle_payload(signed(2, {"tickets": {"status_url": url}}))

    assert outcome.state == "rejected"
    assert problem in (outcome.error or "")
    assert service.config.tickets.status_url == "https://queue.example.jp/{office}/t/{ticket_id}"


def test_a_number_format_with_a_huge_width_is_refused(tmp_path: Path) -> None:
    data = document(tmp_path / "state")
    data["tickets"]["number_format"] = "{prefix}-{number:0400000000d}"

    with pytest.raises(ConfigError) as error:
        parse_config(data)

    assert "only a width up to 9" in error.value.problem


def test_the_central_simulator_signs_what_the_kiosk_accepts(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    service = desired_service(tmp_path, store)
    kid, key = signing_key(KeyPurpose.CONFIG)

    token = sign_desired_config(KIOSK_ID, {"version": 7, "ui": {}}, key=key, kid=kid)

    assert service.handle_payload(token.encode()).state == "applied"


def test_a_number_beyond_64_bits_in_the_file_is_a_named_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    data = document(tmp_path / "state")
    data["ui"]["inactivity_s"] = 10**400

    with pytest.raises(ConfigError) as error:
        parse_config(data)

    assert error.value.key == "ui.inactivity_s"
    assert "more than 64 bits" in error.value.problem
