"""Camera height: bring the citizen's eyes into the guidance band by moving the camera.

With a motorised mount (:mod:`kiosk.devices.camera_mount`) nobody should be asked to crouch
or stretch: a child or a person in a wheelchair whose eyes sit low in the frame ("move up")
is met by the camera going down, a tall person's ("move down") by it going up.

:class:`EyeLevelController` is the decision, pure logic with no clock or device of its own:
it is fed one :class:`EyeSighting` per preview frame and the mount's :class:`MountView`, and
answers an :class:`EyeLevelDecision` (where to go, if anywhere, and whether the camera is
adjusting for the person). Its rules:

- it acts only on one face whose eye line has been outside the band (or whose crop asks for
  "up"/"down") for ``steady_frames`` frames in a row, spread less than ``steady_spread``: a
  person walking in or bobbing moves nothing;
- it aims at the band's middle (hysteresis: it triggers at the band's edges, so a person
  who lands near the middle does not set it off again), computed with ``shift_per_mm``
  (how far the eye line moves in the frame per mm of camera travel), clamped to the travel;
  corrections under ``min_move_mm`` are not made (dead band);
- frames while the mount moves, and ``settle_frames`` after, are not used (the camera's
  frame pipeline lags the motor);
- never while held: the session holds it for the countdown and the still;
- nobody in front of the camera for ``return_after_s``: back to ``default_mm``.

A camera raised by 1 mm sees the person lower in the frame: the eye line's share of the frame
height grows by ``shift_per_mm`` (1.4 px in 720 lines at the booth's distance).

:class:`CameraHeightGuide` is the glue the photo booth uses on its preview thread: a
:class:`~kiosk.core.photo.guidance.PhotoGuide` whose advice feeds the controller, which moves
the mount, and whose "move up/down" (and "ok" while the camera still travels) becomes
``photo.guide.camera_moving``. No gpiozero or Qt here: the mount is the device Protocol.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from kiosk.core.photo.detect import FaceDetector, Image
from kiosk.core.photo.guidance import (
    MESSAGE_IDS,
    Guidance,
    GuidanceSettings,
    GuidanceState,
    PhotoGuide,
)
from kiosk.core.photo.rules import RuleSet
from kiosk.devices.camera_mount.protocol import CameraMount, CameraMountError
from kiosk.devices.health import HealthState

logger = logging.getLogger(__name__)

CAMERA_MOVING = "photo.guide.camera_moving"
MOVE_UP = "move_up"  # the eyes should go up in the frame: the camera goes down
MOVE_DOWN = "move_down"
_ADVICE_BY_MESSAGE = {MESSAGE_IDS[MOVE_UP]: MOVE_UP, MESSAGE_IDS[MOVE_DOWN]: MOVE_DOWN}


@dataclass(frozen=True)
class EyeLevelSettings:
    """How the camera follows the eyes (config ``[photo.mount]``).

    Attributes:
        band: the eye line's band, share of the frame height (the guidance's
            ``vertical_band``).
        target: where in the frame the eye line is aimed; None = the band's middle.
        shift_per_mm: how far the eye line moves (share of the frame height) per mm the
            camera is raised.
        steady_frames: frames in a row the face must be seen, out of place, before a move.
        steady_spread: the eye line may wander this much (share of the height) over them.
        min_move_mm: dead band: smaller corrections are not made.
        settle_frames: frames ignored after the mount stopped.
        crop_step: eye-line shift made when the crop (not the band) asks for up/down.
        default_mm: the height the camera returns to when nobody is there.
        return_after_s: nobody there for this long: back to ``default_mm``.
    """

    band: tuple[float, float] = GuidanceSettings().vertical_band
    target: float | None = None
    shift_per_mm: float = 1.4 / 720
    steady_frames: int = 4
    steady_spread: float = 0.04
    min_move_mm: float = 4.0
    settle_frames: int = 2
    crop_step: float = 0.04
    default_mm: float = 250.0
    return_after_s: float = 8.0

    @property
    def aim(self) -> float:
        """Where the eye line is aimed (share of the frame height)."""
        return self.target if self.target is not None else (self.band[0] + self.band[1]) / 2


@dataclass(frozen=True)
class EyeSighting:
    """What one preview frame showed.

    Attributes:
        faces: faces found.
        eye_y: the eye line, share of the frame height from the top (None without one face).
        advice: ``move_up`` / ``move_down`` when the guidance asked for it, else None.
    """

    faces: int
    eye_y: float | None = None
    advice: str | None = None


@dataclass(frozen=True)
class MountView:
    """The mount as the controller sees it.

    Attributes:
        position_mm: where it is.
        moving: True while it travels.
        usable: homed and healthy.
        limits: the soft limits ``(lowest, highest)``.
    """

    position_mm: float
    moving: bool
    usable: bool
    limits: tuple[float, float]


@dataclass(frozen=True)
class EyeLevelDecision:
    """The controller's answer for one frame.

    Attributes:
        target_mm: where the mount should go now (None: leave it).
        adjusting: True while the camera moves (or is about to) for the person in front of
            it: the screen says so instead of asking them to move up or down.
        reason: why (``aim``, ``steadying``, ``moving``, ``settling``, ``in_band``,
            ``at_limit``, ``dead_band``, ``held``, ``nobody``, ``return_default``, ``not_one_face``,
            ``unavailable``), for logs and tests.
    """

    target_mm: float | None
    adjusting: bool
    reason: str


class EyeLevelController:
    """Decides the camera height from successive sightings (see the module docstring).

    Thread-safe: the preview thread observes, the session holds and releases.
    """

    def __init__(self, settings: EyeLevelSettings | None = None) -> None:
        self.settings = settings or EyeLevelSettings()
        s = self.settings
        if s.shift_per_mm <= 0 or s.steady_frames < 1 or not 0 < s.band[0] < s.band[1] < 1:
            raise ValueError(f"eye level: settings out of range: {s}")
        self._lock = threading.Lock()
        self._window: deque[float] = deque(maxlen=s.steady_frames)
        self._held = 0
        self._settle = 0
        self._for_person = False  # the current (or last) move was made for a person
        self._empty_since: float | None = None
        self._returned = True  # nothing to return from at start

    def hold(self) -> None:
        """No new moves until :meth:`release` (countdown, still); nestable."""
        with self._lock:
            self._held += 1
            self._window.clear()

    def release(self) -> None:
        """Undo one :meth:`hold`."""
        with self._lock:
            self._held = max(0, self._held - 1)

    @property
    def held(self) -> bool:
        """True while held."""
        with self._lock:
            return self._held > 0

    def observe(self, sighting: EyeSighting, mount: MountView, now: float) -> EyeLevelDecision:
        """The decision for one frame (``now`` in monotonic seconds)."""
        with self._lock:
            return self._observe(sighting, mount, now)

    def _observe(self, seen: EyeSighting, mount: MountView, now: float) -> EyeLevelDecision:
        s = self.settings
        if not mount.usable:
            self._reset()
            return EyeLevelDecision(None, False, "unavailable")
        if mount.moving:
            self._window.clear()
            self._settle = s.settle_frames
            return EyeLevelDecision(None, self._for_person, "moving")
        if self._settle > 0:
            self._settle -= 1
            return EyeLevelDecision(None, self._for_person, "settling")
        if self._held:
            self._window.clear()
            return EyeLevelDecision(None, False, "held")
        if seen.faces == 0:
            return self._nobody(mount, now)
        self._empty_since = None
        self._returned = False
        if seen.faces > 1 or seen.eye_y is None:
            self._window.clear()
            self._for_person = False
            return EyeLevelDecision(None, False, "not_one_face")
        self._window.append(seen.eye_y)
        eye = statistics.median(self._window)
        low, high = s.band
        if eye < low or eye > high:
            wanted = s.aim - eye
        elif seen.advice in (MOVE_UP, MOVE_DOWN):
            # The band is met but the crop lacks room above or below the head.
            wanted = -s.crop_step if seen.advice == MOVE_UP else s.crop_step
            if not low <= eye + wanted <= high:
                self._for_person = False
                return EyeLevelDecision(None, False, "at_limit")
        else:
            self._for_person = False
            return EyeLevelDecision(None, False, "in_band")
        goal = min(
            mount.limits[1], max(mount.limits[0], mount.position_mm + wanted / s.shift_per_mm)
        )
        if abs(goal - mount.position_mm) < s.min_move_mm:
            self._for_person = False
            small = abs(wanted / s.shift_per_mm) < s.min_move_mm
            return EyeLevelDecision(None, False, "dead_band" if small else "at_limit")
        if len(self._window) < s.steady_frames or max(self._window) - min(self._window) > (
            s.steady_spread
        ):
            return EyeLevelDecision(None, True, "steadying")
        self._window.clear()
        self._for_person = True
        self._settle = s.settle_frames
        return EyeLevelDecision(goal, True, "aim")

    def _nobody(self, mount: MountView, now: float) -> EyeLevelDecision:
        s = self.settings
        self._window.clear()
        self._for_person = False
        if self._empty_since is None:
            self._empty_since = now
        if self._returned or now - self._empty_since < s.return_after_s:
            return EyeLevelDecision(None, False, "nobody")
        self._returned = True
        goal = min(mount.limits[1], max(mount.limits[0], s.default_mm))
        if abs(goal - mount.position_mm) < s.min_move_mm:
            return EyeLevelDecision(None, False, "nobody")
        self._settle = s.settle_frames
        return EyeLevelDecision(goal, False, "return_default")

    def _reset(self) -> None:
        self._window.clear()
        self._settle = 0
        self._for_person = False


def sighting_from(guidance: Guidance, frame_height: int) -> EyeSighting:
    """The controller's view of one frame's guidance."""
    geometry = guidance.geometry
    eye = None
    if guidance.faces == 1 and geometry is not None and frame_height > 0:
        eye = geometry.eye_y / frame_height
    return EyeSighting(guidance.faces, eye, _ADVICE_BY_MESSAGE.get(guidance.message_id))


def mount_view(mount: CameraMount) -> MountView:
    """A snapshot of the mount for the controller."""
    usable = mount.homed and mount.health.state is HealthState.OK
    return MountView(mount.position_mm, mount.moving, usable, mount.limits)


class CameraHeightGuide(PhotoGuide):
    """A :class:`PhotoGuide` that moves the camera to the eyes instead of asking the person.

    Use on one thread (the preview's), like :class:`PhotoGuide`.

    Args:
        detector: the face detector.
        settings: where the head must be.
        rule_set: the rule set (see :class:`PhotoGuide`).
        mount: the camera mount.
        controller: the booth's controller (shared with the session, which holds it).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        detector: FaceDetector,
        settings: GuidanceSettings | None,
        rule_set: RuleSet | None,
        *,
        mount: CameraMount,
        controller: EyeLevelController,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(detector, settings, rule_set)
        self.mount = mount
        self.controller = controller
        self._clock = clock
        self.last_decision: EyeLevelDecision | None = None

    def advise(self, frame: Image) -> Guidance:
        """The advice for one frame, after moving the camera if the eyes need it."""
        guidance = super().advise(frame)
        decision = self.controller.observe(
            sighting_from(guidance, int(frame.shape[0])), mount_view(self.mount), self._clock()
        )
        if decision.target_mm is not None:
            try:
                self.mount.move_to(decision.target_mm)
                logger.info(
                    "camera height: %s to %.0f mm (from %.0f mm)",
                    decision.reason,
                    decision.target_mm,
                    self.mount.position_mm,
                )
            except CameraMountError as exc:
                # The driver has reported its health; the person gets the plain advice.
                logger.warning("camera height: move refused: %s (%s)", exc, exc.health.reason)
                decision = EyeLevelDecision(None, False, "unavailable")
        self.last_decision = decision
        if decision.adjusting and (
            guidance.message_id in _ADVICE_BY_MESSAGE or guidance.state is GuidanceState.OK
        ):
            # NOTE: never "ok" while the camera travels: the countdown must not start.
            return replace(guidance, state=GuidanceState.CAMERA_MOVING, message_id=CAMERA_MOVING)
        return guidance
