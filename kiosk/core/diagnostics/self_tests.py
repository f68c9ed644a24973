"""The self-test of each device: a clear pass or fail, and what was measured (issue 11).

Every test works on a device *Protocol* (or a callable the composition root hands over), so
the same test runs inside the kiosk (the diagnostics screen, ``diag.run``) and in
``kiosk diag test`` on a bench that has nothing but the one device.

=============  ============  ==============================================  ============
device         test          passes when                                     needs_person
=============  ============  ==============================================  ============
printer        ``print``     the test ticket was printed and cut              no
scanner        ``echo``      the code the kiosk shows is read back, exactly   yes
camera         ``frame``     a still's brightness and focus are in range      no
locker         ``status``    every door's sensors read and the locker is ok   no
locker         ``door-N``    door N opens after its unlock, then reads        yes
                             closed again (staff pull it and push it shut)
camera_mount   ``home``      homing finds the limit switch; health ``ok``     no
=============  ============  ==============================================  ============

The project has no status lamp and no call button (no GPIO outputs besides the camera
mount's and the intake slot's), so there is no lamp or button test.

A test that needs a person tells them what to do through a :class:`Prompt` (the screen
shows it, ``kiosk diag`` prints it) and waits for the device to show it was done.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.core.diagnostics.model import SelfTestInfo
from kiosk.core.tickets import TicketOutcome
from kiosk.devices.camera_mount.protocol import CameraMount
from kiosk.devices.health import Health, HealthState
from kiosk.devices.locker.diag import open_door
from kiosk.devices.locker.protocol import DoorState, Locker, LockerError
from kiosk.devices.printer.protocol import PrinterStatus
from kiosk.devices.scanner.protocol import ScannedCode
from kiosk.errors import DiagnosticsError

if TYPE_CHECKING:
    import numpy as np

    from kiosk.devices.camera.protocol import Camera

log = logging.getLogger(__name__)

PROMPT_SCAN = "scan_code"
PROMPT_OPEN_DOOR = "open_door"
PROMPT_CLOSE_DOOR = "close_door"

ECHO_TIMEOUT_S = 30.0
"""How long the scanner echo waits for its code."""
DOOR_OPEN_TIMEOUT_S = 30.0
"""How long a door test waits for the door to read open after its unlock."""
DOOR_CLOSE_TIMEOUT_S = 120.0
"""How long a door test waits for the door to read closed again."""
DOOR_POLL_S = 0.2
"""How often a door test reads the door's sensor."""

BRIGHTNESS_RANGE = (30.0, 235.0)
"""Mean grey level (0-255) of a usable camera frame: darker is a covered lens or no light,
brighter a washed-out frame (a booth's white background alone reads about 225)."""
MIN_FOCUS = 15.0
"""Least variance of the Laplacian of a usable still (grey, at the still's full size): a
blurred, dirty or covered lens shows no edges (a sharp portrait reads in the hundreds, the
same blurred by 3 px under 5). NOTE: a plain wall has no edges either: point the camera at a
person or a printed page for the test."""


@dataclass(frozen=True)
class Prompt:
    """What a person at the kiosk must do now for a running self-test.

    Attributes:
        device: the device under test.
        test: the test's name.
        kind: ``scan_code``, ``open_door`` or ``close_door``.
        text_id: the translation key of the instruction (its ``%1`` is the door or code).
        payload: the code to scan (``scan_code``); empty otherwise.
        door: the door (``open_door``, ``close_door``); None otherwise.
        timeout_s: how long the test waits.
    """

    device: str
    test: str
    kind: str
    text_id: str
    payload: str = ""
    door: int | None = None
    timeout_s: float = 0.0


PromptListener = Callable[[Prompt | None], None]
"""Gets each prompt of a running test, and None when the test no longer waits for anyone."""


@dataclass
class SelfTestContext:
    """What a running test may use besides its device.

    Attributes:
        prompt: tells the person at the kiosk what to do (None: nothing any more).
        cancelled: set to end a waiting test early (it fails with ``cancelled``).
        monotonic: the clock for durations and waits.
        via: who asked, for audits: ``screen``, ``console`` (``kiosk diag``) or ``remote``.
        actor: the technician or staff id when known.
    """

    prompt: PromptListener = field(default=lambda _prompt: None)
    cancelled: threading.Event = field(default_factory=threading.Event)
    monotonic: Callable[[], float] = time.monotonic
    via: str = "screen"
    actor: str = "technician"


