"""End to end without a screen: tap → ticket printed → events at the central server over MQTT.

Everything is real: Mosquitto, the central-server simulator, the ESC/POS simulator on TCP, our
driver, SQLite files.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.core.trust import KeyPurpose
from kiosk.services import KioskServices, build_services
from simulators.central.server import CentralSimulator
from simulators.clock.sync import SimulatedClockSync
from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config
from tests.link.link_support import wait_until
from tests.mosquitto import MosquittoBroker
from tests.trust_keys import central_keys

ENVELOPE_KEYS = {"v", "id", "seq", "session", "incarnation", "kiosk", "ts", "type", "data"}


@pytest.fixture
def config(tmp_path: Path, mosquitto: MosquittoBroker) -> KioskConfig:
    config = make_config(tmp_path / "state")
    return dataclasses.replace(
        config, mqtt=dataclasses.replace(config.mqtt, broker=mosquitto.url, keepalive_s=5)
    )


@pytest.fixture
def kiosk(config: KioskConfig, printer: PrinterSimulator) -> Iterator[KioskServices]:
    services = build_services(config, printer_url=printer.url, printer_poll_s=3600)
    services.start()
    yield services
    services.stop()


def test_a_ticket_reaches_the_server_with_the_contract_envelope_and_is_acked(
    kiosk: KioskServices, central: CentralSimulator, printer: PrinterSimulator
) -> None:
    outcome = kiosk.tickets.issue("childcare", "ja")
    assert outcome.printed
    issued = central.wait_for_events(1, timeout=15, type="ticket.issued")
    envelope = issued[0].envelope
    assert set(envelope) == ENVELOPE_KEYS
    assert envelope["kiosk"] == "test-kiosk-1"
    assert envelope["session"] == kiosk.session
    assert envelope["data"]["number"] == "C-001"
    assert envelope["data"]["service"] == "childcare"
    printed = central.wait_for_events(1, timeout=15, type="ticket.printed")
    # NOTE: in order; the status poll (printer, clock, store health) may commit a
    # device.health event between the two, but no other ticket event.
    assert printed[0].seq > issued[0].seq
    between = [
        e.type for e in central.events("test-kiosk-1") if issued[0].seq < e.seq < printed[0].seq
    ]
    assert all(t == "device.health" for t in between), between
    assert "C-001" in printer.wait_for_tickets(1, timeout=5)[0].text
    # The row leaves the outbox when the server's ack covers it, and only then.
    # NOTE: the kiosk deletes on the ack it receives; the central's wait_until only re-checks
    # on its own messages, so poll the kiosk's outbox here.
    wait_until(lambda: kiosk.outbox.depth() == 0, 15, "the acked outbox to empty")
    state = central.states["test-kiosk-1"]
    assert state["online"] is True
    assert state["session"] == kiosk.session


def test_a_printer_out_of_paper_reaches_the_server_as_a_fault(
    kiosk: KioskServices, central: CentralSimulator, printer: PrinterSimulator
) -> None:
    printer.set_paper("out")
    outcome = kiosk.tickets.issue("certificates", "en")
    assert not outcome.printed
    failed = central.wait_for_events(1, timeout=15, type="ticket.print_failed")
    assert failed[0].envelope["data"]["reason"] == "paper_out"
    health = central.wait_for_events(1, timeout=15, type="device.health")
    assert health[-1].envelope["data"]["device"] == "printer"
    assert health[-1].envelope["data"]["state"] == "fault"
    assert central.wait_until(
        lambda: (
            central.health.get("test-kiosk-1", {})
            .get("devices", {})
            .get("printer", {})
            .get("state")
            == "fault"
        ),
        timeout=15,
    ), central.health


def managed_document(tmp_path: Path, broker: MosquittoBroker, **sections: Any) -> dict[str, Any]:
    """A config document as `kiosk run` reads it: online, trusting the tests' keys."""
    from tests.kiosk_config import config_data
    from tests.trust_keys import trust_table

    document = config_data(tmp_path / "state")
    document["mqtt"] = {"broker": broker.url, "keepalive_s": 5}
    document["trust"] = trust_table()
    document.update(sections)
    return document


