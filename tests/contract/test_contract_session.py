"""A real kiosk session (MqttLink + Outbox + central simulator) checked message by message."""

from __future__ import annotations

from pathlib import Path

from kiosk.devices.health import Health, HealthState
from kiosk.link.mqtt_link import MqttVersion
from kiosk.store.outbox import Priority
from simulators.central.server import CentralSimulator
from tests.contract.monitor import ContractMonitor
from tests.faults.fault_support import kiosk_link
from tests.link.link_support import KIOSK_ID, KioskStore, Recorder, wait_until
from tests.mosquitto import MosquittoBroker

INCARNATION = "3f2c8a0e-5b7d-4c1e-9a6f-2d4b8e0c1a57"


def run_session(broker: MosquittoBroker, store: KioskStore, protocol: MqttVersion) -> None:
    """Tickets, a device change (telemetry) and a clean stop, with the server acking."""
    with CentralSimulator(broker.host, broker.port) as sim:
        link = kiosk_link(broker.url, store, protocol=protocol)
        link.start()
        try:
            store.append_tickets(25)
            store.health.report("printer", Health(HealthState.FAULT, "paper_out", "sensor"))
            with store.db.transaction() as tx:
                store.outbox.append(
                    tx,
                    "device",
                    "device.health",
                    {
                        "device": "printer",
                        "state": "fault",
                        "reason": "paper_out",
                        "detail": "sensor",
                        "since": "2026-11-27T01:00:00.000Z",
                    },
                    priority=Priority.TELEMETRY,
                )
            sim.wait_for_events(26, timeout=20, kiosk=KIOSK_ID)
            wait_until(lambda: store.outbox.depth() == 0, 20, "the outbox to empty")
        finally:
            link.stop()
        assert sim.wait_until(lambda: sim.states[KIOSK_ID].get("reason") == "shutdown", 10)


def test_a_real_kiosk_session_breaks_no_rule_of_the_contract(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    with ContractMonitor(mosquitto.host, mosquitto.port) as monitor:
        run_session(mosquitto, store, MqttVersion.V5)
        monitor.wait_until(
            lambda m: any(
                s.body.get("reason") == "shutdown" for s in m.on(f"kiosk/v1/{KIOSK_ID}/state")
            ),
            10,
        )
    monitor.assert_clean()
    assert monitor.first_deliveries(KIOSK_ID) == list(range(1, 27))
    assert monitor.resends(KIOSK_ID) == 0
    topics = {m.topic for m in monitor.messages}
    assert {
        f"kiosk/v1/{KIOSK_ID}/state",
        f"kiosk/v1/{KIOSK_ID}/health",
        f"kiosk/v1/{KIOSK_ID}/ack",
        f"kiosk/v1/{KIOSK_ID}/evt/ticket",
        f"kiosk/v1/{KIOSK_ID}/evt/device",
        "kiosk/v1/server/state",
        "kiosk/v1/office/chuo/queue",
    } <= topics
    states = [m.body for m in monitor.on(f"kiosk/v1/{KIOSK_ID}/state")]
    assert states[0]["online"] is True
    assert states[-1] == {
        "online": False,
        "session": store.session,
        "incarnation": store.outbox.incarnation,
        "reason": "shutdown",
    }


def test_the_monitor_reports_a_broken_message_of_each_kind(
    mosquitto: MosquittoBroker,
) -> None:
    base = f"kiosk/v1/{KIOSK_ID}"
    with ContractMonitor(mosquitto.host, mosquitto.port) as monitor, Recorder(mosquitto) as peer:
        birth = {"online": True, "session": 2, "incarnation": INCARNATION}
        peer.publish(f"{base}/state", birth, retain=True)  # no boot_id
        ack = {"acked_seq": 3, "incarnation": INCARNATION}
        peer.publish(f"{base}/ack", ack, retain=False)  # must be retained
        peer.publish(f"{base}/evt/ticket", b"not json")
        peer.publish(f"{base}/nonsense", b"{}")
        good = {
            "v": 1,
            "id": "01890a5d-ac96-774b-bcce-b302099a8057",
            "seq": 1,
            "session": 2,
            "incarnation": INCARNATION,
            "kiosk": KIOSK_ID,
            "ts": "2026-11-27T01:00:00.000Z",
            "type": "ticket.printed",
            "data": {"ticket_id": "t-1", "number": "A-001"},
        }
        peer.publish(f"{base}/evt/ticket", good)
        peer.publish(f"{base}/evt/ticket", {**good, "seq": 3})  # seq 2 skipped
        peer.publish(
            f"{base}/evt/ticket",
            {**good, "seq": 1, "data": {"ticket_id": "t-9", "number": "A-009"}},
        )  # not a resend
        will = {"online": False, "session": 1, "incarnation": INCARNATION}
        peer.publish(f"{base}/state", will, retain=True)  # older
        assert monitor.wait_until(lambda m: len(m.messages) == 8, 10)
    rules = [v.rule for v in monitor.all_violations()]
    assert rules == [
        "schema",
        "retain",
        "not_json",
        "unknown_topic",
        "resend_differs",
        "session_backwards",
        "seq_gap",
    ]
