"""Generated phone-screen-like camera frames holding a booking QR code (1280x720, grayscale).

Each frame shows a phone screen with a QR of a realistic compact JWS (about 250 characters,
QR version 10 at error correction M) placed in a scene, under one named condition:

``clean``          modules of 5-6 px, slight rotation, sensor noise
``small_modules``  modules of 2.2-2.8 px (the phone held far away)
``rotated``        turned 15-180 degrees
``perspective``    the phone tilted: one edge much shorter than the other
``blur``           out of focus (Gaussian sigma 1.3-2.0 px)
``low_contrast``   a dimmed screen: dark modules 100-115 on light 140-155
``glare``          a bright reflection over part of the code
``dark_mode``      light modules on a dark screen (inverted)
``busy_frame``     a small code in a cluttered scene (text, lines, shapes, texture)

and the phone-like ones, where the conditions come together as a phone held up to a camera
does (the perspective, slight blur, stronger sensor noise and low contrast, all at once), each
with a code of 250-390 characters (QR version 11-15), modules of 3-6 px and any turn:

``phone_like``       tilted 0.12-0.35, blur sigma 0.6-1.3, noise sigma 4-8, dark 55-100 on
                     light 145-200
``phone_like_dark``  the same in dark mode (light modules on a dark screen)
``phone_like_far``   the same, further away: modules of 2.6-3.4 px
``phone_like_glare`` the same with a reflection over part of the screen

Frames are reproducible from the seed. Import :func:`generate_frames` in tests; run
``python -m bench.qr_decoders`` for the decoder table.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import qrcode

FRAME_W, FRAME_H = 1280, 720
CONDITIONS = (
    "clean",
    "small_modules",
    "rotated",
    "perspective",
    "blur",
    "low_contrast",
    "glare",
    "dark_mode",
    "busy_frame",
    "phone_like",
    "phone_like_dark",
    "phone_like_far",
    "phone_like_glare",
)
PHONE_LIKE = tuple(c for c in CONDITIONS if c.startswith("phone_like"))
_DRAW_MODULE = 8  # pixels per module when drawing the screen, before it is scaled into the scene

Gray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class QrFrame:
    """One generated frame.

    Attributes:
        condition: one of :data:`CONDITIONS`.
        index: number of the frame within its condition.
        payload: the text encoded in the QR.
        image: the 1280x720 grayscale frame.
        module_px: the size of one module in the frame (before perspective).
    """

    condition: str
    index: int
    payload: str
    image: Gray
    module_px: float


def _u8(image: object) -> Gray:
    return np.asarray(image, dtype=np.uint8)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def booking_jws(rng: np.random.Generator, *, note_chars: int = 0) -> str:
    """A compact JWS shaped like a booking token (random signature; not verifiable).

    Args:
        rng: the source of the booking's numbers and the signature.
        note_chars: length of an extra free-text claim (a longer token, a bigger code).
    """
    header = {"alg": "EdDSA", "kid": "k2025"}
    claims: dict[str, object] = {
        "typ": "bk",
        "bid": f"B{int(rng.integers(10**7, 10**8))}",
        "off": "shisui",
        "svc": "pension",
        "slot": 1_760_000_000 + int(rng.integers(0, 10_000_000)),
        "win": [30, 10],
    }
    if note_chars:
        letters = rng.integers(97, 123, note_chars)
        claims["note"] = "".join(chr(int(c)) for c in letters)
    signature = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
    return ".".join(
        (
            _b64url(json.dumps(header, separators=(",", ":")).encode()),
            _b64url(json.dumps(claims, separators=(",", ":")).encode()),
            _b64url(signature),
        )
    )


def qr_modules(payload: str) -> npt.NDArray[np.bool_]:
    """The QR module matrix (True = dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def _screen(
    modules: npt.NDArray[np.bool_], rng: np.random.Generator, *, dark: int, light: int
) -> tuple[Gray, tuple[float, float, float]]:
    """A phone screen with the code; returns the image and the code's (cx, cy, size) in it."""
    n = modules.shape[0]
    qr_px = n * _DRAW_MODULE
    width = qr_px + 2 * 6 * _DRAW_MODULE
    height = int(width * 1.45)
    screen = np.full((height, width), light, dtype=np.uint8)
    top = (height - qr_px) // 2
    left = (width - qr_px) // 2
    block = np.kron(modules, np.ones((_DRAW_MODULE, _DRAW_MODULE), dtype=bool))
    screen[top : top + qr_px, left : left + qr_px][block] = dark
    # Text-like bars above and below the code (app header, booking details).
    for y in [*range(20, top - 30, 38), *range(top + qr_px + 40, height - 20, 38)]:
        bar = int(rng.integers(width // 4, width - 40))
        cv2.rectangle(screen, (20, y), (20 + bar, y + 14), int(dark), -1)
    return screen, (left + qr_px / 2, top + qr_px / 2, float(qr_px))


def _background(rng: np.random.Generator, busy: bool) -> Gray:
    xs = np.linspace(0, 1, FRAME_W, dtype=np.float32)
    ys = np.linspace(0, 1, FRAME_H, dtype=np.float32)[:, None]
    base = 70 + 60 * xs[None, :] * float(rng.uniform(0.3, 1.0)) + 40 * ys
    low = cv2.resize(rng.normal(0, 18, (9, 16)).astype(np.float32), (FRAME_W, FRAME_H))
    scene = np.clip(base + low, 0, 255).astype(np.uint8)
    if busy:
        for _ in range(60):
            colour = int(rng.integers(0, 256))
            kind = int(rng.integers(0, 4))
            x, y = int(rng.integers(0, FRAME_W)), int(rng.integers(0, FRAME_H))
            if kind == 0:
                w, h = int(rng.integers(10, 200)), int(rng.integers(10, 120))
                cv2.rectangle(scene, (x, y), (x + w, y + h), colour, int(rng.integers(-1, 4)))
            elif kind == 1:
                x2, y2 = int(rng.integers(0, FRAME_W)), int(rng.integers(0, FRAME_H))
                cv2.line(scene, (x, y), (x2, y2), colour, int(rng.integers(1, 4)))
            elif kind == 2:
                cv2.circle(
                    scene, (x, y), int(rng.integers(5, 60)), colour, int(rng.integers(-1, 4))
                )
            else:
                text = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(4, 12))))
                cv2.putText(
                    scene,
                    text,
                    (x, y),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    float(rng.uniform(0.4, 1.5)),
                    colour,
                    int(rng.integers(1, 3)),
                )
        # A checkered texture (a shirt, a tiled wall) that looks like modules to a detector.
        tx, ty = int(rng.integers(0, FRAME_W - 200)), int(rng.integers(0, FRAME_H - 200))
        checker = (np.indices((200, 200)).sum(axis=0) // 6 % 2 * 200 + 30).astype(np.uint8)
        scene[ty : ty + 200, tx : tx + 200] = checker
    return _u8(scene)


def _place(
    scene: Gray,
    screen: Gray,
    qr_box: tuple[float, float, float],
    rng: np.random.Generator,
    *,
    module_px: float,
    angle_deg: float,
    tilt: float,
) -> Gray:
    """Warp the screen into the scene: scaled, rotated, tilted, with the code in the frame."""
    h, w = screen.shape
    cx, cy, qr_size = qr_box
    scale = module_px / _DRAW_MODULE
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    rel = (src - np.array([cx, cy], dtype=np.float32)) * scale
    # Tilt: the top edge shorter than the bottom one (the phone leaning back).
    top_factor = 1.0 - tilt
    rel[0, 0] *= top_factor
    rel[1, 0] *= top_factor
    theta = math.radians(angle_deg)
    rot = np.array(
        [[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], dtype=np.float32
    )
    rel = rel @ rot.T
    reach = qr_size * scale * 0.75 + 10  # half the code's diagonal, and a little more
    centre_x = float(rng.uniform(reach, FRAME_W - reach))
    centre_y = float(rng.uniform(min(reach, FRAME_H / 2), max(FRAME_H - reach, FRAME_H / 2)))
    dst = (rel + np.array([centre_x, centre_y], dtype=np.float32)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(screen, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(
        np.full((h, w), 255, dtype=np.uint8), matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR
    )
    alpha = mask.astype(np.float32) / 255.0
    out = warped.astype(np.float32) * alpha + scene.astype(np.float32) * (1 - alpha)
    return _u8(np.clip(out, 0, 255))


def _glare(frame: Gray, rng: np.random.Generator) -> Gray:
    """A bright reflection near the frame's brightest large region (the screen)."""
    ys, xs = np.nonzero(frame > np.percentile(frame, 80))
    pick = int(rng.integers(0, len(xs))) if len(xs) else 0
    gx, gy = (int(xs[pick]), int(ys[pick])) if len(xs) else (FRAME_W // 2, FRAME_H // 2)
    sigma = float(rng.uniform(35, 70))
    yy, xx = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
    blob = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * sigma**2))
    strength = float(rng.uniform(160, 230))
    return _u8(np.clip(frame.astype(np.float32) + strength * blob, 0, 255))


def make_frame(condition: str, index: int, *, seed: int = 2025) -> QrFrame:
    """Build frame ``index`` of ``condition`` (reproducible from ``seed``).

    Raises:
        ValueError: an unknown condition.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")
    rng = np.random.default_rng([seed, CONDITIONS.index(condition), index])
    if condition in PHONE_LIKE:
        return _phone_like_frame(condition, index, rng)
    payload = booking_jws(rng)
    modules = qr_modules(payload)
    dark, light = 25, 235
    module_px = float(rng.uniform(5.0, 6.0))
    angle = float(rng.uniform(-5, 5))
    tilt = float(rng.uniform(0.0, 0.05))
    if condition == "small_modules":
        module_px = float(rng.uniform(2.2, 2.8))
    elif condition == "rotated":
        angle = float(rng.uniform(15, 180)) * (1 if rng.random() < 0.5 else -1)
    elif condition == "perspective":
        tilt = float(rng.uniform(0.25, 0.4))
        angle = float(rng.uniform(-20, 20))
    elif condition == "blur":
        module_px = float(rng.uniform(4.0, 5.0))
    elif condition == "low_contrast":
        dark, light = int(rng.integers(100, 116)), int(rng.integers(140, 156))
    elif condition == "dark_mode":
        dark, light = 225, 30
    elif condition == "busy_frame":
        module_px = float(rng.uniform(3.0, 3.8))
    screen, qr_box = _screen(modules, rng, dark=dark, light=light)
    scene = _background(rng, busy=condition == "busy_frame")
    frame = _place(scene, screen, qr_box, rng, module_px=module_px, angle_deg=angle, tilt=tilt)
    if condition == "blur":
        frame = _u8(cv2.GaussianBlur(frame, (0, 0), float(rng.uniform(1.3, 2.0))))
    if condition == "glare":
        frame = _glare(frame, rng)
    noise = rng.normal(0, 3.0, frame.shape)
    frame = np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return QrFrame(condition, index, payload, frame, module_px)


def _phone_like_frame(condition: str, index: int, rng: np.random.Generator) -> QrFrame:
    """A phone-like frame: perspective, slight blur, noise and low contrast together."""
    payload = booking_jws(rng, note_chars=int(rng.integers(0, 91)))
    modules = qr_modules(payload)
    dark, light = int(rng.integers(55, 101)), int(rng.integers(145, 201))
    if condition == "phone_like_dark":
        dark, light = light, dark
    far = condition == "phone_like_far"
    module_px = float(rng.uniform(2.6, 3.4) if far else rng.uniform(3.0, 6.0))
    angle = float(rng.uniform(-180, 180))
    tilt = float(rng.uniform(0.12, 0.35))
    screen, qr_box = _screen(modules, rng, dark=dark, light=light)
    scene = _background(rng, busy=False)
    frame = _place(scene, screen, qr_box, rng, module_px=module_px, angle_deg=angle, tilt=tilt)
    frame = _u8(cv2.GaussianBlur(frame, (0, 0), float(rng.uniform(0.6, 1.3))))
    if condition == "phone_like_glare":
        frame = _glare(frame, rng)
    noise = rng.normal(0, float(rng.uniform(4.0, 8.0)), frame.shape)
    frame = np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return QrFrame(condition, index, payload, frame, module_px)


def make_empty_frame(index: int, *, seed: int = 2025) -> Gray:
    """A frame with no code (nobody at the scanner): a plain or, every other one, busy scene.

    The decoder spends its whole budget on such frames (every pass finds nothing), and they are
    most of what a kiosk's camera sees.
    """
    rng = np.random.default_rng([seed, len(CONDITIONS), index])
    scene = _background(rng, busy=index % 2 == 1)
    noise = rng.normal(0, float(rng.uniform(3.0, 8.0)), scene.shape)
    return np.clip(scene.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def generate_frames(
    per_condition: int, *, conditions: tuple[str, ...] = CONDITIONS, seed: int = 2025
) -> Iterator[QrFrame]:
    """``per_condition`` frames of each condition, condition by condition."""
    for condition in conditions:
        for index in range(per_condition):
            yield make_frame(condition, index, seed=seed)


def main() -> None:
    """Write a few frames as PNG to ``var/qr-frames`` for a look."""
    from pathlib import Path

    out = Path("var/qr-frames")
    out.mkdir(parents=True, exist_ok=True)
    for frame in generate_frames(2):
        cv2.imwrite(str(out / f"{frame.condition}-{frame.index}.png"), frame.image)
    print(f"frames written to {out}")


if __name__ == "__main__":
    main()
