"""The camera simulator: a ``VideoCapture`` stand-in that films a scripted scene or photographs.

:meth:`CameraSimulator.open_capture` is a drop-in for ``cv2.VideoCapture(device)``: the driver
(:class:`~kiosk.devices.camera.opencv_camera.OpenCvCamera`) gets it as its ``capture_factory``
and cannot tell it from a camera. It answers ``isOpened``, ``read`` (``(False, None)`` while
the camera is unplugged, as OpenCV does), ``set``/``get`` of the frame size (a still request
renders at the larger size) and ``release``.

Frames come from a :data:`SESSION` script of :class:`Shot` steps (the booth empty, a person
stepping in from the side, coming closer, tilting, closing the eyes, a dark, an overexposed
and a blurred stretch, the camera dropping out, and a good pose), or from photographs (a
folder) or a video file, or from one :class:`~simulators.camera.scene.Scene` set by hand.
Control calls for tests and the command line: :meth:`unplug`, :meth:`plug`, :meth:`hold`
(freeze on one shot), :meth:`at_next_still`, :meth:`move_camera`, :meth:`follow_script`.
Every frame served is counted in :attr:`frames_served`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from simulators.camera import photo_person
from simulators.camera.scene import Image, Person, Scene, render

logger = logging.getLogger(__name__)

PREVIEW_WIDTH = 1280  # a frame wider than this is a still
BASE_HEIGHT = 720  # scene people are placed for a 1280x720 frame and scaled to the frame size
# The scene as the camera sees it from its reference height; a camera raised by 1 mm sees the
# person 1.4 px lower in a 1280x720 frame (a 230 mm head fills 324 px at the booth's distance).
PX_PER_MM = 1.4


@dataclass(frozen=True)
class Shot:
    """One step of the script.

    Attributes:
        name: what happens (``step_in``, ``tilt``…).
        frames: how many frames it lasts.
        people: people at the start of the step (positions for a 1280x720 frame).
        people_end: people at the end (moved linearly); None = no movement.
        gain: brightness.
        blur_sigma: focus blur.
        dropout: True = the camera gives no frames during this step.
    """

    name: str
    frames: int
    people: tuple[Person, ...] = ()
    people_end: tuple[Person, ...] | None = None
    gain: float = 1.0
    blur_sigma: float = 0.0
    dropout: bool = False


# The script films the real photographed person (scikit-image's astronaut) when the sim extra
# is installed, else a drawn one.
LOOK = "photo" if photo_person.available() else "drawn"
_GOOD = Person(cx=640, cy=330, scale=1.2, look=LOOK)
SESSION: tuple[Shot, ...] = (
    Shot("empty", 20),
    Shot("step_in", 20, (replace(_GOOD, cx=-150, scale=0.7),), (replace(_GOOD, scale=0.7),)),
    Shot("come_closer", 20, (replace(_GOOD, scale=0.7),), (_GOOD,)),
    Shot("off_centre", 10, (replace(_GOOD, cx=400),)),
    Shot("tilt", 10, (replace(_GOOD, roll_deg=9),)),
    Shot("eyes_closed", 10, (replace(_GOOD, eyes_open=False),)),
    Shot("good", 30, (_GOOD,)),
    Shot("dark", 10, (_GOOD,), gain=0.3),
    Shot("overexposed", 10, (_GOOD,), gain=2.3),
    Shot("blurred", 10, (_GOOD,), blur_sigma=5.0),
    Shot("dropout", 15, dropout=True),
    Shot("two_people", 10, (replace(_GOOD, cx=380, scale=0.8), replace(_GOOD, cx=900, scale=0.8))),
    Shot("good_again", 30, (_GOOD,)),
)


def _lerp(a: Person, b: Person, t: float) -> Person:
    return replace(
        a,
        cx=a.cx + (b.cx - a.cx) * t,
        cy=a.cy + (b.cy - a.cy) * t,
        scale=a.scale + (b.scale - a.scale) * t,
        roll_deg=a.roll_deg + (b.roll_deg - a.roll_deg) * t,
    )


def _fit(person: Person, width: int, height: int) -> Person:
    """A person placed for 1280x720 moved to a ``width`` x ``height`` frame."""
    k = height / BASE_HEIGHT
    return replace(
        person, cx=width / 2 + (person.cx - 640) * k, cy=person.cy * k, scale=person.scale * k
    )


class CameraSimulator:
    """See the module docstring.

    Args:
        script: the shots to play (looping); default :data:`SESSION`.
        photos: a folder of photographs to show instead of the script (looping).
        video: a video file to play instead of the script (looping; any format OpenCV's
            FFmpeg reads, e.g. one written by ``kiosk sim camera --video``).
        seed: noise seed.
    """

    def __init__(
        self,
        script: tuple[Shot, ...] = SESSION,
        *,
        photos: Path | None = None,
        video: Path | None = None,
        seed: int = 0,
    ) -> None:
        self.script = script
        self.photos = sorted(p for p in photos.iterdir() if p.is_file()) if photos else []
        self.video = video
        self._video: Any = None
        self.seed = seed
        self.frames_served = 0
        self.captures_opened = 0
        self._lock = threading.Lock()
        self._plugged = True
        self._frame_index = 0
        self._held: Shot | None = None
        self._camera_offset_mm = 0.0
        self._still_shot: Shot | None = None
        self._in_still = False

    # -- control API ---------------------------------------------------------------------------

    def unplug(self) -> None:
        """The camera drops out: reads fail and it cannot be opened."""
        with self._lock:
            self._plugged = False

    def plug(self) -> None:
        """The camera is back."""
        with self._lock:
            self._plugged = True

    @property
    def plugged(self) -> bool:
        """True while the camera is plugged in."""
        return self._plugged

    def hold(self, shot: Shot) -> None:
        """Show ``shot`` (its first frame's scene) until :meth:`follow_script`."""
        with self._lock:
            self._held = shot

    def at_next_still(self, shot: Shot) -> None:
        """The next still (frames wider than :data:`PREVIEW_WIDTH`, until the preview size
        comes back) shows ``shot``: a blink or a turn of the head just as the shutter goes."""
        with self._lock:
            self._still_shot = shot

    def follow_script(self) -> None:
        """Play the script again from where it was."""
        with self._lock:
            self._held = None

    def move_camera(self, offset_mm: float) -> None:
        """The camera is now ``offset_mm`` above its reference height (negative = below).

        A motorised mount (its simulator) calls this as it moves: the scene pans, the people
        appear ``offset_mm * PX_PER_MM`` px lower in a 720-line frame for every mm up.
        """
        with self._lock:
            self._camera_offset_mm = float(offset_mm)

    @property
    def camera_offset_mm(self) -> float:
        """How far above its reference height the camera is (mm)."""
        return self._camera_offset_mm

    def shot_at(self, index: int) -> tuple[Shot, float]:
        """The shot playing at frame ``index`` and how far into it (0..1)."""
        total = sum(s.frames for s in self.script)
        index %= max(1, total)
        for shot in self.script:
            if index < shot.frames:
                return shot, index / max(1, shot.frames - 1)
            index -= shot.frames
        return self.script[-1], 1.0

    # -- frames ----------------------------------------------------------------------------------

    def render_frame(self, width: int, height: int) -> Image | None:
        """The next frame at ``width`` x ``height``; None during a dropout or when unplugged."""
        with self._lock:
            if not self._plugged:
                return None
            index = self._frame_index
            self._frame_index += 1
            held = self._held
            if self._still_shot is not None:
                if width > PREVIEW_WIDTH:
                    held = self._still_shot
                    self._in_still = True
                elif self._in_still:
                    self._still_shot, self._in_still = None, False
            pan_px = self._camera_offset_mm * PX_PER_MM
        if self.video is not None:
            return self._video_frame(width, height)
        if self.photos:
            image = cv2.imread(str(self.photos[index % len(self.photos)]), cv2.IMREAD_COLOR)
            if image is None:
                return None
            self.frames_served += 1
            return np.asarray(cv2.resize(image, (width, height)), dtype=np.uint8)
        shot, t = (held, 0.0) if held is not None else self.shot_at(index)
        if shot.dropout:
            return None
        people = shot.people
        if shot.people_end is not None:
            people = tuple(
                _lerp(a, b, t) for a, b in zip(shot.people, shot.people_end, strict=True)
            )
        scene = Scene(
            width=width,
            height=height,
            people=tuple(_fit(replace(p, cy=p.cy + pan_px), width, height) for p in people),
            gain=shot.gain,
            blur_sigma=shot.blur_sigma * height / BASE_HEIGHT,
            seed=self.seed + index,
        )
        self.frames_served += 1
        return render(scene)

    def _video_frame(self, width: int, height: int) -> Image | None:
        with self._lock:
            if self._video is None:
                self._video = cv2.VideoCapture(str(self.video))
            ok, image = self._video.read()
            if not ok:  # the end: loop
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._video.read()
        if not ok or image is None:
            logger.warning("camera simulator: no frame from video %s", self.video)
            return None
        self.frames_served += 1
        return np.asarray(cv2.resize(image, (width, height)), dtype=np.uint8)

    def open_capture(self, device: int | str = 0) -> SimulatedCapture:
        """A ``cv2.VideoCapture`` stand-in (pass as the driver's ``capture_factory``)."""
        self.captures_opened += 1
        return SimulatedCapture(self, opened=self._plugged)


class SimulatedCapture:
    """What ``cv2.VideoCapture`` would be for the simulated camera."""

    def __init__(self, simulator: CameraSimulator, *, opened: bool) -> None:
        self._sim = simulator
        self._opened = opened
        self._size = [1280, 720]

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        """True when the camera was plugged in at open and not released."""
        return self._opened

    def read(self) -> tuple[bool, Any]:
        """``(True, frame)``, or ``(False, None)`` when released, unplugged or dropping out."""
        if not self._opened:
            return False, None
        frame = self._sim.render_frame(self._size[0], self._size[1])
        return (frame is not None), frame

    def set(self, prop: int, value: float) -> bool:
        """Frame width and height are honoured (up to 4056x3040), other properties ignored."""
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            self._size[0] = int(min(max(value, 160), 4056))
            return True
        if prop == cv2.CAP_PROP_FRAME_HEIGHT:
            self._size[1] = int(min(max(value, 120), 3040))
            return True
        return False

    def get(self, prop: int) -> float:
        """Frame width/height; 0 for anything else (as OpenCV answers unknown properties)."""
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            return float(self._size[0])
        if prop == cv2.CAP_PROP_FRAME_HEIGHT:
            return float(self._size[1])
        return 0.0

    def release(self) -> None:
        """Close the capture."""
        self._opened = False
