"""Photo booth figures: guidance frames per second, shutter to verdict, the verdict table.

    python -m bench.photo_guidance [--frames 200]

* Guidance frames per second on 1280x720 preview frames on one core (``cv2.setNumThreads(1)``),
  over the scripted session of the camera simulator (empty booth, a person stepping in, …).
* Shutter to verdict: a 2592x1944 still → detection → crop to jp-passport → all checks.
* The verdict table: for each test image of ``simulators/camera/photo_cases.py`` and each rule,
  whether the verdict was correct (must fail → failed; may fail → either; else → passed), on
  the real photograph (scikit-image's astronaut) and on the drawn portraits.
* Detectors that run here: Haar default / alt2 with and without CLAHE, and scikit-image's LBP
  cascade (run by OpenCV), on 60 random placements of the real face (scale, roll, light, blur,
  busy backdrop, closed eyes) and 32 drawn frames (4 skin tones). Not run: YuNet (no PyPI
  package ships the model), MTCNN (needs torch), dlib (not built).
* The chin: where ``face.y + CHIN_FACTOR * face.h`` puts it against the hand-marked truth.

One real person is a thin base for accuracy figures: they say how the pipeline behaves on a
real face and its transformations, not how it does across people (the drawn portraits add skin
tones, nothing more).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import cv2
import numpy as np

from bench.aims import check
from kiosk.config.photo import PhotoConfig
from kiosk.core.photo.checks import check_photo
from kiosk.core.photo.crop import crop_still
from kiosk.core.photo.detect import (
    CHIN_FACTOR,
    SKIMAGE_LBP,
    FaceDetector,
    HaarFaceDetector,
    measure_head,
)
from kiosk.core.photo.guidance import PhotoGuide
from kiosk.core.photo.landmarks import default_detector
from kiosk.core.photo.rules import load_rule_set
from simulators.camera.photo_cases import PhotoCase, cases, good_print
from simulators.camera.scene import (
    SKIN_TONES,
    Person,
    Scene,
    passport_still,
    person_truth,
    render,
)
from simulators.camera.simulator import CameraSimulator


def guidance_fps(
    frames: int, detector: FaceDetector | None = None
) -> tuple[float, float, Counter[str]]:
    """Frames per second and the median ms per frame of the guidance, and the advice counts."""
    sim = CameraSimulator()
    preview = [f for f in (sim.render_frame(1280, 720) for _ in range(frames)) if f is not None]
    guide = PhotoGuide(detector or default_detector(), rule_set=load_rule_set("jp-passport"))
    times = []
    states: Counter[str] = Counter()
    for frame in preview:
        start = time.perf_counter()
        states[guide.advise(frame).state.value] += 1
        times.append(time.perf_counter() - start)
    return len(times) / sum(times), statistics.median(times) * 1000, states


def shutter_to_verdict(repeats: int = 5, detector: FaceDetector | None = None) -> float:
    """Median ms from a 2592x1944 still to the jp-passport report."""
    still, _ = passport_still(look="photo")
    rules = load_rule_set("jp-passport")
    detector = detector or default_detector()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        geometry = measure_head(still, detector.detect(still)[0])
        check_photo(crop_still(still, geometry, rules), rules, detector)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def verdict_table(look: str) -> None:
    """Print correct/wrong per rule over the photo cases, for both rule sets (the chosen
    detector; bench/photo_detectors.py has the table on every real face)."""
    detector = default_detector()
    photo_cases: tuple[PhotoCase, ...] = cases(look)
    for rule_set_id in ("jp-passport", "icao"):
        rules = load_rule_set(rule_set_id)
        base = good_print(detector, rules, look=look)
        correct: Counter[str] = Counter()
        wrong: Counter[str] = Counter()
        wrong_cases: dict[str, list[str]] = {}
        for case in photo_cases:
            report = check_photo(case.make(base, detector, rules), rules, detector)
            failed = {v.rule.name for v in report.failed}
            for name in rules.rules:
                if rules.rules[name].review:
                    continue
                if name in case.must_fail:
                    ok = name in failed
                elif name in case.may_fail:
                    ok = True
                else:
                    ok = name not in failed
                (correct if ok else wrong)[name] += 1
                if not ok:
                    wrong_cases.setdefault(name, []).append(case.name)
        what = "the real photograph" if look == "photo" else "drawn portraits"
        print(f"\nverdict table, {rule_set_id}, {len(photo_cases)} images of {what}")
        print(f"  {'rule':<22} correct wrong")
        for name in rules.rules:
            if rules.rules[name].review:
                print(f"  {name:<22} (checked by a person)")
                continue
            note = f"  {', '.join(wrong_cases[name])}" if name in wrong_cases else ""
            print(f"  {name:<22} {correct[name]:>7} {wrong[name]:>5}{note}")


def _real_frames(count: int = 60) -> list[tuple[Scene, bool]]:
    """Random placements of the real face, and whether its eyes are open."""
    rng = np.random.default_rng(1)
    frames = []
    for i in range(count):
        person = Person(
            cx=float(rng.uniform(450, 830)),
            cy=float(rng.uniform(280, 400)),
            scale=float(rng.uniform(0.6, 1.6)),
            roll_deg=float(rng.uniform(-12, 12)),
            eyes_open=bool(rng.random() > 0.2),
            look="photo",
        )
        scene = Scene(
            people=(person,),
            gain=float(rng.choice([1.0, 1.0, 1.0, 0.4, 0.6, 1.5, 1.9])),
            blur_sigma=float(rng.choice([0.0, 0.0, 0.0, 2.0, 5.0])),
            busy=bool(rng.random() < 0.3),
            side_light=float(rng.choice([0.0, 0.0, 0.4, -0.4])),
            seed=i,
        )
        frames.append((scene, person.eyes_open))
    return frames


def _drawn_frames() -> list[tuple[Scene, bool]]:
    frames = []
    for skin in SKIN_TONES:
        for scale in (0.8, 1.2):
            for busy in (False, True):
                for gain in (0.5, 1.0):
                    person = Person(cx=640, cy=330, scale=scale, skin=skin)
                    frames.append((Scene(people=(person,), busy=busy, gain=gain), True))
    return frames


def detector_comparison() -> None:
    """One face found, eyes found, false faces and ms per 1280x720 frame, per detector."""
    detectors: dict[str, FaceDetector] = {
        "haar default": HaarFaceDetector(
            face_cascade="haarcascade_frontalface_default.xml", clahe=False
        ),
        "haar default + CLAHE": HaarFaceDetector(
            face_cascade="haarcascade_frontalface_default.xml"
        ),
        "haar alt2": HaarFaceDetector(clahe=False),
        "haar alt2 + CLAHE (used)": HaarFaceDetector(),
        "skimage LBP + CLAHE": HaarFaceDetector(face_cascade=SKIMAGE_LBP),
    }
    for title, frames in (
        (
            "60 placements of the real face (scale, roll, light, blur, busy backdrop)",
            _real_frames(),
        ),
        ("32 drawn frames (4 skin tones, 2 distances, busy/plain, dim/normal)", _drawn_frames()),
    ):
        images = [render(scene) for scene, _ in frames]
        print(f"\ndetectors on {title}:")
        print(f"  {'detector':<26} one face  extra  two eyes (open)  ms/frame")
        for name, detector in detectors.items():
            one = extra = eyes = 0
            times = []
            for (_, open_eyes), frame in zip(frames, images, strict=True):
                start = time.perf_counter()
                found = detector.detect(frame)
                times.append(time.perf_counter() - start)
                one += len(found) == 1
                extra += len(found) > 1
                eyes += len(found) == 1 and open_eyes and len(found[0].eyes) == 2
            opened = sum(o for _, o in frames)
            print(
                f"  {name:<26} {one:>4}/{len(frames)}  {extra:>5}  {eyes:>5}/{opened:<9}"
                f"{statistics.median(times) * 1000:>9.1f}"
            )
    print("  not run: YuNet (no PyPI package ships the model), MTCNN (facenet-pytorch needs")
    print("           torch), dlib 68 landmarks (dlib not built)")


def chin_error() -> None:
    """The estimated chin against the truth, in mm of a 34 mm head, real and drawn faces."""
    detector = HaarFaceDetector()
    print(f"\nchin = face.y + {CHIN_FACTOR} x face.h, error in mm on a 34 mm head:")
    for look in ("photo", "drawn"):
        errors = []
        for scale in np.linspace(0.7, 2.0, 12):
            for cx in (560.0, 640.0, 720.0):
                person = Person(cx=cx, cy=340, scale=float(scale), look=look)
                frame = render(Scene(people=(person,), seed=int(scale * 100 + cx)))
                found = detector.detect(frame)
                if len(found) != 1:
                    continue
                truth = person_truth(person)
                chin = measure_head(frame, found[0]).chin_y
                errors.append((chin - truth.chin[1]) / truth.head_height * 34.0)
        arr = np.array(errors)
        print(
            f"  {look:<6} {len(arr)} frames: mean {arr.mean():+.2f} mm, "
            f"worst {arr[np.argmax(np.abs(arr))]:+.2f} mm"
        )


def main(argv: list[str] | None = None) -> int:
    """Print every figure; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.photo_guidance")
    parser.add_argument("--frames", type=int, default=200, help="preview frames to time")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    for name, detector in (("dlib hog+68 (chosen)", default_detector()), ("haar alt2", None)):
        detector = detector or HaarFaceDetector()
        fps, median_ms, states = guidance_fps(args.frames, detector)
        print(
            f"{name}: guidance on 1280x720, one core: {fps:.1f} frames/s "
            f"(median {median_ms:.1f} ms/frame)"
        )
        print(f"  advice over the session script: {dict(states)}")
        if "chosen" in name:
            preview = PhotoConfig().preview_fps  # the preview screen's rate: guidance keeps up
            check(f"photo guidance, {name}", fps, ">=", preview, unit=" frames/s", digits=1)
        shutter = shutter_to_verdict(detector=detector)
        print(f"  shutter to verdict (2592x1944 still, jp-passport): {shutter:.0f} ms")
    verdict_table("photo")
    verdict_table("drawn")
    detector_comparison()
    chin_error()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
