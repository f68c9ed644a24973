"""``kiosk photo``: check a photograph against a rule set, or crop a still to it.

    kiosk photo check IMAGE [--rules jp-passport|icao] [--json] [--reviewed]
    kiosk photo crop IMAGE OUT [--rules jp-passport|icao]
    kiosk photo sheet PRINT OUT [--paper L|KG|2L|A6] [--copies N] [--rules …]

``check`` takes the image as the whole print (a photo a citizen brought, scanned; or a crop)
and prints every verdict with the measured value and the allowed range. Exit status:

    0  every rule passed (rules a person must decide count only with ``--reviewed``)
    1  a rule failed or could not be measured
    2  usage error, unreadable image or rule set
    3  nothing failed, but a person must still decide some rules (head covering)

``crop`` finds the head in a still and writes the print-sized JPEG (600 dpi) so head height
and margins fall inside the rules; it exits 1 with the reason when the still lacks margin.

``sheet`` lays out copies of a print (the output of ``crop``, or an accepted photo) on photo
paper with cut marks, unscaled, at the rule set's dpi (:mod:`kiosk.core.photo.sheet`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from kiosk.core.photo.checks import PhotoReport, VerdictStatus, check_photo
from kiosk.core.photo.crop import CropRefusedError, crop_still, write_jpeg
from kiosk.core.photo.detect import HaarFaceDetector, Image, measure_head
from kiosk.core.photo.rules import RuleSet, available_rule_sets, load_rule_set
from kiosk.core.photo.sheet import PAPERS, SheetError, plan_sheet, render_sheet
from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_REVIEW = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk photo", description="ID photo rules")
    sub = parser.add_subparsers(dest="command", required=True)
    rules_help = f"rule set id ({', '.join(available_rule_sets())}) or a rule set .json file"
    check = sub.add_parser("check", help="check a photo (the whole print) against the rules")
    check.add_argument("image", type=Path)
    check.add_argument("--rules", default="jp-passport", help=rules_help)
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument(
        "--reviewed",
        action="store_true",
        help="a person has checked the rules the machine cannot (head covering)",
    )
    crop = sub.add_parser("crop", help="crop a still to the print size of the rules")
    crop.add_argument("image", type=Path)
    crop.add_argument("out", type=Path)
    crop.add_argument("--rules", default="jp-passport", help=rules_help)
    sheet = sub.add_parser("sheet", help="lay out copies of a print on photo paper")
    sheet.add_argument("print_image", type=Path, metavar="PRINT")
    sheet.add_argument("out", type=Path)
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


def exit_status(report: PhotoReport, *, reviewed: bool) -> int:
    """The ``check`` exit status for ``report`` (see the module docstring)."""
    if report.failed:
        return EXIT_FAIL
    if report.needs_review and not reviewed:
        return EXIT_REVIEW
    return EXIT_PASS


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
    report = check_photo(image, rule_set, HaarFaceDetector())
    status = exit_status(report, reviewed=args.reviewed)
    if args.json:
        data = report.as_dict()
        data["image"] = str(args.image)
        data["exit_status"] = status
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(format_report(report, rule_set) + "\n")
    return status


def _crop(args: argparse.Namespace, rule_set: RuleSet, out: TextIO, err: TextIO) -> int:
    image = read_image(args.image)
    detections = HaarFaceDetector().detect(image)
    if len(detections) != 1:
        err.write(f"{args.image}: needs exactly one face, found {len(detections)}\n")
        return EXIT_FAIL
    geometry = measure_head(image, detections[0])
    try:
        cropped = crop_still(image, geometry, rule_set)
    except CropRefusedError as exc:
        err.write(f"{args.image}: {exc}\n")
        return EXIT_FAIL
    write_jpeg(cropped, args.out, rule_set.print_size.dpi)
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
    write_jpeg(sheet, args.out, rule_set.print_size.dpi)
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
    try:
        if args.command == "check":
            return _check(args, rule_set, sys.stdout)
        if args.command == "sheet":
            return _sheet(args, rule_set, sys.stdout, sys.stderr)
        return _crop(args, rule_set, sys.stdout, sys.stderr)
    except OSError as exc:
        sys.stderr.write(f"kiosk photo: {exc}\n")
        return EXIT_USAGE
