"""``diag.run`` and ``diag.bundle`` from the central server, through a real Mosquitto
(issue 11). The central-server simulator signs the commands with the tests' keys."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import parse_config
from kiosk.core.diagnostics.self_tests import PROMPT_CLOSE_DOOR, Prompt
from kiosk.link.contract import Contract
from kiosk.services import KioskServices, build_services
from kiosk.store.outbox import rfc3339
from simulators.central.server import CentralSimulator
from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from simulators.scanner.server import ScannerSimulator
from tests.kiosk_config import config_data
from tests.mosquitto import MosquittoBroker
from tests.trust_keys import trust_table

KIOSK = "test-kiosk-1"


@pytest.fixture
def locker_sim() -> Iterator[LockerSimulator]:
    with LockerSimulator(port=0, boards=1, auto_pull_s=0.05) as sim:
        yield sim


@pytest.fixture
def scanner_sim() -> Iterator[ScannerSimulator]:
    with ScannerSimulator(port=0, suffix="cr") as sim:
        yield sim


@pytest.fixture
def kiosk(
    tmp_path: Path,
    mosquitto: MosquittoBroker,
    printer: PrinterSimulator,
    locker_sim: LockerSimulator,
    scanner_sim: ScannerSimulator,
) -> Iterator[KioskServices]:
    """A kiosk as `kiosk run` builds it: a locker (doors 1-14 cases, 15-16 returns), a
    scanner, online, obeying commands signed with the tests' keys."""
    document = config_data(tmp_path / "state")
    document["mqtt"] = {"broker": mosquitto.url, "keepalive_s": 5, "password": "hunter2-secret"}
    document["trust"] = trust_table()
    document["locker"] = {"url": "sim://", "boards": 1}
    document["handover"] = {"compartments": {"M": "1-14"}, "return_doors": [15, 16]}
    services = build_services(
        parse_config(document, source="test"),
        printer_url=printer.url,
        locker_url=locker_sim.url,
        scanner_url=scanner_sim.url,
        printer_poll_s=3600,
        document=document,
    )
    services.start(on_code=lambda _code: None)
    assert services.link is not None and services.link.wait_ready(10)
    yield services
    services.stop()


def results(central: CentralSimulator, n: int) -> list[dict[str, Any]]:
    """The first ``n`` results, each checked against docs/schemas/events/cmd.result.json."""
    found = [e.envelope["data"] for e in central.wait_for_events(n, timeout=30, type="cmd.result")]
    schemas = Contract.load().schemas
    for data in found:
        assert schemas.validate("events/cmd.result.json", data) == [], data
    return found


def test_diag_run_answers_with_the_printer_self_tests_report(
    kiosk: KioskServices, central: CentralSimulator, printer: PrinterSimulator
) -> None:
    printer.set_paper("near_end")
    central.send_command(KIOSK, "diag.run", {"device": "printer"})
    [answer] = results(central, 1)
    assert (answer["action"], answer["ok"]) == ("diag.run", True)
    report = answer["result"]
    assert (report["device"], report["test"], report["passed"]) == ("printer", "print", True)
    assert report["measured"] == {
        "paper_before": "near_end",
        "health_before": "degraded/paper_near_end",
        "printed": True,
        "paper_after": "near_end",
        "health_after": "degraded/paper_near_end",
    }
    assert len(printer.wait_for_tickets(1, timeout=5)) == 1


def test_diag_run_refuses_a_test_that_needs_a_person_unless_staff_are_present(
    kiosk: KioskServices,
    central: CentralSimulator,
    scanner_sim: ScannerSimulator,
) -> None:
    assert kiosk.diagnostics is not None
    central.send_command(KIOSK, "diag.run", {"device": "scanner", "test": "echo"})
    [refused] = results(central, 1)
    assert (refused["ok"], refused["error"]) == (False, "needs_person")

    # Staff at the kiosk scan the code the screen shows.
    def staff(prompt: Prompt | None) -> None:
        if prompt is not None and prompt.payload:
            scanner_sim.scan(prompt.payload)

    kiosk.diagnostics.subscribe_prompts(staff)
    central.send_command(
        KIOSK, "diag.run", {"device": "scanner", "test": "echo", "staff_present": True}
    )
    passed = results(central, 2)[1]
    assert passed["ok"] is True
    assert passed["result"]["passed"] is True
    assert passed["result"]["measured"]["payload"].startswith("KIOSK-ECHO-")


