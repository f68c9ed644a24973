"""The basic contract delivery against NATS with JetStream, through its MQTT 3.1.1 interface.

NATS is a broker that clusters across machines; a city may run it instead of Mosquitto.
Its MQTT interface speaks 3.1.1 only (QoS 0 and 1, retained messages, Wills), and needs
JetStream and a ``server_name``. The test starts ``nats-server`` from Debian's package on
loopback ports and asserts what the Mosquitto tests assert: every event once, in order,
acked; the retained birth and the clean stop; the contract monitor finds nothing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.link.mqtt_link import MqttVersion
from kiosk.link.topics import Topics
from simulators.central.server import CentralSimulator
from simulators.mosquitto import free_port
from tests.contract.monitor import ContractMonitor
from tests.faults.fault_support import kiosk_link
from tests.link.link_support import KIOSK_ID, KioskStore, wait_until

TOPICS = Topics(KIOSK_ID)


class NatsServer:
    """``nats-server`` with JetStream and MQTT on free 127.0.0.1 ports."""

    def __init__(self, work_dir: Path):
        binary = shutil.which("nats-server") or shutil.which("nats-server", path="/usr/sbin")
        if binary is None:
            pytest.fail(
                "nats-server is not installed (Debian package 'nats-server'); "
                "scripts/bootstrap.sh installs it",
                pytrace=False,
            )
        self.binary = binary
        self.work_dir = work_dir
        self.port = free_port()
        self.mqtt_port = free_port()
        self.log_path = work_dir / "nats.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def mqtt_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    def start(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        conf = self.work_dir / "nats.conf"
        conf.write_text(
            "server_name: kiosk-test-nats\n"
            f"listen: 127.0.0.1:{self.port}\n"
            f'jetstream {{ store_dir: "{self.work_dir / "js"}" }}\n'
            f"mqtt {{ listen: 127.0.0.1:{self.mqtt_port} }}\n"
        )
        self._proc = subprocess.Popen(
            [self.binary, "-c", str(conf), "-l", str(self.log_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                pytest.fail(f"nats-server exited:\n{self.log_text()}", pytrace=False)
            if "Server is ready" in self.log_text():
                try:
                    with socket.create_connection(("127.0.0.1", self.mqtt_port), timeout=0.2):
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"nats-server did not get ready:\n{self.log_text()}", pytrace=False)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


def test_nats_jetstream_mqtt_delivers_every_event_once_in_order_within_the_contract(
    nats: NatsServer, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path / "kiosk")
    with ContractMonitor("127.0.0.1", nats.mqtt_port, mqtt5=False) as monitor:
        with CentralSimulator("127.0.0.1", nats.mqtt_port, mqtt5=False) as sim:
            link = kiosk_link(nats.mqtt_url, store, protocol=MqttVersion.V311)
            link.start()
            try:
                store.append_tickets(60)
                sim.wait_for_events(60, timeout=30)
                wait_until(lambda: store.outbox.depth() == 0, 30, "the outbox to empty")
                birth = sim.states[KIOSK_ID]
            finally:
                link.stop()
            assert sim.wait_until(
                lambda: sim.states.get(KIOSK_ID, {}).get("reason") == "shutdown", 10
            )
        # A late subscriber gets the retained state from NATS (a JetStream stream).
        with ContractMonitor(
            "127.0.0.1", nats.mqtt_port, mqtt5=False, client_id="late-monitor"
        ) as late:
            assert late.wait_until(lambda m: len(m.on(TOPICS.state)) == 1, 10)
            retained = late.on(TOPICS.state)[0]
        assert monitor.wait_until(lambda m: len(m.on(TOPICS.state)) >= 2, 10)
    assert [e.seq for e in sim.events(KIOSK_ID)] == list(range(1, 61))
    assert sim.duplicates == 0
    assert sim.acked(KIOSK_ID) == 60
    assert birth["online"] is True
    assert birth["session"] == store.session
    assert retained.retain is True
    assert retained.body == {
        "online": False,
        "session": store.session,
        "incarnation": store.outbox.incarnation,
        "reason": "shutdown",
    }
    assert monitor.first_deliveries(KIOSK_ID) == list(range(1, 61))
    monitor.assert_clean()
    late.assert_clean()