class SelfTestRefusedError(DiagnosticsError):
    """Raised when a self-test may not run now (a door that has a case); nothing was done.

    Attributes:
        reason: a stable code (``door_has_case``, ``door_in_use``, ``needs_person`` …).
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Outcome:
    """What a test found: pass or fail, the measurements, one line for people."""

    passed: bool
    measured: Mapping[str, Any]
    detail: str


class SelfTest(Protocol):
    """One self-test of one device."""

    @property
    def info(self) -> SelfTestInfo:
        """Its device, name, whether a person must act, its title's key."""
        ...

    def run(self, ctx: SelfTestContext) -> Outcome:
        """Run it once (blocking)."""
        ...


def _health_text(health: Health) -> str:
    return f"{health.state.value}/{health.reason}" if health.reason else health.state.value


# ---- printer -----------------------------------------------------------------------------


class PrinterPrintTest:
    """A test ticket, with the printer's status (and its paper) read before and after.

    Args:
        read_status: one real-time status reading (serialised with tickets by the caller).
        print_test: prints the technician's test ticket.
        device: the printer's device name.
    """

    def __init__(
        self,
        read_status: Callable[[], PrinterStatus],
        print_test: Callable[[], TicketOutcome],
        *,
        device: str = "printer",
    ):
        self._read_status = read_status
        self._print_test = print_test
        self.info = SelfTestInfo(device, "print", False, "diag.test.printer.print")

    def run(self, ctx: SelfTestContext) -> Outcome:
        """See the class docstring."""
        before = self._read_status()
        outcome = self._print_test()
        after = self._read_status()
        measured = {
            "paper_before": before.paper.value,
            "health_before": _health_text(before.health()),
            "printed": outcome.printed,
            "paper_after": after.paper.value,
            "health_after": _health_text(after.health()),
        }
        if not outcome.printed:
            reason = outcome.problem.reason if outcome.problem else "unknown"
            return Outcome(False, measured, f"the test ticket was not printed: {reason}")
        note = (
            "" if after.health().state is HealthState.OK else f"; then {measured['health_after']}"
        )
        return Outcome(True, measured, f"test ticket printed and cut{note}")


# ---- scanner -----------------------------------------------------------------------------


class CodeTap:
    """Takes the codes a scanner reads while an echo test waits (thread-safe).

    The kiosk hands every code to :meth:`offer` first: while a test waits, every code goes
    to the test (a stray booking QR must not start a check-in behind the diagnostics screen).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiting = False
        self._seen: list[ScannedCode] = []

    def offer(self, code: ScannedCode) -> bool:
        """True when the code was taken by a waiting test (then nobody else gets it)."""
        with self._changed:
            if not self._waiting:
                return False
            self._seen.append(code)
            self._changed.notify_all()
            return True

    def arm(self) -> None:
        """Take every code from now on (before the code is shown: a quick scan is not lost)."""
        with self._changed:
            self._waiting, self._seen = True, []

    def wait_for(
        self, payload: str, timeout_s: float, ctx: SelfTestContext
    ) -> tuple[ScannedCode | None, list[ScannedCode]]:
        """Take codes (since :meth:`arm`) until ``payload`` is read or ``timeout_s`` passed
        (or the test is cancelled); then codes go to the journeys again.

        Returns:
            The matching code (or None) and every other code read meanwhile.
        """
        deadline = ctx.monotonic() + timeout_s
        with self._changed:
            self._waiting = True
            try:
                while True:
                    for code in self._seen:
                        if code.text == payload:
                            return code, [c for c in self._seen if c is not code]
                    left = deadline - ctx.monotonic()
                    if left <= 0 or ctx.cancelled.is_set():
                        return None, list(self._seen)
                    self._changed.wait(min(left, 0.25))
            finally:
                self._waiting = False

    def cancel(self) -> None:
        """Wake a waiting test (it then sees its context cancelled)."""
        with self._changed:
            self._changed.notify_all()


def echo_payload() -> str:
    """A fresh code for the scanner echo: ``KIOSK-ECHO-`` and 8 random capitals/digits."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "KIOSK-ECHO-" + "".join(secrets.choice(alphabet) for _ in range(8))


