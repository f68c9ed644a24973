"""The diagnostics of one kiosk, built from its parts (issue 11).

:class:`DiagnosticsService` implements :class:`~kiosk.core.diagnostics.model.Diagnostics`
for the three ways in: the diagnostics screen, ``kiosk diag`` and the ``diag.run`` /
``diag.bundle`` commands. It is handed what the kiosk has (the composition root decides):
the health board, the link's status, the store's counters, the drivers' flight recorders
and the self-tests of the devices that are fitted. ``kiosk diag`` on a bench builds one
with nothing but the device it tests.

Recent faults are the last non-ok health changes the board reported in this run, after the
``device.health`` events of earlier runs still in the outbox.

While the kiosk runs, :meth:`DiagnosticsService.start_snapshots` keeps the status in a
file (``<state_dir>/diag/status.json``, on every health change and every
``interval_s``) so ``kiosk diag status`` in a shell reads what the running kiosk sees
instead of opening the devices the kiosk holds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.core.diagnostics.bundle import write_bundle
from kiosk.core.diagnostics.model import (
    DeviceStatus,
    DiskStatus,
    FaultRecord,
    LinkStatus,
    SelfTestInfo,
    SelfTestResult,
    StatusReport,
    WireFrame,
)
from kiosk.core.diagnostics.self_tests import (
    CodeTap,
    Prompt,
    PromptListener,
    SelfTest,
    SelfTestContext,
    SelfTestRefusedError,
)
from kiosk.devices.health import Health, HealthBoard, HealthState
from kiosk.devices.scanner.protocol import CodeListener, ScannedCode
from kiosk.errors import DiagnosticsError, KioskError, StoreError, UnknownSelfTestError
from kiosk.store.diagnostics import SCANS

log = logging.getLogger(__name__)

FAULT_HISTORY = 50
"""How many recent faults the status keeps."""
SNAPSHOT_NAME = "diag/status.json"
"""The running kiosk's status file under its state folder."""
SNAPSHOT_INTERVAL_S = 30.0
"""The longest the status file goes unwritten (a shell takes a file 4 times older as the
file of a kiosk that is gone)."""


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fault_from_event(data: Mapping[str, Any]) -> FaultRecord | None:
    """A recent fault from a ``device.health`` event's data (None: ok, or not readable)."""
    try:
        state = HealthState(str(data.get("state")))
    except ValueError:
        return None
    since = _parse_time(data.get("since"))
    if state is HealthState.OK or since is None:
        return None
    health = Health(state, str(data.get("reason", "")), str(data.get("detail", "")), since)
    return FaultRecord(str(data["device"]), health)


def disk_status(path: Path) -> DiskStatus | None:
    """Free space of the file system holding ``path`` (or its nearest existing parent)."""
    where = path
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        usage = shutil.disk_usage(where)
    except OSError as exc:
        log.warning("disk usage of %s not read: %s", where, exc)
        return None
    return DiskStatus(str(where), usage.free, usage.total)


@dataclass
class DiagnosticsParts:
    """What a kiosk (or a bench) has for its diagnostics; everything but the board optional.

    Attributes:
        kiosk_id: the kiosk id.
        health: the health board (every registered device is reported).
        software_version: ``kiosk.__version__``.
        state_dir: the state folder (disk space, the status file); None on a bench.
        config_version: the desired configuration version in force (0: the file's).
        link: the link's status now (None: no link, as on a bench).
        counters: the counters now (empty: no store).
        earlier_faults: faults of earlier runs (``device.health`` events still in the outbox).
        frames: per device, its flight recorder (the last frames on the wire).
        tests: the self-tests of the devices fitted.
        config_document: the configuration file as read (for the bundle; secrets removed
            there); None when defaults apply.
        log_files: the kiosk's log files now (for the bundle).
        journal: reads the systemd journal of the kiosk (for the bundle); None: not asked.
        count: adds one to a counter (``scans`` for every code a scanner reads).
        now: the wall clock.
    """

    kiosk_id: str
    health: HealthBoard
    software_version: str
    state_dir: Path | None = None
    config_version: Callable[[], int] = lambda: 0
    link: Callable[[], LinkStatus | None] = lambda: None
    counters: Callable[[], Mapping[str, int]] = dict
    earlier_faults: Sequence[FaultRecord] = ()
    frames: Mapping[str, Callable[[], Sequence[WireFrame]]] = field(default_factory=dict)
    tests: Sequence[SelfTest] = ()
    config_document: Mapping[str, Any] | None = None
    log_files: Callable[[], Sequence[Path]] = tuple
    journal: Callable[[], str | None] | None = None
    count: Callable[[str], None] = lambda _name: None
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


