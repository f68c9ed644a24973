"""Signed commands and desired configuration end to end: central simulator -> Mosquitto ->
MqttLink -> CommandProcessor / DesiredConfigService -> outbox -> the simulator again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.core.jws import sign
from kiosk.core.trust import KeyPurpose
from kiosk.link.mqtt_link import LinkReason
from kiosk.uuid7 import uuid7
from simulators.central.server import CentralSimulator
from simulators.demo_keys import DEMO_COMMAND_KID
from tests.link.command_support import CommandRig, forged
from tests.link.link_support import KIOSK_ID, KioskStore, make_link, wait_until
from tests.mosquitto import MosquittoBroker
from tests.trust_keys import signing_key

REPO_ROOT = Path(__file__).resolve().parents[2]
PRINT_TEST = "diag.print_test"


def claims(ctr: int, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "cmd_id": uuid7(),
        "aud": KIOSK_ID,
        "action": PRINT_TEST,
        "args": {},
        "iat": now,
        "exp": now + 60,
        "ctr": ctr,
    }
    body.update(overrides)
    return body


def result_for(sim: CentralSimulator, cmd_id: str, timeout: float = 10) -> dict[str, Any]:
    sim.wait_until(lambda: any(r["cmd_id"] == cmd_id for r in sim.command_results()), timeout)
    return next(r for r in sim.command_results() if r["cmd_id"] == cmd_id)


def test_only_a_correctly_signed_fresh_command_runs_and_each_runs_once(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    calls: list[Mapping[str, Any]] = []
    rig.register({PRINT_TEST: lambda args: calls.append(args) or {"printed": True}})
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:
        link = make_link(mosquitto, store)
        rig.attach(link)
        link.start()
        try:
            assert link.wait_ready(10)
            good = sim.sign_command(KIOSK_ID, PRINT_TEST, {"n": 1})
            ctr = good.ctr
            attacker = Ed25519PrivateKey.generate()
            bad = [
                good.token,  # the same command again
                sim.sign_command(KIOSK_ID, PRINT_TEST, iat=time.time() - 600, exp_s=60).token,
                sim.sign_command(KIOSK_ID, PRINT_TEST, aud="kiosk-other").token,
                sign(claims(ctr + 100), attacker, DEMO_COMMAND_KID),
                sign(claims(ctr + 101), attacker, "someone-else"),
                forged({"alg": "none", "kid": DEMO_COMMAND_KID}, claims(ctr + 102)),
                forged({"alg": "HS256", "kid": DEMO_COMMAND_KID}, claims(ctr + 103)),
                sim.sign_command(KIOSK_ID, PRINT_TEST, ctr=ctr).token,  # new id, old ctr
            ]
            sim.publish_command(KIOSK_ID, good.token)
            for token in bad:
                sim.publish_command(KIOSK_ID, token)
            last = sim.send_command(KIOSK_ID, PRINT_TEST, {"n": 2})
            result_for(sim, last.cmd_id)
        finally:
            link.stop()
    assert calls == [{"n": 1}, {"n": 2}]
    assert [(r["cmd_id"], r["ok"]) for r in sim.command_results()] == [
        (good.cmd_id, True),
        (last.cmd_id, True),
    ]
    assert sim.command_results()[0] == {
        "cmd_id": good.cmd_id,
        "action": PRINT_TEST,
        "ok": True,
        "result": {"printed": True},
    }
    assert [r["reason"] for r in sim.command_refusals()] == [
        "duplicate",
        "expired",
        "wrong_aud",
        "bad_signature",
        "unknown_key",
        "alg_not_allowed",
        "alg_not_allowed",
        "replayed_ctr",
    ]
    assert sim.command_refusals()[0]["cmd_id"] == good.cmd_id
    assert [row.state.value for row in rig.processor_rows()] == [
        "done",
        "refused",
        "refused",
        "refused",
        "done",
    ]


def test_a_command_cut_off_by_kill_9_is_settled_as_interrupted_and_never_run_again(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    folder = tmp_path / "kiosk"
    folder.mkdir()
    marker = folder / "handler-ran"
    command = [sys.executable, "-m", "tests.link.command_runner"]
    args = [mosquitto.host, str(mosquitto.port), str(folder)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with CentralSimulator(mosquitto.host, mosquitto.port) as sim:

        def born(session: int) -> bool:
            state = sim.states.get(KIOSK_ID, {})
            return state.get("online") is True and state.get("session") == session

        first = subprocess.Popen(command + args, cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE)
        try:
            assert sim.wait_until(lambda: born(1), 20), "first run never came online"
            cmd = sim.send_command(KIOSK_ID, PRINT_TEST, {"tag": "once"}, exp_s=300)
            wait_until(marker.exists, 10, "the handler to start")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
            assert first.stderr is not None
            first.stderr.close()
        second = subprocess.Popen(command + args, cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE)
        try:
            result = result_for(sim, cmd.cmd_id, timeout=20)
            sim.publish_command(KIOSK_ID, cmd.token, expiry_s=300)  # delivered again
            sim.wait_until(lambda: len(sim.command_refusals()) == 1, 10)
            ran = sim.wait_for_events(1, timeout=10, type="test.handler_ran")
        finally:
            second.send_signal(signal.SIGKILL)
            second.wait()
            assert second.stderr is not None
            second.stderr.close()
    assert result == {
        "cmd_id": cmd.cmd_id,
        "action": PRINT_TEST,
        "ok": False,
        "error": "interrupted",
        "detail": "the kiosk restarted while the command ran; it is not run again",
    }
    assert len(sim.command_results()) == 1
    assert [(r["cmd_id"], r["reason"]) for r in sim.command_refusals()] == [
        (cmd.cmd_id, "duplicate")
    ]
    assert [e.envelope["data"] for e in ran] == [{"tag": "once"}]
    assert marker.read_text() == "once\n"


def test_a_handler_slower_than_the_keepalive_does_not_drop_the_connection(
    tmp_path: Path,
) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    statuses: list[tuple[bool, str]] = []
    with MosquittoBroker(tmp_path / "broker", packet_log=True) as broker:
        pings = f"Received PINGREQ from {KIOSK_ID}"

        def slow(args: Mapping[str, Any]) -> Mapping[str, Any]:
            # Busy for two keep-alive periods (> the broker's 1.5 x keep-alive limit):
            # until the broker has seen two more PINGREQs from the kiosk.
            start = broker.log_text().count(pings)
            wait_until(lambda: broker.log_text().count(pings) >= start + 2, 30, "two pings")
            return {"pings": 2}

        rig.register({PRINT_TEST: slow})
        with CentralSimulator(broker.host, broker.port) as sim:
            link = make_link(broker, store, keepalive_s=2)
            rig.attach(link)
            link.subscribe_status(lambda online, reason: statuses.append((online, reason)))
            link.start()
            try:
                assert link.wait_ready(10)
                cmd = sim.send_command(KIOSK_ID, PRINT_TEST)
                result = result_for(sim, cmd.cmd_id, timeout=30)
            finally:
                link.stop()
            # The shutdown state may still be on its way to the server simulator.
            sim.wait_until(
                lambda: any(k == KIOSK_ID and not b["online"] for k, b in sim.state_history), 10
            )
            history = [body for kiosk, body in sim.state_history if kiosk == KIOSK_ID]
    assert result["ok"] is True
    assert statuses == [
        (False, LinkReason.CONNECTING.value),
        (True, LinkReason.CONNECTED.value),
        (False, LinkReason.STOPPED.value),
    ]
    assert [b["online"] for b in history] == [True, False]
    assert history[-1].get("reason") == "shutdown"


def test_desired_config_sent_while_offline_is_applied_once_on_reconnect_and_a_bad_one_is_rejected(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    store = KioskStore.create(tmp_path)
    rig = CommandRig.create(store, tmp_path / "state")
    rig.register({"state.republish": lambda args: {"queued": True}})
    v1 = {
        "version": 1,
        "services": [
            {"id": "certificates", "prefix": "A", "name": "Certificates"},
            {"id": "passport", "prefix": "P", "name": {"ja": "旅券", "en": "Passports"}},
        ],
        "ui": {"inactivity_s": 45},
    }
    v2_bad = {"version": 2, "services": [], "mqtt": {"broker": "mqtt://evil:1883"}}
    config_kid, config_key = signing_key(KeyPurpose.CONFIG)
    with CentralSimulator(
        mosquitto.host, mosquitto.port, config_key=config_key, config_kid=config_kid
    ) as sim:
        sim.publish_desired_config(KIOSK_ID, v1)  # the kiosk is offline
        for _ in range(2):  # connect, and connect again (the retained v1 arrives twice)
            link = make_link(mosquitto, store)
            rig.attach(link)
            link.start()
            try:
                assert link.wait_ready(10)
                barrier = sim.send_command(KIOSK_ID, "state.republish")
                result_for(sim, barrier.cmd_id)
            finally:
                link.stop()
        assert sim.config_reported(KIOSK_ID) == {
            "version": 1,
            "state": "applied",
            "active_version": 1,
        }
        link = make_link(mosquitto, store)
        rig.attach(link)
        link.start()
        try:
            assert link.wait_ready(10)
            sim.publish_desired_config(KIOSK_ID, v2_bad)
            sim.wait_until(lambda: (sim.config_reported(KIOSK_ID) or {}).get("version") == 2, 10)
            sim.wait_for_events(1, timeout=10, type="config.rejected")
        finally:
            link.stop()
    applied = sim.events(KIOSK_ID, "config.applied")
    rejected = sim.events(KIOSK_ID, "config.rejected")
    assert [e.envelope["data"] for e in applied] == [
        {"version": 1, "kid": config_kid, "changed": ["services", "ui"]}
    ]
    assert [e.envelope["data"]["version"] for e in rejected] == [2]
    report = sim.config_reported(KIOSK_ID)
    assert report is not None
    assert report["state"] == "rejected"
    assert report["active_version"] == 1
    assert "may not set ['mqtt'] remotely" in report["error"]
    assert len(rig.applied) == 1
    assert [s.id for s in rig.desired.config.services] == ["certificates", "passport"]
    assert rig.desired.config.ui.inactivity_s == 45
