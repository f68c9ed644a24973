"""``kiosk photo``: check a photograph against a rule set, or crop a still to it.

    kiosk photo check IMAGE [--rules jp-passport|icao] [--json] [--reviewed]
    kiosk photo crop IMAGE OUT.jpg|OUT.png [--rules jp-passport|icao]
    kiosk photo sheet PRINT OUT.jpg|OUT.png [--paper L|KG|2L|A6] [--copies N] [--rules …]

``check`` takes the image as the whole print (a photo a citizen brought, scanned; or a crop),
prints every verdict with the measured value and the allowed range, then one overall verdict
line. Rules no machine can decide (a head covering) are named on that line for a person to
check; they do not make the photo fail. Exit status:

    0  every measured rule passed
    1  a rule failed or could not be measured
    2  usage error, unreadable image, unknown rule set, unsupported output format

``crop`` finds the head in a still and writes the print (600 dpi) so head height and
margins fall inside the rules; it exits 1 with the reason when the still lacks margin.

``sheet`` lays out copies of a print (the output of ``crop``, or an accepted photo) on photo
paper with cut marks, unscaled, at the rule set's dpi (:mod:`kiosk.core.photo.sheet`).

``crop`` and ``sheet`` write the format the output's suffix names: ``.jpg``/``.jpeg`` (JPEG)
or ``.png`` (PNG, lossless), with the print resolution in the file; another suffix is
refused before any work.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np
from PIL import Image as PilImage

from kiosk.core.photo.checks import PhotoReport, VerdictStatus, check_photo
from kiosk.core.photo.crop import JPEG_QUALITY, CropRefusedError, crop_still
from kiosk.core.photo.detect import Image, measure_head
from kiosk.core.photo.landmarks import default_detector
from kiosk.core.photo.rules import RuleSet, available_rule_sets, load_rule_set
from kiosk.core.photo.sheet import PAPERS, SheetError, plan_sheet, render_sheet
from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2

OUTPUT_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
"""Output suffix -> the format written (``crop`` and ``sheet``)."""

EXIT_STATUS_HELP = (
    "exit status: 0 every measured rule passed; 1 a rule failed or could not be measured; "
    "2 usage error, unreadable image, unknown rule set or output format"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk photo", description="ID photo rules", epilog=EXIT_STATUS_HELP
    )
    sub = parser.add_subparsers(dest="command", required=True)
    out_help = f"output file: {', '.join(OUTPUT_FORMATS)} (the suffix names the format)"
    rules_help = f"rule set id ({', '.join(available_rule_sets())}) or a rule set .json file"
    check = sub.add_parser(
        "check",
        help="check a photo (the whole print) against the rules",
        epilog=EXIT_STATUS_HELP,
    )
    check.add_argument("image", type=Path)
    check.add_argument("--rules", default="jp-passport", help=rules_help)
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument(
        "--reviewed",
        action="store_true",
        help="a person has checked the rules the machine cannot (head covering)",
    )
    crop = sub.add_parser(
        "crop", help="crop a still to the print size of the rules", epilog=EXIT_STATUS_HELP
    )
    crop.add_argument("image", type=Path)
    crop.add_argument("out", type=Path, help=out_help)
    crop.add_argument("--rules", default="jp-passport", help=rules_help)
    sheet = sub.add_parser(
        "sheet", help="lay out copies of a print on photo paper", epilog=EXIT_STATUS_HELP
    )
    sheet.add_argument("print_image", type=Path, metavar="PRINT")
    sheet.add_argument("out", type=Path, help=out_help)
    sheet.add_argument("--paper", default="L", choices=sorted(PAPERS))
    sheet.add_argument("--copies", type=int, default=None, help="default: as many as fit")
    sheet.add_argument("--rules", default="jp-passport", help=rules_help)
    return parser


def read_image(path: Path) -> Image:
    """Read an image file as BGR.

    Raises:
        OSError: the file is missing or not an image OpenCV can read.
    """
    data = np.fromfile(str(path), dtype=np.uint8)  # raises OSError when missing
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"{path}: not an image")
    return np.asarray(image, dtype=np.uint8)


def exit_status(report: PhotoReport) -> int:
    """The ``check`` exit status for ``report`` (see the module docstring)."""
    return EXIT_FAIL if report.failed else EXIT_PASS


def verdict_line(report: PhotoReport, *, reviewed: bool) -> str:
    """The overall verdict, one line: what passed, what failed, what a person must check."""
    total = len(report.verdicts)
    failed = [v.rule.name for v in report.verdicts if v.status is VerdictStatus.FAIL]
    unmeasured = [v.rule.name for v in report.verdicts if v.status is VerdictStatus.NOT_MEASURED]
    review = [v.rule.name for v in report.needs_review]
    if failed or unmeasured:
        parts = [f"{len(failed)} of {total} rules failed ({', '.join(failed)})"] if failed else []
        if unmeasured:
            parts.append(f"{len(unmeasured)} could not be measured ({', '.join(unmeasured)})")
        return "verdict: FAIL, " + "; ".join(parts)
    if review and not reviewed:
        return (
            f"verdict: PASS, all {total - len(review)} measured rules passed; "
            f"a person must still check: {', '.join(review)}"
        )
    if review:
        return f"verdict: PASS, all {total} rules passed ({', '.join(review)} checked by a person)"
    return f"verdict: PASS, all {total} rules passed"


def format_report(report: PhotoReport, rule_set: RuleSet) -> str:
    """The report as an aligned table for people."""
    lines = [
        f"{rule_set.title} ({rule_set.id}): {len(report.verdicts)} rules, {report.faces} face(s)"
    ]
    width = max(len(v.rule.name) for v in report.verdicts)
    for v in report.verdicts:
        measured = "—" if v.measured is None else f"{v.measured:.2f}"
        note = f"  ({v.detail})" if v.detail and v.status is not VerdictStatus.PASS else ""
        lines.append(
            f"  {v.status.value.upper():<12} {v.rule.name:<{width}}  {measured:>8}  "
            f"allowed {v.rule.describe_range()}{note}"
        )
    return "\n".join(lines)


def _check(args: argparse.Namespace, rule_set: RuleSet, out: TextIO) -> int:
    image = read_image(args.image)
    report = check_photo(image, rule_set, default_detector())
    status = exit_status(report)
    verdict = verdict_line(report, reviewed=args.reviewed)
    if args.json:
        data = report.as_dict()
        data["image"] = str(args.image)
        data["verdict"] = "pass" if status == EXIT_PASS else "fail"
        data["to_review"] = [] if args.reviewed else [v.rule.name for v in report.needs_review]
        data["summary"] = verdict
        data["exit_status"] = status
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(format_report(report, rule_set) + "\n" + verdict + "\n")
    return status


def output_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written by ``crop`` or ``sheet``; None when its suffix is known."""
    if path.suffix.lower() in OUTPUT_FORMATS:
        return None
    what = f"{path.suffix} files" if path.suffix else "a file without a suffix"
    return f"{path}: cannot write {what}; name the output {', '.join(OUTPUT_FORMATS)}"


