"""A replaced state database through a real broker and the central simulator: its new events
(seq from 1 again) are stored, never dropped as duplicates, and an ack of the old
database never deletes them (issue 10, item 5)."""

from __future__ import annotations

from pathlib import Path

from kiosk.link.topics import SERVER_STATE, Topics
from simulators.central.server import CentralSimulator
from tests.contract.monitor import ContractMonitor
from tests.link.link_support import KIOSK_ID, KioskStore, Recorder, make_link, wait_until
from tests.mosquitto import MosquittoBroker

TOPICS = Topics(KIOSK_ID)


def test_an_ack_of_another_incarnation_deletes_nothing_and_is_handed_to_the_kiosk(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    store.append_tickets(5)
    foreign: list[tuple[str, int]] = []
    link = make_link(mosquitto, store)
    link.on_foreign_ack(lambda incarnation, acked: foreign.append((incarnation, acked)))
    with Recorder(mosquitto) as server:
        server.publish(SERVER_STATE, {"online": True, "session": 1}, retain=True)
        other = {"acked_seq": 3, "incarnation": "9b1d3c5e-7f2a-4b6c-8d0e-1a2b3c4d5e6f"}
        server.publish(TOPICS.ack, other, retain=True)
        link.start()
        try:
            wait_until(lambda: foreign == [(other["incarnation"], 3)], 10, "the foreign ack")
            assert store.outbox.depth() == 5
            assert store.outbox.acked_seq() == 0
            ours = {"acked_seq": 3, "incarnation": store.outbox.incarnation}
            server.publish(TOPICS.ack, ours, retain=True)
            wait_until(lambda: store.outbox.depth() == 2, 10, "our own ack")
        finally:
            link.stop()
    assert [e.seq for e in store.outbox.pending()] == [4, 5]


def test_a_replaced_database_loses_none_of_its_new_events_to_the_old_ones_acks(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    with (
        ContractMonitor(mosquitto.host, mosquitto.port) as monitor,
        CentralSimulator(mosquitto.host, mosquitto.port) as sim,
    ):
        old = KioskStore.create(tmp_path / "old")
        old.append_tickets(30)
        link = make_link(mosquitto, old)
        link.start()
        try:
            wait_until(lambda: old.outbox.depth() == 0, 20, "the old database's acks")
        finally:
            link.stop()
        old.db.close()

        # The state folder is lost: a new database, seq from 1 again, 42 new events.
        new = KioskStore.create(tmp_path / "new")
        new.append_tickets(42)
        assert new.outbox.incarnation != old.outbox.incarnation
        link = make_link(mosquitto, new)
        link.start()
        try:
            sim.wait_for_events(72, timeout=20)
            wait_until(lambda: new.outbox.depth() == 0, 20, "the new database's acks")
        finally:
            link.stop()
        assert monitor.wait_until(
            lambda m: m.first_deliveries(KIOSK_ID, new.outbox.incarnation) == list(range(1, 43)),
            10,
        )
    stored = [(e.incarnation, e.seq) for e in sim.events(KIOSK_ID)]
    assert stored == [(old.outbox.incarnation, n) for n in range(1, 31)] + [
        (new.outbox.incarnation, n) for n in range(1, 43)
    ]
    assert sim.duplicates == 0
    assert (sim.acked(KIOSK_ID, old.outbox.incarnation), sim.acked(KIOSK_ID)) == (30, 42)
    assert monitor.incarnations(KIOSK_ID) == [old.outbox.incarnation, new.outbox.incarnation]
    monitor.assert_clean()
