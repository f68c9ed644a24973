"""``kiosk diag bundle OUT.tar.gz``: logs, health, counters, frames and the config, no secrets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.devices.health import HealthBoard
from kiosk.diag.context import EXIT_FAILED, EXIT_OK, Setup, err, out
from kiosk.diag.devices import check_clock
from kiosk.diag.status import offline_parts
from kiosk.errors import UnknownSelfTestError


def run_bundle(setup: Setup, path: Path) -> int:
    """Write the support bundle to ``path``; from the running kiosk's status when it runs."""
    from kiosk.core.diagnostics.bundle import write_bundle
    from kiosk.core.diagnostics.service import (
        SNAPSHOT_NAME,
        DiagnosticsService,
        read_running_kiosk,
    )

    if path.is_dir():
        raise UnknownSelfTestError(f"{path} is a folder; name the bundle file (OUT.tar.gz)")
    status: Mapping[str, Any] | None = None
    if not setup.bench:
        running = read_running_kiosk(setup.state_dir / SNAPSHOT_NAME)
        if running is not None:
            status = running.status
    board = HealthBoard()
    parts = offline_parts(setup, board)
    if status is None:
        check_clock(board)
        status = DiagnosticsService(parts).status().as_json()
    try:
        write_bundle(
            path,
            status,
            config_document=setup.document,
            log_files=list(parts.log_files()),
            journal=parts.journal,
        )
    except OSError as exc:
        err(f"kiosk: the bundle could not be written: {exc}")
        return EXIT_FAILED
    out(f"{path}: written ({path.stat().st_size} bytes)")
    return EXIT_OK
