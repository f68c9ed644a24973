"""The MQTT link against a real Mosquitto and the central-server simulator."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from kiosk.core.clock import SystemClock
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.health import Health, HealthState
from kiosk.link.mqtt_link import MqttLink, MqttVersion
from kiosk.link.topics import SERVER_STATE, Topics
from kiosk.store.tickets import TicketRepository
from simulators.central.server import CentralSimulator
from tests.kiosk_config import make_config
from tests.link.link_support import KIOSK_ID, OFFICE, KioskStore, Recorder, make_link, wait_until
from tests.mosquitto import MosquittoBroker

TOPICS = Topics(KIOSK_ID)
ENVELOPE_KEYS = {"v", "id", "seq", "session", "incarnation", "kiosk", "ts", "type", "data"}
REPO_ROOT = Path(__file__).resolve().parents[2]


def central(broker: MosquittoBroker, **kwargs: object) -> CentralSimulator:
    return CentralSimulator(broker.host, broker.port, **kwargs)  # type: ignore[arg-type]


def barrier(link: MqttLink, recorder: Recorder, received: list[bytes], tag: str) -> None:
    """Wait until the link's worker handled everything that reached it before ``tag``.

    A command published now travels behind every PUBACK and retained message the broker
    already sent to the kiosk, and the worker handles them in order.
    """
    recorder.publish(TOPICS.cmd, tag.encode())
    wait_until(lambda: tag.encode() in received, 5, f"the barrier command {tag}")


def test_ticket_events_arrive_in_seq_order_with_the_exact_envelope(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    with central(mosquitto) as sim:
        link = make_link(mosquitto, store)
        link.start()
        try:
            appended = store.append_tickets(20)
            got = sim.wait_for_events(20, timeout=10, kiosk=KIOSK_ID)
        finally:
            link.stop()
    assert [e.seq for e in got] == list(range(1, 21))
    assert [e.raw for e in got] == [a.envelope.encode() for a in appended]
    for event, sent in zip(got, appended, strict=True):
        assert set(event.envelope) == ENVELOPE_KEYS
        assert event.envelope["v"] == 1
        assert event.envelope["id"] == sent.id
        assert event.envelope["session"] == store.session
        assert event.envelope["kiosk"] == KIOSK_ID
        assert event.envelope["type"] == "ticket.issued"
        assert event.envelope["ts"].endswith("Z")
        assert event.category == "ticket"
    assert sim.duplicates == 0


def test_birth_is_retained_and_published_after_the_subscriptions(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    commands: list[bytes] = []
    with MosquittoBroker(tmp_path / "broker", packet_log=True) as broker:
        link = make_link(broker, store)
        link.on_command(commands.append)
        with Recorder(broker, TOPICS.state) as watcher:
            link.start()
            try:
                birth = watcher.wait_on(TOPICS.state, lambda b: b.get("online") is True, 10)
                watcher.publish(TOPICS.cmd, b"right-after-birth")
                wait_until(lambda: commands == [b"right-after-birth"], 5, "the command")
                with Recorder(broker, TOPICS.state, client_id="late") as late:
                    retained = late.wait_for(lambda m: len(m) == 1, 5, "the retained birth")[0]
            finally:
                link.stop()
        log_text = broker.log_text()
    assert birth == {
        "online": True,
        "session": store.session,
        "incarnation": store.outbox.incarnation,
        "first_seq": 1,
        "boot_id": "boot-test",
        "version": "9.9.9",
        "site": {"office": OFFICE},
    }
    assert retained.retain is True
    assert retained.body == birth
    subscribed = log_text.index(f"Received SUBSCRIBE from {KIOSK_ID}")
    suback = log_text.index(f"Sending SUBACK to {KIOSK_ID}")
    born = re.search(
        rf"Received PUBLISH from {KIOSK_ID} \(d0, q1, r1, m\d+, '{TOPICS.state}'", log_text
    )
    assert born is not None
    assert subscribed < suback < born.start()


def test_only_the_server_ack_deletes_outbox_rows_not_the_puback(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    commands: list[bytes] = []
    link = make_link(mosquitto, store)
    link.on_command(commands.append)
    with Recorder(mosquitto, f"{TOPICS.base}/evt/#") as server:
        server.publish(SERVER_STATE, {"online": True, "session": 1}, retain=True)
        link.start()
        try:
            assert link.wait_ready(10)
            store.append_tickets(5)
            server.wait_for(lambda m: len(m) == 5, 10, "5 events")
            barrier(link, server, commands, "after-pubacks")
            assert store.outbox.depth() == 5

            ack = {"acked_seq": 3, "incarnation": store.outbox.incarnation}
            server.publish(TOPICS.ack, ack, retain=True)
            wait_until(lambda: store.outbox.depth() == 2, 5, "rows 1-3 deleted")
            assert [e.seq for e in store.outbox.pending()] == [4, 5]
            assert store.outbox.acked_seq() == 3
        finally:
            link.stop()


def test_the_central_simulators_ack_empties_the_outbox(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    with central(mosquitto) as sim:
        link = make_link(mosquitto, store)
        link.start()
        try:
            store.append_tickets(30)
            sim.wait_for_events(30, timeout=10)
            wait_until(lambda: store.outbox.depth() == 0, 10, "the outbox to empty")
            assert store.outbox.acked_seq() == 30
            assert sim.acked(KIOSK_ID) == 30
        finally:
            link.stop()


def test_an_ack_beyond_the_last_event_made_is_ignored(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    commands: list[bytes] = []
    link = make_link(mosquitto, store)
    link.on_command(commands.append)
    with Recorder(mosquitto, f"{TOPICS.base}/evt/#") as server:
        # A retained ack left by an earlier life of this kiosk id (its state was wiped).
        ack = {"acked_seq": 999, "incarnation": store.outbox.incarnation}
        server.publish(TOPICS.ack, ack, retain=True)
        server.publish(SERVER_STATE, {"online": True, "session": 1}, retain=True)
        link.start()
        try:
            assert link.wait_ready(10)
            store.append_tickets(2)
            server.wait_for(lambda m: len(m) == 2, 10, "2 events")
            barrier(link, server, commands, "after-events")
            assert store.outbox.depth() == 2
        finally:
            link.stop()


def test_server_offline_holds_the_flush_and_online_resumes_it(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    link = make_link(mosquitto, store)
    with Recorder(mosquitto, f"{TOPICS.base}/evt/#", TOPICS.health) as server:
        server.publish(SERVER_STATE, {"online": False, "session": 1}, retain=True)
        link.start()
        try:
            assert link.wait_ready(10)
            wait_until(lambda: link.server_online is False, 5, "the server state")
            store.append_tickets(3)
            # The health snapshot is published after the worker handled the append, on the
            # same connection: any event it flushed would reach us before this snapshot.
            store.health.report("probe", Health(HealthState.OK))
            server.wait_on(TOPICS.health, lambda b: "probe" in b["devices"], 5)
            assert [m for m in server.received if "/evt/" in m.topic] == []
            assert store.outbox.depth() == 3

            server.publish(SERVER_STATE, {"online": True, "session": 2}, retain=True)
            got = server.wait_for(
                lambda m: len([x for x in m if "/evt/" in x.topic]) == 3, 10, "3 events"
            )
            assert [m.body["seq"] for m in got if "/evt/" in m.topic] == [1, 2, 3]
        finally:
            link.stop()


def test_events_made_while_the_broker_is_down_arrive_after_it_comes_back(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    states: list[tuple[bool, str]] = []
    with central(mosquitto) as sim:
        link = make_link(mosquitto, store)
        link.subscribe_status(lambda online, reason: states.append((online, reason)))
        link.start()
        try:
            store.append_tickets(2)
            sim.wait_for_events(2, timeout=10)
            wait_until(lambda: store.outbox.depth() == 0, 10, "the first acks")

            mosquitto.kill()
            wait_until(lambda: not link.online, 10, "the link to notice the broker is gone")
            store.append_tickets(3)
            assert store.outbox.depth() == 3
            mosquitto.restart()

            got = sim.wait_for_events(5, timeout=20)
            wait_until(lambda: store.outbox.depth() == 0, 10, "the outbox to empty")
        finally:
            link.stop()
    assert sorted(e.seq for e in got) == [1, 2, 3, 4, 5]
    assert (False, "connection_lost") in states
    assert states[-1] == (False, "stopped")
    assert states.count((True, "connected")) == 2


def test_a_burst_is_paced_and_none_is_lost(mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    with central(mosquitto) as sim:
        link = make_link(mosquitto, store)
        # Made while the link is down: the whole backlog goes out at once on connect.
        store.append_tickets(3000)
        link.start()
        try:
            got = sim.wait_for_events(3000, timeout=30)
            wait_until(lambda: store.outbox.depth() == 0, 10, "the outbox to empty")
        finally:
            link.stop()
    assert [e.seq for e in got] == list(range(1, 3001))
    assert sim.duplicates == 0


def test_killed_kiosk_process_leaves_its_will_on_the_retained_state(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    with Recorder(mosquitto, TOPICS.state) as watcher:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.link.link_runner",
                mosquitto.host,
                str(mosquitto.port),
                str(tmp_path / "kiosk"),
            ],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            birth = watcher.wait_on(TOPICS.state, lambda b: b.get("online") is True, 15)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            will = watcher.wait_on(TOPICS.state, lambda b: b.get("online") is False, 15)
            with Recorder(mosquitto, TOPICS.state, client_id="late") as late:
                retained = late.wait_for(lambda m: len(m) == 1, 5, "the retained state")[0]
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            assert proc.stderr is not None
            proc.stderr.close()
    assert will == {
        "online": False,
        "session": birth["session"],
        "incarnation": birth["incarnation"],
    }
    assert retained.retain is True
    assert retained.body == will


def test_clean_stop_publishes_offline_with_reason_shutdown(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    link = make_link(mosquitto, store)
    link.start()
    assert link.wait_ready(10)
    link.stop()
    with Recorder(mosquitto, TOPICS.state) as late:
        retained = late.wait_for(lambda m: len(m) == 1, 5, "the retained state")[0]
    assert retained.retain is True
    assert retained.body == {
        "online": False,
        "session": store.session,
        "incarnation": store.outbox.incarnation,
        "reason": "shutdown",
    }
    assert link.status == (False, "stopped")


def test_health_snapshot_is_retained_and_says_unknown_for_a_silent_device(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    store.append_tickets(2)  # not sent: no server online
    link = make_link(mosquitto, store)
    link.start()
    try:
        assert link.wait_ready(10)
        with Recorder(mosquitto, TOPICS.health) as late:
            first = late.wait_for(lambda m: len(m) >= 1, 15, "the retained health")[0]
            store.health.report("printer", Health(HealthState.FAULT, "paper_out"))
            changed = late.wait_on(
                TOPICS.health, lambda b: b["devices"]["printer"]["state"] == "fault", 15
            )
    finally:
        link.stop()
    assert first.retain is True
    body = first.body
    assert body["devices"]["printer"]["state"] == "unknown"
    assert body["devices"]["printer"]["reason"] == "not_checked"
    assert body["session"] == store.session
    assert body["outbox_depth"] == 2
    assert body["oldest_unacked_age_s"] >= 0
    assert body["dropped_telemetry"] == 0
    assert changed["devices"]["printer"]["reason"] == "paper_out"


def test_unreachable_broker_is_reported_to_status_listeners(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    mosquitto.stop()  # nothing listens on its port now
    states: list[tuple[bool, str]] = []
    link = make_link(mosquitto, store)
    link.subscribe_status(lambda online, reason: states.append((online, reason)))
    link.start()
    try:
        wait_until(lambda: (False, "unreachable") in states, 10, "unreachable")
        assert not link.online
    finally:
        link.stop()
    assert states[0] == (False, "connecting")
    assert states[-1] == (False, "stopped")


def test_a_refused_login_is_reported_as_auth_failed(tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    states: list[tuple[bool, str]] = []
    with MosquittoBroker(tmp_path / "broker", extra_config=("allow_anonymous false",)) as broker:
        link = make_link(broker, store)
        link.subscribe_status(lambda online, reason: states.append((online, reason)))
        link.start()
        try:
            wait_until(lambda: (False, "auth_failed") in states, 10, "auth_failed")
        finally:
            link.stop()
    assert (True, "connected") not in states


def test_mqtt_3_1_1_link_delivers_and_is_acked(mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    store = KioskStore.create(tmp_path)
    with central(mosquitto) as sim:
        link = make_link(mosquitto, store, protocol=MqttVersion.V311)
        link.start()
        try:
            store.append_tickets(4)
            sim.wait_for_events(4, timeout=10)
            wait_until(lambda: store.outbox.depth() == 0, 10, "the outbox to empty")
        finally:
            link.stop()
        assert sim.wait_until(
            lambda: sim.states.get(KIOSK_ID, {}).get("reason") == "shutdown", 5
        ), sim.states


def test_a_failing_command_handler_is_logged_and_the_link_keeps_working(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    calls: list[bytes] = []

    def broken(payload: bytes) -> None:
        calls.append(payload)
        raise RuntimeError("handler bug")

    with central(mosquitto) as sim, Recorder(mosquitto) as server:
        link = make_link(mosquitto, store)
        link.on_command(broken)
        link.start()
        try:
            assert link.wait_ready(10)
            server.publish(TOPICS.cmd, b"one")
            wait_until(lambda: calls == [b"one"], 5, "the handler call")
            store.append_tickets(1)
            sim.wait_for_events(1, timeout=10)
            server.publish(TOPICS.cmd, b"two")
            wait_until(lambda: calls == [b"one", b"two"], 5, "the second handler call")
        finally:
            link.stop()


def test_office_queue_figures_reach_the_waiting_board(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    waiting = WaitingBoard(
        make_config(tmp_path / "state"), TicketRepository(store.db), SystemClock()
    )
    with central(mosquitto, services_avg_min={"certificates": 4.0}) as sim:
        link = make_link(mosquitto, store, waiting=waiting)
        link.start()
        try:
            store.append_tickets(3, service="certificates")
            wait_until(
                lambda: waiting.figure("certificates").people_waiting == 3,
                10,
                "the server's queue figures",
            )
            figure = waiting.figure("certificates")
            sim.call_next(OFFICE, "certificates")
            wait_until(lambda: waiting.figure("certificates").people_waiting == 2, 10, "a call")
        finally:
            link.stop()
    assert figure.wait_minutes == 12
    assert figure.estimated is False
