"""A process killed between the ticket's commit and its print never reuses the number."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kiosk.services import build_services
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config

CHILD = """
import sys
from pathlib import Path
from tests.kiosk_config import make_config
from kiosk.services import build_services
config = make_config(Path(sys.argv[1]), printer={"status_timeout_s": 30.0})
services = build_services(config, printer_url=sys.argv[2])
services.tickets.issue("certificates", "ja")
"""


def committed_numbers(db_path: Path) -> list[str]:
    if not db_path.exists():
        return []
    with sqlite3.connect(db_path) as conn:
        try:
            rows = conn.execute("SELECT display FROM ticket ORDER BY seq_number").fetchall()
        except sqlite3.OperationalError:  # schema not created yet
            return []
    return [r[0] for r in rows]


def test_a_kill_between_commit_and_print_does_not_reuse_the_number(
    tmp_path: Path, printer_sim: PrinterSimulator
) -> None:
    state = tmp_path / "state"
    db_path = state / "kiosk.sqlite3"
    # A printer that never answers: the child waits for its status after the commit.
    printer_sim.set_offline(True)
    url = f"tcp://127.0.0.1:{printer_sim.port}"
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(state), url],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.monotonic() + 30
        while committed_numbers(db_path) != ["A-001"]:
            assert child.poll() is None, "the child ended before it was killed"
            assert time.monotonic() < deadline, "the ticket was never committed"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    printer_sim.set_offline(False)
    config = make_config(state)
    services = build_services(config, printer_url=url)
    try:
        events = [e for e in services.outbox.pending() if e.category == "ticket"]
        assert [e.type for e in events] == ["ticket.issued", "ticket.print_failed"]
        assert events[1].payload["data"]["reason"] == "interrupted"
        outcome = services.tickets.issue("certificates", "ja")
        assert outcome.ticket.number == "A-002"
        assert outcome.printed
        assert committed_numbers(db_path) == ["A-001", "A-002"]
    finally:
        services.stop()
