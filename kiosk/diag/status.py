"""``kiosk diag status``: every device's health, the link, disk, clock, versions, counters.

On a kiosk whose service runs, the running kiosk's status file is read; otherwise the devices
named on the line (else the configured ones) are opened and read once, and the state
database is read without writing.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.diag.context import (
    DB_NAME,
    EXIT_FAILED,
    EXIT_OK,
    SCANNER_CONNECT_S,
    URL_DEVICES,
    Seams,
    Setup,
    device_url,
    out,
)
from kiosk.diag.devices import check_clock, open_camera, open_locker, open_printer
from kiosk.errors import DeviceError, StoreError

if TYPE_CHECKING:
    from kiosk.core.diagnostics.service import DiagnosticsParts

log = logging.getLogger(__name__)


def offline_parts(setup: Setup, board: HealthBoard) -> DiagnosticsParts:
    """What a shell knows of a kiosk that is not running: its database, read-only."""
    from kiosk.core.diagnostics.bundle import read_journal
    from kiosk.core.diagnostics.model import LinkStatus
    from kiosk.core.diagnostics.service import DiagnosticsParts, fault_from_event
    from kiosk.store.diagnostics import read_summary

    config = setup.config
    counters: dict[str, int] = {}
    earlier = []
    link: LinkStatus | None = None
    db_path = setup.state_dir / DB_NAME
    if not setup.bench and db_path.is_file():
        try:
            summary = read_summary(db_path)
        except StoreError as exc:
            log.warning("state database not read: %s", exc)
        else:
            counters = summary.counters
            earlier = [f for d in summary.recent_health if (f := fault_from_event(d))]
            age = None
            if summary.oldest_created is not None:
                oldest = datetime.fromisoformat(summary.oldest_created.replace("Z", "+00:00"))
                age = round((datetime.now(UTC) - oldest).total_seconds(), 3)
            link = LinkStatus(config.mqtt.broker, False, None, summary.outbox_depth, age)
    return DiagnosticsParts(
        kiosk_id=config.kiosk_id,
        health=board,
        software_version=__version__,
        state_dir=None if setup.bench else setup.state_dir,
        link=lambda: link,
        counters=lambda: counters,
        earlier_faults=earlier,
        config_document=setup.document,
        log_files=lambda: [] if setup.bench else sorted(setup.state_dir.glob("*.log")),
        journal=None if setup.bench else read_journal,
    )


def _probe(
    setup: Setup, args: argparse.Namespace, board: HealthBoard, stack: ExitStack, seams: Seams
) -> dict[str, Callable[[], Any]]:
    """Open each device to look at (the line's, else the configured ones) and read its
    health once; returns their flight recorders."""
    from kiosk.diag_wiring import recorder_of

    frames: dict[str, Callable[[], Any]] = {}
    given = [d for d in URL_DEVICES if getattr(args, d, None)]
    for device in given or URL_DEVICES:
        url = device_url(setup, args, device)
        if not url:
            continue
        board.register(device)
        if device == "printer":
            printer = open_printer(setup.config, url)
            stack.callback(printer.close)
            board.report(device, printer.status().health())
            frames[device] = recorder_of(printer) or list
        elif device == "locker":
            locker = open_locker(setup.config, url)
            stack.callback(locker.close)
            try:
                locker.read_doors()
            except DeviceError as exc:
                log.warning("locker not read: %s", exc)
            board.report(device, locker.health())
            frames[device] = recorder_of(locker) or list
        elif device == "scanner":
            _probe_scanner(setup, url, board, stack, seams)
        else:
            camera = open_camera(url, board)
            stack.callback(camera.close)
            try:
                camera.still()
            except DeviceError as exc:
                log.warning("camera gave no frame: %s", exc)
            board.report(device, camera.health)
    return frames


def _probe_scanner(
    setup: Setup, url: str, board: HealthBoard, stack: ExitStack, seams: Seams
) -> None:
    reported = threading.Event()

    def on_health(name: str, health: Health) -> object:
        board.report(name, health)
        reported.set()
        return None

    scanner = seams.open_scanner(setup.config, url)
    stack.callback(scanner.stop)
    scanner.start(lambda _code: None, on_health)
    if not reported.wait(SCANNER_CONNECT_S):
        board.report(
            "scanner",
            Health(HealthState.UNKNOWN, "no_answer", f"no report within {SCANNER_CONNECT_S:g} s"),
        )


def run_status(setup: Setup, args: argparse.Namespace, seams: Seams) -> int:
    """Run ``kiosk diag status``; the exit status says whether every device is ok."""
    from kiosk.core.diagnostics.service import (
        SNAPSHOT_NAME,
        DiagnosticsService,
        read_running_kiosk,
    )

    given = any(getattr(args, d, None) for d in URL_DEVICES)
    if not setup.bench and not given:
        running = read_running_kiosk(setup.state_dir / SNAPSHOT_NAME)
        if running is not None:
            status = running.status
            note = f"from the running kiosk (pid {running.pid}, {running.age_s:g} s ago)"
            return _show_status(status, args.json, note)
    board = HealthBoard()
    if not given:  # the whole kiosk; devices named on the line are looked at alone
        check_clock(board)
    with ExitStack() as stack:
        frames = _probe(setup, args, board, stack, seams)
        parts = offline_parts(setup, board)
        parts.frames = frames
        status = DiagnosticsService(parts).status().as_json()
    note = "bench: the devices named on the line" if setup.bench else "the kiosk is not running"
    return _show_status(status, args.json, note)


def _worst(status: Mapping[str, Any]) -> str:
    order = ("ok", "degraded", "unknown", "fault")
    states = [str(d.get("state")) for d in status.get("devices", {}).values()] or ["ok"]
    return max(states, key=lambda s: order.index(s) if s in order else len(order))


def _show_status(status: Mapping[str, Any], as_json: bool, note: str) -> int:
    worst = _worst(status)
    if as_json:
        out(json.dumps({**status, "source": note}, ensure_ascii=False, sort_keys=True))
    else:
        out("\n".join(status_lines(status, note)))
    return EXIT_OK if worst == "ok" else EXIT_FAILED


def status_lines(status: Mapping[str, Any], note: str = "") -> list[str]:
    """The status as text for a terminal."""
    lines = [
        f"kiosk {status.get('kiosk')}  software {status.get('software_version')}  "
        f"config version {status.get('config_version')}  ({note})".replace("  ()", ""),
        f"{'device':<14}{'state':<10}{'reason':<24}since",
    ]
    devices = status.get("devices", {})
    for name, d in sorted(devices.items()):
        lines.append(
            f"{name:<14}{d.get('state', ''):<10}{d.get('reason') or '-':<24}{d.get('since') or ''}"
        )
        if d.get("detail") and d.get("state") != "ok":
            lines.append(f"{'':<14}{d['detail']}")
    if not devices:
        lines.append("(no device: name one with --printer URL, --scanner URL, …)")
    link = status.get("link")
    if link:
        server = {True: "server online", False: "server offline", None: "server not heard"}[
            link.get("server_online")
        ]
        age = link.get("oldest_unsent_age_s")
        lines.append(
            f"link: {link.get('broker') or 'offline by configuration'}; "
            f"{'connected' if link.get('connected') else 'not connected'}, {server}; "
            f"outbox {link.get('outbox_depth')}"
            + (f" (oldest {age:.0f} s)" if isinstance(age, int | float) else "")
        )
    disk = status.get("disk")
    if disk:
        lines.append(
            f"disk: {disk['path']} {disk['free_bytes'] / 1e9:.1f} GB free of "
            f"{disk['total_bytes'] / 1e9:.1f} GB"
        )
    counters = status.get("counters") or {}
    if counters:
        lines.append("counters: " + ", ".join(f"{k} {v}" for k, v in sorted(counters.items())))
    faults = status.get("recent_faults") or []
    if faults:
        lines.append("recent faults:")
        lines.extend(
            f"  {f.get('since')}  {f.get('device')} {f.get('state')} {f.get('reason')}"
            for f in faults[:10]
        )
    for device, frames in sorted((status.get("frames") or {}).items()):
        if frames:
            lines.append(f"last frames of {device}:")
            lines.extend(
                f"  {f.get('at')} {f.get('direction'):<3} {f.get('hex')}" for f in frames[-8:]
            )
    return lines