class ScannerEchoTest:
    """The kiosk shows a code; the test passes when the scanner reads that exact payload.

    Args:
        tap: where the scanner's codes go while the test waits.
        timeout_s: how long to wait.
        payload: the code to show (default: a fresh :func:`echo_payload` each run).
        device: the scanner's device name.
    """

    def __init__(
        self,
        tap: CodeTap,
        *,
        timeout_s: float = ECHO_TIMEOUT_S,
        payload: Callable[[], str] = echo_payload,
        device: str = "scanner",
    ):
        self._tap = tap
        self._timeout_s = timeout_s
        self._payload = payload
        self.info = SelfTestInfo(device, "echo", True, "diag.test.scanner.echo")

    def run(self, ctx: SelfTestContext) -> Outcome:
        """See the class docstring."""
        payload = self._payload()
        started = ctx.monotonic()
        self._tap.arm()
        ctx.prompt(
            Prompt(
                self.info.device,
                self.info.name,
                PROMPT_SCAN,
                "diag.prompt.scan_code",
                payload=payload,
                timeout_s=self._timeout_s,
            )
        )
        try:
            match, others = self._tap.wait_for(payload, self._timeout_s, ctx)
        finally:
            ctx.prompt(None)
        measured: dict[str, Any] = {
            "payload": payload,
            "timeout_s": self._timeout_s,
            "other_codes": len(others),
            "other_samples": [c.text[:64] for c in others[:3]],
        }
        if match is None:
            why = (
                "cancelled" if ctx.cancelled.is_set() else f"not read within {self._timeout_s:g} s"
            )
            measured["read_after_s"] = None
            more = f" ({len(others)} other codes were read)" if others else ""
            return Outcome(False, measured, f"the code shown was {why}{more}")
        measured["read_after_s"] = round(max(match.received_mono - started, 0.0), 3)
        return Outcome(True, measured, "the code shown was read back exactly")


# ---- camera ------------------------------------------------------------------------------


def frame_measures(frame: np.ndarray[Any, Any]) -> dict[str, float]:
    """Brightness (mean grey, 0-255) and focus (variance of the Laplacian) of a BGR frame."""
    # NOTE: imported here: OpenCV and NumPy (about 40 MB) load only when a camera is tested,
    # not in every kiosk that imports the self-tests (issue 14, idle memory).
    import cv2
    import numpy as np

    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return {
        "brightness_mean": round(float(np.mean(grey)), 2),
        "focus_laplacian_var": round(float(cv2.Laplacian(grey, cv2.CV_64F).var()), 2),
    }


class CameraFrameTest:
    """One still from the camera; brightness and focus against thresholds.

    Args:
        camera: the camera.
        brightness_range: the mean grey level a usable frame lies in.
        min_focus: the least variance of the Laplacian of a usable frame.
    """

    def __init__(
        self,
        camera: Camera,
        *,
        brightness_range: tuple[float, float] = BRIGHTNESS_RANGE,
        min_focus: float = MIN_FOCUS,
    ):
        self._camera = camera
        self._brightness = brightness_range
        self._min_focus = min_focus
        self.info = SelfTestInfo(camera.name, "frame", False, "diag.test.camera.frame")

    def run(self, ctx: SelfTestContext) -> Outcome:
        """See the class docstring."""
        frame = self._camera.still()
        measured: dict[str, Any] = {
            "width_px": int(frame.shape[1]),
            "height_px": int(frame.shape[0]),
            **frame_measures(frame),
            "brightness_range": list(self._brightness),
            "min_focus": self._min_focus,
        }
        low, high = self._brightness
        problems = []
        if not low <= measured["brightness_mean"] <= high:
            side = (
                "too dark (lens covered? lights off?)"
                if measured["brightness_mean"] < low
                else ("too bright (washed out)")
            )
            problems.append(f"brightness {measured['brightness_mean']:g} {side}")
        if measured["focus_laplacian_var"] < self._min_focus:
            problems.append(
                f"focus {measured['focus_laplacian_var']:g} below {self._min_focus:g} "
                "(blurred, dirty or covered lens)"
            )
        if problems:
            return Outcome(False, measured, "; ".join(problems))
        return Outcome(True, measured, "brightness and focus in range")


# ---- locker ------------------------------------------------------------------------------