class DiagnosticsService:
    """See the module docstring. Thread-safe; one self-test runs at a time.

    Args:
        parts: what this kiosk has.
        fault_history: how many recent faults the status keeps.
    """

    def __init__(self, parts: DiagnosticsParts, *, fault_history: int = FAULT_HISTORY):
        self.parts = parts
        self.tap = CodeTap()
        self._faults: deque[FaultRecord] = deque(maxlen=fault_history)
        for fault in reversed(list(parts.earlier_faults)[:fault_history]):
            self._faults.append(fault)
        self._faults_lock = threading.Lock()
        self._tests: dict[tuple[str, str], SelfTest] = {}
        for test in parts.tests:
            self.add_test(test)
        self._running = threading.Lock()
        self._context: SelfTestContext | None = None
        self._prompt: Prompt | None = None
        self._prompt_listeners: list[PromptListener] = []
        self._snapshot_wake = threading.Event()
        self._snapshot_stop = threading.Event()
        self._snapshot_thread: threading.Thread | None = None
        self._snapshot_path: Path | None = None
        parts.health.subscribe(self._on_health)

    # ---- status -------------------------------------------------------------------------

    def _on_health(self, device: str, health: Health) -> None:
        if health.state is not HealthState.OK:
            with self._faults_lock:
                self._faults.append(FaultRecord(device, health))
        self._snapshot_wake.set()

    def recent_faults(self) -> list[FaultRecord]:
        """The recent non-ok health changes, newest first."""
        with self._faults_lock:
            return list(reversed(self._faults))

    def status(self) -> StatusReport:
        """The kiosk's status now (see :class:`StatusReport`)."""
        parts = self.parts
        devices = {
            name: DeviceStatus(name, health) for name, health in parts.health.snapshot().items()
        }
        try:
            counters = dict(parts.counters())
        except StoreError as exc:
            log.warning("counters not read: %s", exc)
            counters = {}
        frames: dict[str, Sequence[WireFrame]] = {}
        for device, recorder in parts.frames.items():
            try:
                frames[device] = list(recorder())
            except KioskError as exc:
                log.warning("flight recorder of %s not read: %s", device, exc)
        try:
            link = parts.link()
        except StoreError as exc:
            log.warning("link status not read: %s", exc)
            link = None
        return StatusReport(
            kiosk_id=parts.kiosk_id,
            taken_at=parts.now(),
            software_version=parts.software_version,
            config_version=parts.config_version(),
            devices=devices,
            link=link,
            disk=None if parts.state_dir is None else disk_status(parts.state_dir),
            counters=counters,
            recent_faults=self.recent_faults(),
            frames=frames,
        )

    # ---- self-tests ---------------------------------------------------------------------

    def add_test(self, test: SelfTest) -> None:
        """Offer one more self-test (a device fitted after the start)."""
        self._tests[(test.info.device, test.info.name)] = test

    def self_tests(self) -> Sequence[SelfTestInfo]:
        """The self-tests this kiosk's devices offer, in the order they were added."""
        return [test.info for test in self._tests.values()]

    def find(self, device: str, name: str | None = None) -> SelfTestInfo:
        """The test ``name`` of ``device`` (None: the device's first test).

        Raises:
            UnknownSelfTestError: no such device or test here (the message lists them).
        """
        return self._find(device, name).info

    def _find(self, device: str, name: str | None) -> SelfTest:
        if name is not None and (device, name) in self._tests:
            return self._tests[(device, name)]
        of_device = [t for (d, _n), t in self._tests.items() if d == device]
        if name is None and of_device:
            return of_device[0]
        if not of_device:
            devices = sorted({d for d, _n in self._tests})
            raise UnknownSelfTestError(
                f"no self-test for device {device!r} here; devices with tests: "
                f"{', '.join(devices) or 'none'}"
            )
        names = [t.info.name for t in of_device]
        shown = ", ".join(names[:8]) + (f" … ({len(names)} in all)" if len(names) > 8 else "")
        raise UnknownSelfTestError(f"{device} has no test {name!r}; its tests: {shown}")

    def subscribe_prompts(self, listener: PromptListener) -> None:
        """Call ``listener(prompt)`` when a running test asks a person to act (None: done)."""
        self._prompt_listeners.append(listener)

    @property
    def prompt(self) -> Prompt | None:
        """What the running test asks of the person at the kiosk now, if anything."""
        return self._prompt

    def _set_prompt(self, prompt: Prompt | None) -> None:
        self._prompt = prompt
        if prompt is not None:
            log.info(
                "self-test %s/%s: %s %s",
                prompt.device,
                prompt.test,
                prompt.kind,
                prompt.payload or prompt.door or "",
            )
        for listener in list(self._prompt_listeners):
            listener(prompt)

    def run_self_test(
        self,
        device: str,
        name: str | None = None,
        *,
        via: str = "screen",
        actor: str = "technician",
    ) -> SelfTestResult:
        """Run one self-test (blocking: call it off the GUI thread).

        Args:
            device: the device (``printer``, ``scanner``, ``camera``, ``locker`` …).
            name: the test (None: the device's first test).
            via: who asks, for audits: ``screen``, ``console`` or ``remote``.
            actor: the technician or staff id when known.

        Raises:
            UnknownSelfTestError: no such test here.
            SelfTestRefusedError: the test may not run now (a door with a case); nothing done.
            DiagnosticsError: another self-test is running.
        """
        test = self._find(device, name)
        if not self._running.acquire(blocking=False):
            raise DiagnosticsError("another self-test is running; wait for it or cancel it")
        ctx = SelfTestContext(prompt=self._set_prompt, via=via, actor=actor)
        self._context = ctx
        started_at, started = self.parts.now(), time.monotonic()
        try:
            log.info("self-test %s/%s started", test.info.device, test.info.name)
            try:
                outcome = test.run(ctx)
                passed, measured, detail = outcome.passed, outcome.measured, outcome.detail
            except SelfTestRefusedError as exc:
                log.warning("self-test %s/%s refused: %s", device, test.info.name, exc)
                raise
            except Exception as exc:  # a test's failure is its result, never the caller's
                log.exception("self-test %s/%s failed with an error", device, test.info.name)
                passed, measured, detail = False, {"error": type(exc).__name__}, str(exc)
        finally:
            self._context = None
            self._running.release()
        result = SelfTestResult(
            device=test.info.device,
            name=test.info.name,
            passed=passed,
            measured=measured,
            detail=detail,
            started_at=started_at,
            duration_s=time.monotonic() - started,
        )
        log.info(
            "self-test %s/%s %s: %s",
            result.device,
            result.name,
            "passed" if passed else "FAILED",
            detail,
        )
        return result

    def cancel_self_test(self) -> bool:
        """End a waiting self-test early (it fails with ``cancelled``); True when one ran."""
        ctx = self._context
        if ctx is None:
            return False
        ctx.cancelled.set()
        self.tap.cancel()
        return True

    def offer_code(self, code: ScannedCode) -> bool:
        """A scanner read ``code``: True when a waiting echo test took it."""
        return self.tap.offer(code)

    def tap_codes(self, listener: CodeListener) -> CodeListener:
        """``listener`` behind the echo test: codes go to a waiting test first; every code
        is counted (``scans``) after it was handed on."""

        def on_code(code: ScannedCode) -> None:
            if not self.tap.offer(code):
                listener(code)
            self.parts.count(SCANS)

        return on_code

    # ---- the bundle ---------------------------------------------------------------------

    def write_bundle(self, path: Path) -> Path:
        """Write the support bundle (see :mod:`kiosk.core.diagnostics.bundle`).

        Raises:
            OSError: the file could not be written.
        """
        return write_bundle(
            path,
            self.status().as_json(),
            config_document=self.parts.config_document,
            log_files=list(self.parts.log_files()),
            journal=self.parts.journal,
        )

    # ---- the running kiosk's status file --------------------------------------------------

    def start_snapshots(self, path: Path, interval_s: float = SNAPSHOT_INTERVAL_S) -> None:
        """Keep the status in ``path`` (JSON, with this process's pid) until :meth:`stop`:
        on every health change and at least every ``interval_s`` (at most 30 s)."""
        self._snapshot_path = path
        interval_s = min(interval_s, SNAPSHOT_INTERVAL_S)
        self._snapshot_thread = threading.Thread(
            target=self._snapshots, args=(path, interval_s), name="diag-snapshot", daemon=True
        )
        self._snapshot_thread.start()

    def write_snapshot(self, path: Path) -> None:
        """Write the status file once (a temporary file renamed into place)."""
        body = {**self.status().as_json(), "pid": os.getpid(), "written_at": time.time()}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True), "utf-8")
        os.replace(partial, path)

    def _snapshots(self, path: Path, interval_s: float) -> None:
        while not self._snapshot_stop.is_set():
            self._snapshot_wake.clear()
            try:
                self.write_snapshot(path)
            except (OSError, KioskError) as exc:
                log.warning("status file %s not written: %s", path, exc)
            self._snapshot_wake.wait(interval_s)
            # NOTE: a burst of health changes (a board falling silent) writes once.
            self._snapshot_stop.wait(0.5)

    def stop(self) -> None:
        """Stop the status file (it is removed: nobody keeps it current any more)."""
        self._snapshot_stop.set()
        self._snapshot_wake.set()
        self.cancel_self_test()
        if self._snapshot_thread is not None:
            self._snapshot_thread.join(timeout=5)
        if self._snapshot_path is not None:
            self._snapshot_path.unlink(missing_ok=True)


@dataclass(frozen=True)
class RunningKiosk:
    """What ``kiosk diag`` read from a running kiosk's status file."""

    pid: int
    age_s: float
    status: dict[str, Any]


def read_running_kiosk(
    path: Path, *, max_age_s: float = 4 * SNAPSHOT_INTERVAL_S
) -> RunningKiosk | None:
    """The running kiosk's status from its file; None when there is none, it is older than
    ``max_age_s`` or its process is gone."""
    try:
        body = json.loads(path.read_text("utf-8"))
        pid, written = int(body["pid"]), float(body["written_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    age = time.time() - written
    if age > max_age_s or not _alive(pid):
        return None
    return RunningKiosk(pid, round(max(age, 0.0), 1), body)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process (the kiosk's service account)
    return True


__all__ = [
    "FAULT_HISTORY",
    "SNAPSHOT_NAME",
    "DiagnosticsParts",
    "DiagnosticsService",
    "RunningKiosk",
    "disk_status",
    "fault_from_event",
    "read_running_kiosk",
]
