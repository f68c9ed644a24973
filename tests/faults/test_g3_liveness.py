"""G3: the retained ``state`` tells the truth; a late Will never overrides a newer birth."""

from __future__ import annotations

from pathlib import Path

from kiosk.link.contract import Violation
from kiosk.link.topics import Topics
from simulators.central.server import CentralSimulator
from simulators.proxy import FaultProxy
from tests.contract.monitor import ContractMonitor
from tests.faults.fault_support import kiosk_link
from tests.faults.test_g1_events import kiosk_process
from tests.link.link_support import KIOSK_ID, KioskStore, Recorder
from tests.mosquitto import MosquittoBroker

TOPICS = Topics(KIOSK_ID)


def test_a_late_will_after_a_fast_restart_does_not_override_the_newer_birth(
    mosquitto: MosquittoBroker, proxy: FaultProxy, monitor: ContractMonitor, tmp_path: Path
) -> None:
    folder = tmp_path / "kiosk"
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        with kiosk_process(proxy.url, folder, 0) as (_, first_session):
            assert sim.wait_until(lambda: sim.states.get(KIOSK_ID, {}).get("online") is True, 10)
            proxy.partition()  # the old connection stays open at the broker
        # Killed behind the partition; restarted at once on a direct path (session 2).
        with kiosk_process(mosquitto.url, folder, 0) as (_, second_session):
            assert sim.wait_until(
                lambda: (
                    sim.states[KIOSK_ID].get("session") == second_session
                    and sim.states[KIOSK_ID].get("online") is True
                ),
                10,
            )
            # A clustered broker may deliver the old connection's Will after the new birth.
            with Recorder(mosquitto, client_id="late-node") as node:
                incarnation = sim.states[KIOSK_ID]["incarnation"]
                late_will = {
                    "online": False,
                    "session": first_session,
                    "incarnation": incarnation,
                }
                node.publish(TOPICS.state, late_will, retain=True)
            assert sim.wait_until(lambda: sim.stale_states == 1, 10)
            kept = sim.states[KIOSK_ID]
        proxy.heal()
    assert (first_session, second_session) == (1, 2)
    assert kept["online"] is True
    assert kept["session"] == 2
    # Mosquitto itself ordered the takeover's Will (session 1) before the birth (session 2).
    history = [(b["online"], b["session"]) for k, b in sim.state_history if k == KIOSK_ID]
    assert history[:4] == [(True, 1), (False, 1), (True, 2), (False, 1)]

    def is_the_late_will(v: Violation) -> bool:
        return v.rule == "session_backwards" and v.topic == TOPICS.state

    assert [v.rule for v in monitor.all_violations()] == ["session_backwards"]
    monitor.assert_clean(expected=is_the_late_will)


def test_a_clean_stop_publishes_offline_with_reason_shutdown_at_once(
    mosquitto: MosquittoBroker, monitor: ContractMonitor, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        link = kiosk_link(mosquitto.url, store)
        link.start()
        assert link.wait_ready(10)
        link.stop()
        assert sim.wait_until(lambda: sim.states.get(KIOSK_ID, {}).get("reason") == "shutdown", 10)
        kept = sim.states[KIOSK_ID]
    assert kept == {
        "online": False,
        "session": store.session,
        "incarnation": store.outbox.incarnation,
        "reason": "shutdown",
    }
    bodies = [m.body for m in monitor.on(TOPICS.state)]
    assert bodies == [
        {
            "online": True,
            "session": store.session,
            "incarnation": store.outbox.incarnation,
            "first_seq": 1,
            "boot_id": "boot-test",
            "version": "9.9.9",
            "site": {"office": "chuo"},
        },
        kept,
    ]
    assert "Client kiosk-test-1 disconnected." in mosquitto.log_text()
    monitor.assert_clean()
