"""Photo booth figures: guidance frames per second, shutter to verdict, the verdict table.

    python -m bench.photo_guidance [--frames 200]

* Guidance frames per second on 1280x720 preview frames on one core (``cv2.setNumThreads(1)``),
  over the scripted session of the camera simulator (empty booth, a person stepping in, …).
* Shutter to verdict: a 2592x1944 still → detection → crop to jp-passport → all checks.
* The verdict table: for each test image of ``simulators/camera/photo_cases.py`` and each rule,
  whether the verdict was correct (must fail → failed; may fail → either; else → passed).
* Detectors that run here, on the same frames: Haar default / alt2, with and without CLAHE.
  Not available here: scikit-image's LBP cascade (scikit-image not installed), YuNet (no PyPI
  package ships the model), MTCNN (needs torch), dlib (not built).

The faces are generated (no photograph of a real face ships in the installed packages), so
the accuracy figures say how the pipeline behaves, not how Haar does on real people.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import cv2

from kiosk.core.photo.checks import check_photo
from kiosk.core.photo.crop import crop_still
from kiosk.core.photo.detect import HaarFaceDetector, measure_head
from kiosk.core.photo.guidance import PhotoGuide
from kiosk.core.photo.rules import load_rule_set
from simulators.camera.photo_cases import CASES, good_print
from simulators.camera.scene import SKIN_TONES, Person, Scene, passport_still, render
from simulators.camera.simulator import CameraSimulator


def guidance_fps(frames: int) -> tuple[float, float, Counter[str]]:
    """Frames per second and the median ms per frame of the guidance, and the advice counts."""
    sim = CameraSimulator()
    preview = [f for f in (sim.render_frame(1280, 720) for _ in range(frames)) if f is not None]
    guide = PhotoGuide(HaarFaceDetector(), rule_set=load_rule_set("jp-passport"))
    times = []
    states: Counter[str] = Counter()
    for frame in preview:
        start = time.perf_counter()
        states[guide.advise(frame).state.value] += 1
        times.append(time.perf_counter() - start)
    return len(times) / sum(times), statistics.median(times) * 1000, states


def shutter_to_verdict(repeats: int = 5) -> float:
    """Median ms from a 2592x1944 still to the jp-passport report."""
    still, _ = passport_still()
    rules = load_rule_set("jp-passport")
    detector = HaarFaceDetector()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        geometry = measure_head(still, detector.detect(still)[0])
        check_photo(crop_still(still, geometry, rules), rules, detector)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def verdict_table() -> None:
    """Print correct/wrong per rule over the photo cases, for both rule sets."""
    detector = HaarFaceDetector()
    for rule_set_id in ("jp-passport", "icao"):
        rules = load_rule_set(rule_set_id)
        base = good_print(detector, rules)
        correct: Counter[str] = Counter()
        wrong: Counter[str] = Counter()
        wrong_cases: dict[str, list[str]] = {}
        for case in CASES:
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
        print(f"\nverdict table, {rule_set_id}, {len(CASES)} images")
        print(f"  {'rule':<22} correct wrong")
        for name in rules.rules:
            if rules.rules[name].review:
                print(f"  {name:<22} (checked by a person)")
                continue
            note = f"  {', '.join(wrong_cases[name])}" if name in wrong_cases else ""
            print(f"  {name:<22} {correct[name]:>7} {wrong[name]:>5}{note}")


def detector_comparison() -> None:
    """Detection rate and ms per 1280x720 frame for the detectors that run here."""
    scenes = []
    for skin in SKIN_TONES:
        for scale in (0.8, 1.2):
            for busy in (False, True):
                for gain in (0.5, 1.0):
                    person = Person(cx=640, cy=330, scale=scale, skin=skin)
                    scenes.append(render(Scene(people=(person,), busy=busy, gain=gain)))
    detectors = {
        "haar default": HaarFaceDetector(clahe=False),
        "haar default + CLAHE": HaarFaceDetector(),
        "haar alt2": HaarFaceDetector(face_cascade="haarcascade_frontalface_alt2.xml", clahe=False),
        "haar alt2 + CLAHE": HaarFaceDetector(face_cascade="haarcascade_frontalface_alt2.xml"),
    }
    print(f"\ndetectors on {len(scenes)} generated 1280x720 frames (4 skin tones, 2 distances,")
    print("plain/busy backdrop, normal/dim light), one person each:")
    print(f"  {'detector':<22} one face  two eyes  ms/frame")
    for name, detector in detectors.items():
        one = eyes = 0
        times = []
        for frame in scenes:
            start = time.perf_counter()
            found = detector.detect(frame)
            times.append(time.perf_counter() - start)
            one += len(found) == 1
            eyes += len(found) == 1 and len(found[0].eyes) == 2
        print(
            f"  {name:<22} {one:>4}/{len(scenes)}  {eyes:>4}/{len(scenes)}  "
            f"{statistics.median(times) * 1000:>7.1f}"
        )
    print("  not run: skimage LBP cascade (scikit-image not installed), YuNet (no model on PyPI),")
    print("           MTCNN (facenet-pytorch needs torch), dlib 68 landmarks (dlib not built)")


def main(argv: list[str] | None = None) -> int:
    """Print every figure; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.photo_guidance")
    parser.add_argument("--frames", type=int, default=200, help="preview frames to time")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    fps, median_ms, states = guidance_fps(args.frames)
    print(f"guidance on 1280x720, one core: {fps:.1f} frames/s (median {median_ms:.1f} ms/frame)")
    print(f"  advice over the session script: {dict(states)}")
    print(f"shutter to verdict (2592x1944 still, jp-passport): {shutter_to_verdict():.0f} ms")
    verdict_table()
    detector_comparison()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