def write_print(image: Image, path: Path, dpi: int) -> None:
    """Write ``image`` in the format its suffix names, with ``dpi`` in the file.

    Raises:
        ValueError: a suffix not in :data:`OUTPUT_FORMATS`.
        OSError: the file could not be written.
    """
    problem = output_problem(path)
    if problem is not None:
        raise ValueError(problem)
    kind = OUTPUT_FORMATS[path.suffix.lower()]
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image
    buffer = io.BytesIO()
    options: dict[str, object] = {"quality": JPEG_QUALITY} if kind == "JPEG" else {}
    PilImage.fromarray(rgb).save(buffer, format=kind, dpi=(dpi, dpi), **options)
    path.write_bytes(buffer.getvalue())


def _crop(args: argparse.Namespace, rule_set: RuleSet, out: TextIO, err: TextIO) -> int:
    image = read_image(args.image)
    detections = default_detector().detect(image)
    if len(detections) != 1:
        err.write(f"{args.image}: needs exactly one face, found {len(detections)}\n")
        return EXIT_FAIL
    geometry = measure_head(image, detections[0])
    try:
        cropped = crop_still(image, geometry, rule_set)
    except CropRefusedError as exc:
        err.write(f"{args.image}: {exc}\n")
        return EXIT_FAIL
    write_print(cropped, args.out, rule_set.print_size.dpi)
    size = rule_set.print_size
    out.write(
        f"{args.out}: {cropped.shape[1]}x{cropped.shape[0]} px = {size.width_mm:g}x"
        f"{size.height_mm:g} mm at {size.dpi} dpi\n"
    )
    return EXIT_PASS


def _sheet(args: argparse.Namespace, rule_set: RuleSet, out: TextIO, err: TextIO) -> int:
    image = read_image(args.print_image)
    try:
        layout = plan_sheet(rule_set.print_size, args.paper, args.copies)
        sheet = render_sheet(image, layout)
    except SheetError as exc:
        err.write(f"{args.print_image}: {exc}\n")
        return EXIT_FAIL
    write_print(sheet, args.out, rule_set.print_size.dpi)
    out.write(
        f"{args.out}: {len(layout.origins)} copies on {args.paper} paper, "
        f"{layout.width_px}x{layout.height_px} px at {rule_set.print_size.dpi} dpi\n"
    )
    return EXIT_PASS


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``kiosk photo``; returns the exit status (see the module docstring)."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return EXIT_PASS if exc.code in (0, None) else EXIT_USAGE
    try:
        rule_set = load_rule_set(args.rules)
    except ConfigError as exc:
        sys.stderr.write(f"kiosk photo: {exc}\n")
        return EXIT_USAGE
    out_path: Path | None = getattr(args, "out", None)
    problem = output_problem(out_path) if out_path is not None else None
    if problem is not None:  # refused before reading or detecting anything
        sys.stderr.write(f"kiosk photo: {problem}\n")
        return EXIT_USAGE
    try:
        if args.command == "check":
            return _check(args, rule_set, sys.stdout)
        if args.command == "sheet":
            return _sheet(args, rule_set, sys.stdout, sys.stderr)
        return _crop(args, rule_set, sys.stdout, sys.stderr)
    except OSError as exc:
        sys.stderr.write(f"kiosk photo: {exc}\n")
        return EXIT_USAGE
