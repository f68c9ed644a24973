"""The central-server simulator: gapless acks, duplicates, queue figures, its CLI."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from kiosk.link.topics import SERVER_STATE, Topics, office_queue
from simulators.central.server import CentralSimulator
from tests.link.link_support import Recorder
from tests.mosquitto import MosquittoBroker

KIOSK = "kiosk-a"
TOPICS = Topics(KIOSK)
REPO_ROOT = Path(__file__).resolve().parents[2]


INCARNATION = "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57"
REPLACED = "9b1d3c5e-7f2a-4b6c-8d0e-1a2b3c4d5e6f"  # the database that replaced it


def envelope(
    seq: int, event_type: str = "ticket.issued", incarnation: str = INCARNATION, **data: Any
) -> dict[str, Any]:
    return {
        "v": 1,
        "id": f"id-{incarnation[:4]}-{seq}",
        "seq": seq,
        "session": 1,
        "incarnation": incarnation,
        "kiosk": KIOSK,
        "ts": "2026-11-27T01:00:00.000Z",
        "type": event_type,
        "data": data or {"service": "certificates", "business_day": "2026-11-27"},
    }


def test_acks_stop_at_the_first_gap_and_move_on_when_it_fills(
    mosquitto: MosquittoBroker,
) -> None:
    with (
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
        Recorder(mosquitto, TOPICS.ack) as kiosk,
    ):
        for seq in (1, 2, 4):
            kiosk.publish(TOPICS.evt("ticket"), envelope(seq))
        sim.wait_for_events(3, timeout=5)
        assert kiosk.wait_on(TOPICS.ack, lambda b: b["acked_seq"] == 2, 5)
        assert sim.acked(KIOSK) == 2
        before_gap_filled = [m.body["acked_seq"] for m in kiosk.on(TOPICS.ack)]

        kiosk.publish(TOPICS.evt("ticket"), envelope(3))
        assert kiosk.wait_on(TOPICS.ack, lambda b: b["acked_seq"] == 4, 5)
    assert max(before_gap_filled) == 2
    assert [m.body["acked_seq"] for m in kiosk.on(TOPICS.ack)][-1] == 4


def test_duplicates_are_dropped_by_kiosk_and_seq_and_counted(
    mosquitto: MosquittoBroker,
) -> None:
    with (
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
        Recorder(mosquitto) as kiosk,
    ):
        kiosk.publish(TOPICS.evt("ticket"), envelope(1))
        kiosk.publish(TOPICS.evt("ticket"), envelope(1))
        kiosk.publish(TOPICS.evt("ticket"), envelope(2))
        sim.wait_for_events(2, timeout=5)
        assert sim.wait_until(lambda: sim.duplicates == 1, 5)
        kiosk.publish(TOPICS.evt("ticket"), {"v": 1, "seq": 3})  # not an envelope
        assert sim.wait_until(lambda: sim.rejected == 1, 5)
    assert [e.seq for e in sim.events(KIOSK)] == [1, 2]


def test_a_replaced_database_starting_again_at_seq_1_is_stored_and_acked_apart(
    mosquitto: MosquittoBroker,
) -> None:
    with (
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
        Recorder(mosquitto, TOPICS.ack) as kiosk,
    ):
        for seq in (1, 2, 3):
            kiosk.publish(TOPICS.evt("ticket"), envelope(seq))
        assert kiosk.wait_on(
            TOPICS.ack, lambda b: b == {"acked_seq": 3, "incarnation": INCARNATION}, 5
        )
        # The state database was replaced: the kiosk counts again from 1.
        for seq in (1, 2):
            kiosk.publish(TOPICS.evt("ticket"), envelope(seq, incarnation=REPLACED))
        assert kiosk.wait_on(
            TOPICS.ack, lambda b: b == {"acked_seq": 2, "incarnation": REPLACED}, 5
        )
        kiosk.publish(TOPICS.evt("ticket"), envelope(2, incarnation=REPLACED))  # a resend
        assert sim.wait_until(lambda: sim.duplicates == 1, 5)
    stored = [(e.incarnation, e.seq) for e in sim.events(KIOSK)]
    assert stored == [
        (INCARNATION, 1),
        (INCARNATION, 2),
        (INCARNATION, 3),
        (REPLACED, 1),
        (REPLACED, 2),
    ]
    assert (sim.acked(KIOSK, INCARNATION), sim.acked(KIOSK, REPLACED), sim.acked(KIOSK)) == (
        3,
        2,
        2,
    )


def test_a_birth_of_a_new_incarnation_wins_and_a_late_will_of_the_old_one_does_not(
    mosquitto: MosquittoBroker,
) -> None:
    birth = {"online": True, "session": 7, "incarnation": INCARNATION, "first_seq": 1}
    new_birth = {"online": True, "session": 1, "incarnation": REPLACED, "first_seq": 1}
    old_will = {"online": False, "session": 7, "incarnation": INCARNATION}
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim, Recorder(mosquitto) as kiosk:
        kiosk.publish(TOPICS.state, birth, retain=True)
        assert sim.wait_until(lambda: sim.states.get(KIOSK) == birth, 5)
        kiosk.publish(TOPICS.state, new_birth, retain=True)  # sessions count again from 1
        assert sim.wait_until(lambda: sim.states.get(KIOSK) == new_birth, 5)
        kiosk.publish(TOPICS.state, old_will, retain=True)
        assert sim.wait_until(lambda: sim.stale_states == 1, 5)
        kept = sim.states[KIOSK]
    assert kept == new_birth


def test_a_database_from_before_incarnations_keeps_its_numbering_under_its_first_birth(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    db = tmp_path / "central.sqlite3"
    legacy = {k: v for k, v in envelope(1).items() if k != "incarnation"}
    with Recorder(mosquitto, TOPICS.ack) as kiosk:
        with CentralSimulator(mosquitto.host, mosquitto.port, store_path=db) as sim:
            kiosk.publish(TOPICS.evt("ticket"), legacy)
            kiosk.publish(TOPICS.evt("ticket"), {**legacy, "seq": 2, "id": "id-2"})
            assert kiosk.wait_on(TOPICS.ack, lambda b: b["acked_seq"] == 2, 5)
        with CentralSimulator(mosquitto.host, mosquitto.port, store_path=db) as again:
            # The upgraded kiosk: its database got an incarnation, numbering goes on at 3.
            birth = {"online": True, "session": 9, "incarnation": INCARNATION, "first_seq": 3}
            kiosk.publish(TOPICS.state, birth, retain=True)
            assert again.wait_until(lambda: KIOSK in again.states, 5)
            kiosk.publish(TOPICS.evt("ticket"), {**legacy, "seq": 2, "id": "id-2"})  # resend
            kiosk.publish(TOPICS.evt("ticket"), envelope(3))
            assert kiosk.wait_on(
                TOPICS.ack, lambda b: b == {"acked_seq": 3, "incarnation": INCARNATION}, 5
            )
            assert again.wait_until(lambda: again.duplicates == 1, 5)
    assert [(e.incarnation, e.seq) for e in sim.events()] == [("", 1), ("", 2)]
    assert [(e.incarnation, e.seq) for e in again.events()] == [(INCARNATION, 3)]


def test_queue_figures_count_issued_tickets_of_the_kiosks_office(
    mosquitto: MosquittoBroker,
) -> None:
    topic = office_queue("chuo")
    with (
        CentralSimulator(
            mosquitto.host, mosquitto.port, services_avg_min={"certificates": 4.0}
        ) as sim,
        Recorder(mosquitto, topic) as kiosk,
    ):
        kiosk.publish(TOPICS.state, {"online": True, "session": 1, "site": {"office": "chuo"}})
        assert sim.wait_until(lambda: KIOSK in sim.states, 5)
        kiosk.publish(TOPICS.evt("ticket"), envelope(1))
        kiosk.publish(TOPICS.evt("ticket"), envelope(2))
        kiosk.publish(TOPICS.evt("ticket"), envelope(3, service="insurance"))
        figures = kiosk.wait_on(topic, lambda b: len(b["services"]) == 2, 5)
        sim.call_next("chuo", "certificates")
        after = kiosk.wait_on(topic, lambda b: b["services"]["certificates"]["waiting"] == 1, 5)
    assert figures["v"] == 1
    assert figures["services"]["certificates"] == {"waiting": 2, "wait_minutes": 8}
    assert figures["services"]["insurance"] == {"waiting": 1, "wait_minutes": 5}
    assert after["services"]["certificates"] == {"waiting": 1, "wait_minutes": 4}


def test_stored_events_survive_a_simulator_restart(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    db = tmp_path / "central.sqlite3"
    with Recorder(mosquitto, TOPICS.ack) as kiosk:
        with CentralSimulator(mosquitto.host, mosquitto.port, store_path=db) as sim:
            kiosk.publish(TOPICS.evt("ticket"), envelope(1))
            kiosk.publish(TOPICS.evt("ticket"), envelope(3))
            sim.wait_for_events(2, timeout=5)
            kiosk.wait_on(TOPICS.ack, lambda b: b["acked_seq"] == 1, 5)
        with CentralSimulator(mosquitto.host, mosquitto.port, store_path=db) as again:
            kiosk.publish(TOPICS.evt("ticket"), envelope(1))  # a resend after a reconnect
            kiosk.publish(TOPICS.evt("ticket"), envelope(2))
            kiosk.wait_on(TOPICS.ack, lambda b: b["acked_seq"] == 3, 5)
            assert again.wait_until(lambda: again.duplicates == 1, 5)
    assert [e.seq for e in sim.events()] == [1, 3]
    assert [e.seq for e in again.events()] == [2]


def test_server_state_has_a_birth_and_a_shutdown(mosquitto: MosquittoBroker) -> None:
    with Recorder(mosquitto, SERVER_STATE) as kiosk:
        with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
            birth = kiosk.wait_on(SERVER_STATE, lambda b: b["online"] is True, 5)
        goodbye = kiosk.wait_on(SERVER_STATE, lambda b: b["online"] is False, 5)
    assert birth == {"online": True, "session": sim.session}
    assert goodbye == {"online": False, "session": sim.session, "reason": "shutdown"}


def test_cli_prints_each_event_and_stops_on_sigterm(mosquitto: MosquittoBroker) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.central",
            "--broker",
            f"mqtt://{mosquitto.host}:{mosquitto.port}",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        with Recorder(mosquitto, SERVER_STATE) as kiosk:
            kiosk.wait_on(SERVER_STATE, lambda b: b["online"] is True, 10)
            kiosk.publish(TOPICS.evt("ticket"), envelope(1))
            line = ""
            while "seq=1" not in line:
                line = lines.get(timeout=10)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        reader.join(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert line.split()[1:4] == [KIOSK, "seq=1", "ticket.issued"]
    assert json.loads(line.split(" ", 4)[4]) == {
        "service": "certificates",
        "business_day": "2026-11-27",
    }


def test_a_store_file_from_before_incarnations_is_upgraded_with_its_events_and_acks(
    tmp_path: Path,
) -> None:
    import sqlite3

    from simulators.central.store import upgrade_store

    path = tmp_path / "central.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE event (kiosk TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,
            type TEXT NOT NULL, ts TEXT NOT NULL, envelope TEXT NOT NULL,
            received TEXT NOT NULL, PRIMARY KEY (kiosk, seq));
        CREATE TABLE kiosk_ack (kiosk TEXT PRIMARY KEY, contiguous INTEGER NOT NULL);
        INSERT INTO event VALUES ('kiosk-a', 1, 'id-1', 'ticket.issued', 't', '{}', 'r');
        INSERT INTO kiosk_ack VALUES ('kiosk-a', 1);
        """
    )
    old.commit()
    upgrade_store(old)
    events = old.execute("SELECT kiosk, incarnation, seq, id FROM event").fetchall()
    acks = old.execute("SELECT kiosk, incarnation, contiguous FROM kiosk_ack").fetchall()
    old.close()
    assert events == [("kiosk-a", "", 1, "id-1")]
    assert acks == [("kiosk-a", "", 1)]
