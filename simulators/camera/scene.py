"""Generated portrait scenes: a drawn person in front of a backdrop, with the ground truth.

A person is either drawn (``look="drawn"``: made for OpenCV's Haar cascades to see a face and
two eyes in it, with human proportions, in any skin tone and hair colour) or a real
photograph (``look="photo"``: scikit-image's ``astronaut`` portrait cut out of its backdrop,
:mod:`simulators.camera.photo_person`). Every scene returns where the crown, the chin, the eye
centres and the sides of the head really are, so the detector's measurements can be compared
with the truth.

A :class:`Person` is placed by its face centre and a scale (1.0 = a head 270 px tall, crown to
chin, in a 1280x720 frame); :class:`Scene` adds the backdrop (plain or busy), the light (gain,
left/right gradient), focus blur and sensor noise. Scenes are reproducible from their seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt

from simulators.camera import real_faces

Image = npt.NDArray[np.uint8]
Point = tuple[float, float]

# Head geometry in units of the scale (px at scale 1.0), measured from the face centre.
CROWN_DY = -145.0  # top of the hair
CHIN_DY = 125.0
EYE_DY = -15.0
EYE_DX = 38.0
HEAD_HALF_WIDTH = 109.0  # outer edge of the ears
HEAD_HEIGHT = CHIN_DY - CROWN_DY  # 270 px at scale 1.0

PALE_BACKDROP = (232, 228, 225)  # BGR, a light grey-blue
SKIN_TONES = ((150, 175, 215), (120, 150, 200), (95, 125, 170), (170, 195, 230))
HAIR_COLOURS = ((40, 45, 55), (25, 25, 30), (60, 90, 130), (150, 150, 155))


@dataclass(frozen=True)
class Person:
    """A drawn person.

    Attributes:
        cx: face centre, x in px of the frame.
        cy: face centre, y in px.
        scale: 1.0 = a head 270 px tall (crown to chin).
        roll_deg: head tilt, counter-clockwise as seen in the image (positive = the person's
            head leans to the image's left).
        eyes_open: False draws closed lids.
        skin: BGR skin tone.
        hair: BGR hair colour.
        look: ``"drawn"`` or ``"photo"`` (the real photograph; skin and hair are its own);
            ``"photo:obama"``, ``"photo:biden"``: another real face
            (:data:`simulators.camera.real_faces.FACES`).
    """

    cx: float = 640.0
    cy: float = 360.0
    scale: float = 1.0
    roll_deg: float = 0.0
    eyes_open: bool = True
    skin: tuple[int, int, int] = SKIN_TONES[0]
    hair: tuple[int, int, int] = HAIR_COLOURS[0]
    look: str = "drawn"


@dataclass(frozen=True)
class PersonTruth:
    """Where a drawn person's features really are in the frame (px).

    Attributes:
        crown: top of the head (hair).
        chin: bottom of the chin.
        left_eye: centre of the eye on the image's left.
        right_eye: centre of the eye on the image's right.
        head_left: x of the head's left edge (ear) at eye height, before rotation.
        head_right: x of the head's right edge.
        roll_deg: the tilt the eye line shows (:func:`eye_line_roll_deg`: positive when the
            eye on the image's right is lower).
        face_left: x of the face outline's left end at eye height (real faces only).
        face_right: x of its right end.
    """

    crown: Point
    chin: Point
    left_eye: Point
    right_eye: Point
    head_left: float
    head_right: float
    roll_deg: float
    face_left: float | None = None
    face_right: float | None = None

    @property
    def head_height(self) -> float:
        """Crown to chin distance in px."""
        return math.dist(self.crown, self.chin)


def eye_line_roll_deg(left_eye: Point, right_eye: Point) -> float:
    """The roll the eye line shows: degrees, positive when the right eye is lower in the image."""
    return math.degrees(math.atan2(right_eye[1] - left_eye[1], right_eye[0] - left_eye[0]))


@dataclass(frozen=True)
class Scene:
    """A frame to render: backdrop, people, light and optics.

    Attributes:
        width: frame width in px.
        height: frame height in px.
        people: the people in the frame (none for an empty booth).
        backdrop: BGR colour of the plain backdrop.
        busy: True draws a cluttered backdrop (shelves, posters, lines).
        gain: brightness multiplier (0.3 dark, 1.0 normal, 2.0 overexposed).
        side_light: light gradient across the frame: -0.5 darkens the left half's far edge by
            50 %, +0.5 the right one.
        blur_sigma: focus blur in px (0 = sharp).
        noise_sigma: sensor noise, grey levels.
        seed: random seed for texture, clutter and noise.
    """

    width: int = 1280
    height: int = 720
    people: tuple[Person, ...] = field(default_factory=lambda: (Person(),))
    backdrop: tuple[int, int, int] = PALE_BACKDROP
    busy: bool = False
    gain: float = 1.0
    side_light: float = 0.0
    blur_sigma: float = 0.0
    noise_sigma: float = 1.5
    seed: int = 0


def _pt(cx: float, cy: float, s: float, dx: float, dy: float) -> tuple[int, int]:
    return round(cx + dx * s), round(cy + dy * s)


def _ax(s: float, a: float, b: float) -> tuple[int, int]:
    return max(1, round(a * s)), max(1, round(b * s))


def _draw_busy_backdrop(img: Image, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    for _ in range(60):
        colour = tuple(int(c) for c in rng.integers(20, 235, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            cv2.rectangle(
                img,
                (x, y),
                (x + int(rng.integers(20, 200)), y + int(rng.integers(20, 200))),
                colour,
                -1,
            )
        elif kind == 1:
            cv2.line(
                img,
                (x, y),
                (int(rng.integers(0, w)), int(rng.integers(0, h))),
                colour,
                int(rng.integers(2, 8)),
            )
        else:
            cv2.putText(img, "OPEN 9-17", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, colour, 3)


def _draw_person(layer: Image, p: Person, rng: np.random.Generator) -> None:
    s, cx, cy = p.scale, p.cx, p.cy
    shirt = (90, 70, 60)
    neck = tuple(max(0, c - 20) for c in p.skin)
    cv2.ellipse(layer, _pt(cx, cy, s, 0, CHIN_DY + 190), _ax(s, 260, 170), 0, 180, 360, shirt, -1)
    cv2.rectangle(layer, _pt(cx, cy, s, -40, 80), _pt(cx, cy, s, 40, CHIN_DY + 40), neck, -1)
    cv2.ellipse(layer, _pt(cx, cy, s, 0, -15), _ax(s, 107, 130), 0, 180, 360, p.hair, -1)
    cv2.ellipse(layer, _pt(cx, cy, s, 0, 0), _ax(s, 95, CHIN_DY), 0, 0, 360, p.skin, -1)
    for sx in (-1, 1):
        ear = tuple(max(0, c - 10) for c in p.skin)
        cv2.ellipse(layer, _pt(cx, cy, s, sx * 97, 5), _ax(s, 12, 24), 0, 0, 360, ear, -1)
    cv2.ellipse(layer, _pt(cx, cy, s, 0, -60), _ax(s, 100, 65), 0, 180, 360, p.hair, -1)
    # Skin texture: real skin is not flat, and the sharpness check measures texture.
    texture = rng.normal(0.0, 7.0, layer.shape[:2]).astype(np.float32)
    mask = np.zeros(layer.shape[:2], np.uint8)
    cv2.ellipse(mask, _pt(cx, cy, s, 0, 0), _ax(s, 95, CHIN_DY), 0, 0, 360, 255, -1)
    skin_px = mask > 0
    for channel in range(3):
        plane = layer[:, :, channel].astype(np.float32)
        plane[skin_px] += texture[skin_px]
        layer[:, :, channel] = np.clip(plane, 0, 255).astype(np.uint8)
    socket = tuple(max(0, c - 30) for c in p.skin)
    for sx in (-1, 1):
        ex, ey = _pt(cx, cy, s, sx * EYE_DX, EYE_DY)
        cv2.ellipse(
            layer,
            _pt(cx, cy, s, sx * EYE_DX, EYE_DY - 22),
            _ax(s, 24, 6),
            0,
            0,
            360,
            (50, 55, 65),
            -1,
        )
        cv2.ellipse(layer, (ex, ey), _ax(s, 24, 14), 0, 0, 360, socket, -1)
        if p.eyes_open:
            cv2.ellipse(layer, (ex, ey), _ax(s, 17, 8), 0, 0, 360, (235, 235, 235), -1)
            cv2.circle(layer, (ex, ey), max(1, round(7 * s)), (40, 30, 25), -1)
        else:
            cv2.line(
                layer,
                _pt(cx, cy, s, sx * EYE_DX - 16, EYE_DY + 1),
                _pt(cx, cy, s, sx * EYE_DX + 16, EYE_DY + 1),
                (60, 70, 90),
                max(1, round(2 * s)),
            )
    nose = tuple(max(0, c - 30) for c in p.skin)
    cv2.ellipse(layer, _pt(cx, cy, s, 0, 30), _ax(s, 14, 8), 0, 0, 360, nose, -1)
    cv2.ellipse(layer, _pt(cx, cy, s, 0, 65), _ax(s, 28, 7), 0, 0, 360, (90, 90, 160), -1)


def _photo_name(p: Person) -> str:
    """The real face a ``look`` names: ``photo`` is the astronaut, ``photo:obama`` another."""
    return p.look.partition(":")[2] or "astronaut"


def _photo_placement(p: Person) -> npt.NDArray[np.float64]:
    return real_faces.placement(
        _photo_name(p), p.cx, p.cy, HEAD_HEIGHT * p.scale, p.roll_deg, -CROWN_DY / HEAD_HEIGHT
    )


def _photo_truth(p: Person) -> PersonTruth:
    m = _photo_placement(p)
    marks = real_faces.frame_marks(_photo_name(p), m)
    return PersonTruth(
        crown=marks["crown"],
        chin=marks["chin"],
        left_eye=marks["left_eye"],
        right_eye=marks["right_eye"],
        head_left=marks["head_left"][0],
        head_right=marks["head_right"][0],
        roll_deg=eye_line_roll_deg(marks["left_eye"], marks["right_eye"]),
        face_left=marks["face_left"][0],
        face_right=marks["face_right"][0],
    )


def person_truth(p: Person) -> PersonTruth:
    """Where ``p``'s crown, chin, eyes and head sides are in the rendered frame."""
    if p.look.startswith("photo"):
        return _photo_truth(p)
    s = p.scale
    angle = math.radians(p.roll_deg)
    cos, sin = math.cos(angle), math.sin(angle)

    def rotate(dx: float, dy: float) -> Point:
        # cv2.getRotationMatrix2D turns counter-clockwise (as seen) for a positive angle.
        x, y = dx * s, dy * s
        return (p.cx + x * cos + y * sin, p.cy - x * sin + y * cos)

    left, right = rotate(-EYE_DX, EYE_DY), rotate(EYE_DX, EYE_DY)
    return PersonTruth(
        crown=rotate(0, CROWN_DY),
        chin=rotate(0, CHIN_DY),
        left_eye=left,
        right_eye=right,
        head_left=p.cx - HEAD_HALF_WIDTH * s,
        head_right=p.cx + HEAD_HALF_WIDTH * s,
        roll_deg=eye_line_roll_deg(left, right),
    )


def render(scene: Scene) -> Image:
    """Draw ``scene`` as a BGR frame."""
    rng = np.random.default_rng(scene.seed)
    img = np.empty((scene.height, scene.width, 3), np.uint8)
    img[:] = scene.backdrop
    if scene.busy:
        _draw_busy_backdrop(img, rng)
    for person in scene.people:
        if person.look.startswith("photo"):
            real_faces.composite(
                img, _photo_name(person), _photo_placement(person), eyes_open=person.eyes_open
            )
            continue
        layer = img.copy()
        _draw_person(layer, person, rng)
        # NOTE: a light optical blur even when "sharp": real lenses do not draw hard edges,
        # and the Haar cascades were trained on photographs.
        layer = np.asarray(cv2.GaussianBlur(layer, (0, 0), 1.0), dtype=np.uint8)
        if person.roll_deg:
            m = cv2.getRotationMatrix2D((person.cx, person.cy), person.roll_deg, 1.0)
            mask = np.zeros(img.shape[:2], np.uint8)
            cv2.ellipse(
                mask,
                (round(person.cx), round(person.cy + 60 * person.scale)),
                _ax(person.scale, 300, 340),
                0,
                0,
                360,
                255,
                -1,
            )
            layer = np.asarray(
                cv2.warpAffine(
                    layer, m, (scene.width, scene.height), borderMode=cv2.BORDER_REPLICATE
                ),
                dtype=np.uint8,
            )
            mask = np.asarray(cv2.warpAffine(mask, m, (scene.width, scene.height)), np.uint8)
            img = np.where(mask[:, :, None] > 0, layer, img).astype(np.uint8)
        else:
            img = layer
    out = img.astype(np.float32)
    if scene.side_light:
        ramp = np.linspace(-1.0, 1.0, scene.width, dtype=np.float32)
        out *= (1.0 + scene.side_light * ramp)[None, :, None]
    out *= scene.gain
    if scene.blur_sigma > 0:
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), scene.blur_sigma), dtype=np.float32)
    if scene.noise_sigma > 0:
        out += rng.normal(0.0, scene.noise_sigma, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def passport_still(
    *, scale: float = 2.4, width: int = 2592, height: int = 1944, **kw: object
) -> tuple[Image, PersonTruth]:
    """A full-resolution still (5 MP by default) of one well-placed person, and its truth.

    Extra keyword arguments go to :class:`Person` (``roll_deg``, ``eyes_open``, ``cx``…).
    """
    person = Person(cx=width / 2, cy=height * 0.48, scale=scale)
    person = replace(person, **kw)  # type: ignore[arg-type]
    scene = Scene(width=width, height=height, people=(person,))
    return render(scene), person_truth(person)