class LockerStatusTest:
    """Every door's sensors read once; passes when none is unknown and the locker is ok."""

    def __init__(self, locker: Locker):
        self._locker = locker
        self.info = SelfTestInfo(locker.name, "status", False, "diag.test.locker.status")

    def run(self, ctx: SelfTestContext) -> Outcome:
        """See the class docstring."""
        try:
            doors = self._locker.read_doors()
        except LockerError as exc:
            return Outcome(False, {"health": _health_text(exc.health)}, str(exc))
        states = [doors[d].state if d in doors else DoorState.UNKNOWN for d in self._locker.doors]
        health = self._locker.health()
        measured = {
            "doors": len(states),
            "closed": states.count(DoorState.CLOSED),
            "open": [
                d for d, s in zip(self._locker.doors, states, strict=True) if s is DoorState.OPEN
            ],
            "unknown": states.count(DoorState.UNKNOWN),
            "items_present": sum(1 for s in doors.values() if s.item_present),
            "health": _health_text(health),
        }
        if measured["unknown"] or health.state is not HealthState.OK:
            detail = f"{measured['unknown']} doors unknown; locker {measured['health']}"
            return Outcome(False, measured, f"{detail} {health.detail}".rstrip())
        return Outcome(True, measured, f"all {len(states)} doors read; locker ok")


DoorFire = Callable[[int, SelfTestContext], Mapping[str, Any]]
"""Fires one door once (audited) and says what happened: ``{"fired": bool, "result",
"confirmed", "detail"}`` (``result``: ``ok``, ``still_locked`` or the failure's reason).

Raises:
    SelfTestRefusedError: the door may not be opened now (it has a case, a hand-over uses
        it, its sensors cannot vouch that it is empty); nothing was fired.
"""


AuditSink = Callable[[dict[str, Any]], None]
MaintenanceGate = Callable[[int, Callable[[], str]], tuple[bool, str, str]]
"""``gate(door, fire) -> (opened, reason, detail)``: fires only a door that holds no
document (:meth:`kiosk.core.handover.service.HandoverService.open_for_maintenance`)."""


def door_firer(locker: Locker, audit: AuditSink, gate: MaintenanceGate | None) -> DoorFire:
    """The :data:`DoorFire` of a kiosk: one audited open (``audit.locker_open``, the
    technician's open of :func:`kiosk.devices.locker.diag.open_door`), through the
    hand-over's maintenance gate when the kiosk has hand-overs."""

    def fire(door: int, ctx: SelfTestContext) -> Mapping[str, Any]:
        stages: list[dict[str, Any]] = []

        def record(data: dict[str, Any]) -> None:
            audit(data)
            stages.append(data)

        def once() -> str:
            return open_door(locker, door, record, actor=ctx.actor, via=ctx.via)

        if gate is None:
            once()
        else:
            opened, reason, detail = gate(door, once)
            if not opened:
                raise SelfTestRefusedError(reason, f"door {door} is not tested: {detail}")
        last = stages[-1] if stages else {}
        return {
            "fired": last.get("stage") == "unlock_sent",
            "result": last.get("result", ""),
            "confirmed": last.get("confirmed", ""),
            "detail": last.get("detail", ""),
        }

    return fire