def test_diag_run_never_opens_a_door_whose_compartment_has_a_case(
    kiosk: KioskServices, central: CentralSimulator, locker_sim: LockerSimulator
) -> None:
    assert kiosk.handover is not None and kiosk.diagnostics is not None
    assert kiosk.handover.assign_case("P-1", "M", has_old_passport=False, pin_verifier="")
    with kiosk.handover.journal.transaction() as tx:
        at = rfc3339(kiosk.clock.now())
        kiosk.handover.journal.repo.set_compartment(tx, 5, "loaded", "P-1", at)
        kiosk.handover.journal.repo.update_case(tx, "P-1", at, state="loaded", door=5)

    def staff(prompt: Prompt | None) -> None:
        if prompt is not None and prompt.kind == PROMPT_CLOSE_DOOR and prompt.door is not None:
            locker_sim.push(prompt.door)

    kiosk.diagnostics.subscribe_prompts(staff)
    central.send_command(
        KIOSK, "diag.run", {"device": "locker", "test": "door-5", "staff_present": True}
    )
    central.send_command(KIOSK, "diag.run", {"device": "locker", "test": "door-3"})
    central.send_command(
        KIOSK,
        "diag.run",
        {"device": "locker", "test": "door-3", "staff_present": True, "staff_id": "s-1"},
    )
    has_case, no_staff, tested = results(central, 3)
    assert (has_case["ok"], has_case["error"]) == (False, "door_has_case")
    assert (no_staff["ok"], no_staff["error"]) == (False, "needs_person")
    assert tested["ok"] is True
    assert tested["result"]["passed"] is True, tested
    assert tested["result"]["measured"]["unlock"] == "ok"
    assert locker_sim.pulses(5) == 0
    assert locker_sim.pulses(3) == 1
    audits = central.wait_for_events(2, timeout=15, type="audit.locker_open")
    assert [(a.envelope["data"]["stage"], a.envelope["data"]["via"]) for a in audits] == [
        ("requested", "remote"),
        ("unlock_sent", "remote"),
    ]
    assert audits[0].envelope["data"]["actor"] == "s-1"
    counters = kiosk.diagnostics.status().counters
    assert (counters["door_unlocks.3"], counters["door_cycles.3"]) == (1, 1)


def test_diag_bundle_sends_the_bundle_through_the_image_transfer_with_its_sha256(
    kiosk: KioskServices, central: CentralSimulator
) -> None:
    central.send_command(KIOSK, "diag.bundle")
    [answer] = results(central, 1)
    assert answer["ok"] is True, answer
    sha256 = answer["result"]["sha256"]
    assert answer["result"]["replaced"] is None
    assert central.wait_until(lambda: sha256 in central.received_blobs(), timeout=30)
    data = central.received_blobs()[sha256]
    assert hashlib.sha256(data).hexdigest() == sha256
    assert len(data) == answer["result"]["size_bytes"]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    assert json.loads(members["config.json"])["mqtt"]["password"] == "<removed>"
    assert b"hunter2-secret" not in data
    status = json.loads(members["status.json"])
    assert status["kiosk"] == KIOSK
    assert set(status["devices"]) >= {"printer", "locker", "scanner", "clock"}
    assert status["link"]["broker"].startswith("mqtt://127.0.0.1:")
    transferred = central.wait_for_events(1, timeout=15, type="diag.bundle_transferred")
    assert transferred[0].envelope["data"]["sha256"] == sha256
    # NOTE: the file is deleted before diag.bundle_transferred is even sent.
    assert not (Path(kiosk.config.state_dir) / "diag" / "bundles" / f"{sha256}.tar.gz").exists()
    # A kiosk without a photo booth reports no photo transfer in its health snapshot.
    assert "photo_transfer" not in central.health[KIOSK]


def test_the_contract_refuses_a_diag_run_result_without_its_report() -> None:
    schemas = Contract.load().schemas
    bad = {"cmd_id": "c-1", "action": "diag.run", "ok": True, "result": {"device": "printer"}}
    assert schemas.validate("events/cmd.result.json", bad) == [
        "$.result: must contain ['detail', 'duration_s', 'measured', 'passed', 'started_at',"
        " 'test'] properties"
    ]
    refused = {"cmd_id": "c-2", "action": "diag.run", "ok": False, "error": "needs_person"}
    assert schemas.validate("events/cmd.result.json", refused) == []