@pytest.fixture
def locker_sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=1) as sim:
        yield sim


@pytest.fixture
def locker_kiosk(
    tmp_path: Path,
    mosquitto: MosquittoBroker,
    printer: PrinterSimulator,
    locker_sim: LockerSimulator,
) -> Iterator[KioskServices]:
    """A kiosk with a one-board locker (doors 1-14 for cases, 15-16 for returns); not started."""
    document = managed_document(
        tmp_path,
        mosquitto,
        locker={"url": "sim://", "boards": 1},
        handover={"compartments": {"M": "1-14"}, "return_doors": [15, 16]},
    )
    kiosk = build_services(
        parse_config(document, source="test"),
        printer_url=printer.url,
        locker_url=locker_sim.url,
        printer_poll_s=3600,
        document=document,
    )
    yield kiosk
    kiosk.stop()


@pytest.fixture
def managed_kiosk(
    tmp_path: Path, mosquitto: MosquittoBroker, printer: PrinterSimulator
) -> Iterator[KioskServices]:
    """A kiosk built as `kiosk run` builds it: from the file document, with server commands."""
    document = managed_document(tmp_path, mosquitto)
    config = parse_config(document, source="test")
    services = build_services(
        config, printer_url=printer.url, printer_poll_s=3600, document=document
    )
    services.start()
    yield services
    services.stop()


def test_a_signed_test_print_command_prints_and_reports_one_result(
    managed_kiosk: KioskServices, central: CentralSimulator, printer: PrinterSimulator
) -> None:
    central.send_command("test-kiosk-1", "diag.print_test")
    results = central.wait_for_events(1, timeout=15, type="cmd.result")
    assert results[0].envelope["data"]["ok"] is True
    assert results[0].envelope["data"]["action"] == "diag.print_test"
    assert len(printer.wait_for_tickets(1, timeout=5)) == 1
    assert "テスト印刷" in printer.tickets[0].text


def test_a_desired_config_adds_a_service_that_tickets_can_be_taken_for(
    managed_kiosk: KioskServices, central: CentralSimulator
) -> None:
    from tests.kiosk_config import config_data

    services = config_data(Path("unused"))["services"]
    services.append(
        {
            "id": "tax",
            "prefix": "D",
            "name": {"ja": "税務", "en": "Taxes"},
            "average_service_min": 6,
        }
    )
    central.publish_desired_config("test-kiosk-1", {"version": 3, "services": services})
    assert central.wait_until(
        lambda: (central.config_reported("test-kiosk-1") or {}).get("state") == "applied",
        timeout=15,
    ), central.config_reported("test-kiosk-1")
    assert managed_kiosk.config.service("tax").prefix == "D"
    assert managed_kiosk.tickets.issue("tax", "ja").ticket.number == "D-001"


def test_a_check_in_is_answered_by_the_server_with_a_queue_position(
    tmp_path: Path, mosquitto: MosquittoBroker, printer: PrinterSimulator
) -> None:
    from datetime import UTC, datetime, timedelta

    from simulators.central.server import issue_booking_token
    from tests.trust_keys import signing_key

    document = managed_document(tmp_path, mosquitto)
    kiosk = build_services(
        parse_config(document, source="test"),
        clock_sync=SimulatedClockSync(),
        printer_url=printer.url,
        printer_poll_s=3600,
        document=document,
    )
    assert kiosk.checkin is not None
    answers: list[int | None] = []
    kiosk.checkin.subscribe(lambda outcome: answers.append(outcome.position))
    with CentralSimulator("127.0.0.1", mosquitto.port, **central_keys()) as central:
        kiosk.start()
        try:
            kid, key = signing_key(KeyPurpose.BOOKING)
            token = issue_booking_token(
                "chuo", "insurance", datetime.now(UTC) + timedelta(minutes=5), key=key, kid=kid
            )
            outcome = kiosk.checkin.check_in(token)
            assert outcome.result.value == "accepted"
            results = central.wait_for_events(1, timeout=15, type="cmd.result")
            assert results[0].envelope["data"]["action"] == "checkin.answer"
            assert results[0].envelope["data"]["ok"] is True
            assert answers[-1] == 1
        finally:
            kiosk.stop()