class DoorCycleTest:
    """Door N: unlock once, wait for its sensor to read open, then closed again.

    A person (staff) pulls the door open and pushes it shut; the test waits for both.
    Nothing is re-fired: an unlock that does not open the door is a failed test.

    Args:
        locker: the locker (its sensors are read).
        door: the door number.
        fire: fires the door once (see :data:`DoorFire`).
        open_timeout_s, close_timeout_s, poll_s: waits and read interval.
    """

    def __init__(
        self,
        locker: Locker,
        door: int,
        fire: DoorFire,
        *,
        open_timeout_s: float = DOOR_OPEN_TIMEOUT_S,
        close_timeout_s: float = DOOR_CLOSE_TIMEOUT_S,
        poll_s: float = DOOR_POLL_S,
    ):
        self._locker = locker
        self.door = door
        self._fire = fire
        self._open_timeout_s = open_timeout_s
        self._close_timeout_s = close_timeout_s
        self._poll_s = poll_s
        self.info = SelfTestInfo(locker.name, f"door-{door}", True, "diag.test.locker.door")

    def _door_state(self) -> DoorState:
        try:
            status = self._locker.read_doors().get(self.door)
        except LockerError as exc:
            log.warning("door test %d: sensors not read: %s", self.door, exc)
            return DoorState.UNKNOWN
        return DoorState.UNKNOWN if status is None else status.state

    def _wait_state(
        self, wanted: DoorState, timeout_s: float, ctx: SelfTestContext
    ) -> float | None:
        started = ctx.monotonic()
        while True:
            if self._door_state() is wanted:
                return round(ctx.monotonic() - started, 3)
            if ctx.monotonic() - started >= timeout_s or ctx.cancelled.wait(self._poll_s):
                return None

    def run(self, ctx: SelfTestContext) -> Outcome:
        """See the class docstring."""
        device, name = self.info.device, self.info.name
        ctx.prompt(
            Prompt(
                device,
                name,
                PROMPT_OPEN_DOOR,
                "diag.prompt.open_door",
                door=self.door,
                timeout_s=self._open_timeout_s,
            )
        )
        try:
            fired = dict(self._fire(self.door, ctx))
            measured: dict[str, Any] = {
                "door": self.door,
                "unlock": fired.get("result", ""),
                "confirmed": fired.get("confirmed", ""),
                "opened_after_s": None,
                "closed_after_s": None,
            }
            if not fired.get("fired"):
                return Outcome(
                    False, measured, f"door {self.door} not opened: {fired.get('detail', '')}"
                )
            opened = self._wait_state(DoorState.OPEN, self._open_timeout_s, ctx)
            measured["opened_after_s"] = opened
            if opened is None:
                return Outcome(
                    False,
                    measured,
                    f"door {self.door} did not read open within {self._open_timeout_s:g} s of "
                    "its unlock (jammed latch, lock not wired, or the door was not pulled)",
                )
            ctx.prompt(
                Prompt(
                    device,
                    name,
                    PROMPT_CLOSE_DOOR,
                    "diag.prompt.close_door",
                    door=self.door,
                    timeout_s=self._close_timeout_s,
                )
            )
            closed = self._wait_state(DoorState.CLOSED, self._close_timeout_s, ctx)
            measured["closed_after_s"] = closed
            if closed is None:
                return Outcome(
                    False,
                    measured,
                    f"door {self.door} opened but did not read closed within "
                    f"{self._close_timeout_s:g} s: push it shut and check its sensor",
                )
            return Outcome(True, measured, f"door {self.door} opened and closed again")
        finally:
            ctx.prompt(None)


# ---- camera mount ------------------------------------------------------------------------


class MountHomingTest:
    """Home the camera mount: down to the limit switch and back; passes when homed and ok.

    Args:
        mount: the camera mount.
        timeout_s: how long homing may take at most.
    """

    def __init__(self, mount: CameraMount, *, timeout_s: float = 60.0):
        self._mount = mount
        self._timeout_s = timeout_s
        self.info = SelfTestInfo(mount.name, "home", False, "diag.test.camera_mount.home")

    def run(self, ctx: SelfTestContext) -> Outcome:
        """See the class docstring."""
        started = ctx.monotonic()
        self._mount.home()
        idle = self._mount.wait_idle(self._timeout_s)
        health = self._mount.health
        measured = {
            "homed": self._mount.homed,
            "position_mm": round(self._mount.position_mm, 1),
            "took_s": round(ctx.monotonic() - started, 3),
            "health": _health_text(health),
        }
        if not idle:
            self._mount.stop()
            return Outcome(False, measured, f"homing still running after {self._timeout_s:g} s")
        if not self._mount.homed or health.state is not HealthState.OK:
            return Outcome(False, measured, f"not homed: {measured['health']} {health.detail}")
        return Outcome(True, measured, "homed: the limit switch was found")


__all__ = [
    "BRIGHTNESS_RANGE",
    "MIN_FOCUS",
    "PROMPT_CLOSE_DOOR",
    "PROMPT_OPEN_DOOR",
    "PROMPT_SCAN",
    "CameraFrameTest",
    "CodeTap",
    "DoorCycleTest",
    "DoorFire",
    "LockerStatusTest",
    "MountHomingTest",
    "Outcome",
    "PrinterPrintTest",
    "Prompt",
    "PromptListener",
    "ScannerEchoTest",
    "SelfTest",
    "SelfTestContext",
    "SelfTestRefusedError",
    "door_firer",
    "echo_payload",
    "frame_measures",
]
