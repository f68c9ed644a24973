"""``kiosk run``'s first screen is reported as soon as it is shown (issue 14, cold start).

The link, the scanner and the printer poll start right after it; before, the "ready" the
benchmark and the demo wait for came only once they had started, so the cold-start figure
held the link's start too.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.app import RunOptions, run_kiosk
from kiosk.services import build_services
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config


def test_ready_is_told_at_the_first_frame_before_the_services_start(
    qtbot: QtBot, tmp_path: Path
) -> None:
    sim = PrinterSimulator(port=0, out_dir=tmp_path / "printed")
    sim.start()
    config = make_config(
        tmp_path / "state", printer={"url": f"tcp://127.0.0.1:{sim.port}"}, ui={"fullscreen": False}
    )
    services = build_services(config)
    seen: list[bool] = []

    def ready() -> None:
        seen.append(services._poller is None)  # started by services.start()

    try:
        status = run_kiosk(config, services, RunOptions(on_ready=ready, quit_after_s=1.0))
    finally:
        sim.stop()
    assert (status, seen) == (0, [True])