def test_the_server_assigns_passport_cases_with_signed_commands(
    locker_kiosk: KioskServices, mosquitto: MosquittoBroker, locker_sim: LockerSimulator
) -> None:
    from kiosk.core.handover.pins import make_pin_verifier

    cases = [
        {
            "case_id": "P-1",
            "size": "M",
            "has_old_passport": True,
            "pin_verifier": make_pin_verifier("1234", log2n=10),
        }
    ]
    assert locker_kiosk.handover is not None
    with CentralSimulator(
        "127.0.0.1", mosquitto.port, demo_cases=cases, **central_keys()
    ) as central:
        locker_kiosk.start()
        results = central.wait_for_events(1, timeout=15, type="cmd.result")
        assert results[0].envelope["data"]["action"] == "handover.assign"
        assert results[0].envelope["data"]["ok"] is True
        assert locker_kiosk.handover.case("P-1") is not None
        assert locker_sim.pulsed_doors() == []  # an assignment opens no door


def test_a_remote_maintenance_open_fires_one_door_is_audited_and_rate_limited(
    locker_kiosk: KioskServices, mosquitto: MosquittoBroker, locker_sim: LockerSimulator
) -> None:
    with CentralSimulator("127.0.0.1", mosquitto.port, **central_keys()) as central:
        locker_kiosk.start()
        assert locker_kiosk.link is not None and locker_kiosk.link.wait_ready(10)
        for _ in range(3):
            central.send_command(
                "test-kiosk-1", "locker.maintenance_open", {"door": 3, "staff_id": "s-1"}
            )
        results = central.wait_for_events(3, timeout=15, type="cmd.result")
        outcomes = [r.envelope["data"] for r in results]
        assert [o["ok"] for o in outcomes] == [True, True, False]
        assert outcomes[2]["error"] == "rate_limited"
        assert locker_sim.pulses(3) == 2
        assert set(locker_sim.pulsed_doors()) == {3}
        audits = central.wait_for_events(4, timeout=15, type="audit.locker_open")
        stages = [a.envelope["data"]["stage"] for a in audits]
        assert stages == ["requested", "unlock_sent", "requested", "unlock_sent"]
        assert {a.envelope["data"]["via"] for a in audits} == {"remote"}


def test_an_unsigned_desired_config_cannot_let_a_forged_staff_card_open_a_door(
    locker_kiosk: KioskServices, mosquitto: MosquittoBroker, locker_sim: LockerSimulator
) -> None:
    """The hostile review's first way in (issue 10, item 1), through the real broker."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.core.handover.tokens import issue_staff_card
    from kiosk.core.jws import public_key_text

    attacker = Ed25519PrivateKey.generate()
    evil_key = {"evil": public_key_text(attacker.public_key())}
    # What opened compartment 1 on the old main (its one list served staff cards too), and
    # the same through today's per-purpose lists: both unsigned.
    old_way = {"version": 7, "checkin": {"trusted_keys": evil_key}}
    new_way = {"version": 8, "trust": {"staff": evil_key}}
    assert locker_kiosk.handover is not None
    with CentralSimulator("127.0.0.1", mosquitto.port, **central_keys()) as central:
        locker_kiosk.start()
        assert locker_kiosk.link is not None and locker_kiosk.link.wait_ready(10)
        for attack in (old_way, new_way):
            before = len(central.events("test-kiosk-1", "config.rejected"))
            central.publish_desired_config("test-kiosk-1", json.dumps(attack).encode())
            central.wait_for_events(before + 1, timeout=15, type="config.rejected")
        card = issue_staff_card(
            "intruder", "chuo", datetime.now(UTC) + timedelta(hours=1), key=attacker, kid="evil"
        )
        outcome = locker_kiosk.handover.identify_staff_card(card)

    report = central.config_reported("test-kiosk-1") or {}
    assert report["version"] is None and report["active_version"] == 0
    assert report["error"].startswith("unsigned")
    assert outcome.code.value == "staff_refused"
    assert locker_kiosk.handover.case("P-1") is None
    assert locker_sim.pulsed_doors() == []
