"""TLS client certificates and the example ACL (deploy/mosquitto) against a real Mosquitto."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.config import MqttConfig
from kiosk.errors import ConfigError
from kiosk.link.mqtt_link import LinkReason, MqttLink
from kiosk.link.tls import build_tls_context
from kiosk.link.topics import ALL_EVENTS, ALL_STATES, SERVER_STATE, Topics
from tests.link.link_support import FAST, OFFICE, KioskStore, wait_until
from tests.link.tls_support import Identity, Pki, TlsClient, TlsMosquittoBroker

KIOSK_A = "kiosk-a"
KIOSK_B = "kiosk-b"


@dataclass
class TlsSetup:
    broker: TlsMosquittoBroker
    pki: Pki
    server: Identity
    kiosk_a: Identity
    kiosk_b: Identity
    expired: Identity
    revoked: Identity
    foreign: Identity


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[TlsSetup]:
    pki = Pki(tmp_path / "pki")
    pki.issue("broker", server=True)
    revoked = pki.issue("kiosk-revoked")
    pki.write_crl([revoked])
    other_ca = Pki(tmp_path / "other-ca", name="Somebody Else's CA")
    setup = TlsSetup(
        broker=TlsMosquittoBroker(tmp_path / "broker", pki.folder),
        pki=pki,
        server=pki.issue("server"),
        kiosk_a=pki.issue(KIOSK_A),
        kiosk_b=pki.issue(KIOSK_B),
        expired=pki.issue("kiosk-expired", expired=True),
        revoked=revoked,
        foreign=other_ca.issue("kiosk-foreign"),
    )
    setup.broker.start()
    yield setup
    setup.broker.stop()


def tls_link(setup: TlsSetup, store: KioskStore, kiosk_id: str, identity: Identity) -> MqttLink:
    config = MqttConfig(
        broker=setup.broker.tls_url,
        keepalive_s=30,
        username="",
        password="",
        ca_file=setup.pki.ca_file,
        cert_file=identity.cert,
        key_file=identity.key,
    )
    link = MqttLink(
        config,
        kiosk_id=kiosk_id,
        office=OFFICE,
        session=store.session,
        outbox=store.outbox,
        health=store.health,
        boot_id="boot-test",
        tuning=FAST,
    )
    store.db.add_commit_listener(link.notify_outbox)
    return link


def test_a_kiosk_with_a_valid_certificate_connects_and_its_events_reach_the_server(
    tls: TlsSetup, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path / "a", kiosk_id=KIOSK_A)
    topics = Topics(KIOSK_A)

    def kiosk_topics() -> list[str]:
        return [t for t in server.topics() if t.startswith(f"{topics.base}/")]

    with TlsClient(tls.broker, tls.pki.ca_file, tls.server, "server") as server:
        server.subscribe(ALL_EVENTS, ALL_STATES)
        server.publish(SERVER_STATE, {"online": True, "session": 1}, retain=True)
        link = tls_link(tls, store, KIOSK_A, tls.kiosk_a)
        link.start()
        try:
            assert link.wait_ready(10), tls.broker.log_text()
            store.append_tickets(3)
            wait_until(lambda: len(kiosk_topics()) >= 4, 10, "birth and 3 events")
            assert link.status == (True, LinkReason.CONNECTED.value)
        finally:
            link.stop()
    assert kiosk_topics()[:4] == [topics.state] + [topics.evt("ticket")] * 3


@pytest.mark.parametrize("which", ["foreign", "expired", "revoked"])
def test_a_certificate_the_broker_refuses_is_reported_as_auth_failed(
    tls: TlsSetup, tmp_path: Path, which: str
) -> None:
    identity: Identity = getattr(tls, which)
    kiosk_id = f"kiosk-{which}"
    store = KioskStore.create(tmp_path / which, kiosk_id=kiosk_id)
    statuses: list[tuple[bool, str]] = []
    with TlsClient(tls.broker, tls.pki.ca_file, tls.server, "server") as server:
        server.subscribe(ALL_STATES)
        link = tls_link(tls, store, kiosk_id, identity)
        link.subscribe_status(lambda online, reason: statuses.append((online, reason)))
        link.start()
        try:
            wait_until(lambda: (False, LinkReason.AUTH_FAILED.value) in statuses, 10, "auth_failed")
        finally:
            link.stop()
    assert all(not online for online, _ in statuses)
    assert LinkReason.UNREACHABLE.value not in [reason for _, reason in statuses]
    assert server.topics() == []


def test_a_certificate_whose_cn_is_not_the_kiosk_id_is_a_config_error(tls: TlsSetup) -> None:
    config = MqttConfig(
        broker=tls.broker.tls_url,
        keepalive_s=30,
        username="",
        password="",
        ca_file=tls.pki.ca_file,
        cert_file=tls.kiosk_b.cert,
        key_file=tls.kiosk_b.key,
    )
    with pytest.raises(ConfigError, match="CN is 'kiosk-b' but the kiosk id is 'kiosk-a'"):
        build_tls_context(config, KIOSK_A)


def test_a_kiosk_cannot_publish_on_another_kiosks_topics(tls: TlsSetup) -> None:
    a, b = Topics(KIOSK_A), Topics(KIOSK_B)
    with (
        TlsClient(tls.broker, tls.pki.ca_file, tls.server, "server") as server,
        TlsClient(tls.broker, tls.pki.ca_file, tls.kiosk_a, KIOSK_A) as kiosk_a,
    ):
        server.subscribe("kiosk/v1/#")
        kiosk_a.publish(b.evt("ticket"), {"forged": True})
        kiosk_a.publish(b.state, {"online": False, "session": 99}, retain=True)
        kiosk_a.publish(b.config_reported, {"version": 9, "state": "applied"})
        kiosk_a.publish(SERVER_STATE, {"online": False, "session": 0}, retain=True)
        kiosk_a.publish(a.evt("ticket"), {"mine": True})  # barrier: in order behind the rest
        server.wait_for_topic(a.evt("ticket"), 5)
    assert server.topics() == [a.evt("ticket")]


def test_a_kiosk_subscribing_to_every_kiosks_commands_gets_only_its_own(tls: TlsSetup) -> None:
    a, b = Topics(KIOSK_A), Topics(KIOSK_B)
    with (
        TlsClient(tls.broker, tls.pki.ca_file, tls.server, "server") as server,
        TlsClient(tls.broker, tls.pki.ca_file, tls.kiosk_a, KIOSK_A) as kiosk_a,
    ):
        kiosk_a.subscribe("kiosk/v1/+/cmd", "kiosk/v1/+/config/desired", "kiosk/v1/+/ack")
        server.publish(b.cmd, {"to": "b"})
        server.publish(b.config_desired, {"version": 1})
        server.publish(b.ack, {"acked_seq": 1})
        server.publish(a.cmd, {"to": "a"})  # barrier
        kiosk_a.wait_for_topic(a.cmd, 5)
    assert kiosk_a.topics() == [a.cmd]


def test_photo_image_chunks_and_their_acks_stay_with_their_own_kiosk(tls: TlsSetup) -> None:
    a, b = Topics(KIOSK_A), Topics(KIOSK_B)
    name = "0" * 64
    with (
        TlsClient(tls.broker, tls.pki.ca_file, tls.server, "server") as server,
        TlsClient(tls.broker, tls.pki.ca_file, tls.kiosk_a, KIOSK_A) as kiosk_a,
    ):
        server.subscribe("kiosk/v1/+/blob/#")
        kiosk_a.subscribe("kiosk/v1/+/blob-ack")
        kiosk_a.publish(b.blob(name, 0), {"forged": True})
        kiosk_a.publish(a.blob(name, 0), {"mine": True})  # barrier: in order behind the rest
        server.wait_for_topic(a.blob(name, 0), 5)
        server.publish(b.blob_ack, {"blob": name, "ok": True})
        server.publish(a.blob_ack, {"blob": name, "ok": True})  # barrier
        kiosk_a.wait_for_topic(a.blob_ack, 5)
    assert server.topics() == [a.blob(name, 0)]
    assert kiosk_a.topics() == [a.blob_ack]
