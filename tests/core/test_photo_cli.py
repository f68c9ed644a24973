"""``kiosk photo check``, ``crop`` and ``sheet`` on stills of the real photographed face."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from PIL import Image as PilImage

from kiosk.photo_cli import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, main
from simulators.camera.scene import Person, Scene, passport_still, render


@pytest.fixture(scope="module")
def still_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photo") / "still.png"
    still, _ = passport_still(width=2048, height=1536, scale=1.9, look="photo")
    cv2.imwrite(str(path), still)
    return path


def test_crop_writes_a_600_dpi_jpeg_of_35_by_45_mm(
    still_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "print.jpg"
    assert main(["crop", str(still_path), str(out)]) == EXIT_PASS
    with PilImage.open(out) as image:
        assert (image.format, image.size, image.info["dpi"]) == ("JPEG", (827, 1063), (600, 600))
    assert capsys.readouterr().out == f"{out}: 827x1063 px = 35x45 mm at 600 dpi\n"


def test_check_of_a_good_crop_passes_with_exit_0_and_names_the_head_covering_for_a_person(
    still_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "print.jpg"
    main(["crop", str(still_path), str(out)])
    capsys.readouterr()
    assert main(["check", str(out), "--json"]) == EXIT_PASS
    report = json.loads(capsys.readouterr().out)
    statuses = {v["rule"]: v["status"] for v in report["verdicts"]}
    assert statuses.pop("head_covering") == "review"
    assert set(statuses.values()) == {"pass"}
    assert (report["verdict"], report["to_review"], report["exit_status"]) == (
        "pass",
        ["head_covering"],
        EXIT_PASS,
    )
    total = len(report["verdicts"])

    assert main(["check", str(out)]) == EXIT_PASS
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"verdict: PASS, all {total - 1} measured rules passed; "
        "a person must still check: head_covering"
    )
    assert main(["check", str(out), "--reviewed"]) == EXIT_PASS
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"verdict: PASS, all {total} rules passed (head_covering checked by a person)"
    )


def test_crop_to_a_png_name_writes_a_png_at_600_dpi(
    still_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "print.png"
    assert main(["crop", str(still_path), str(out)]) == EXIT_PASS
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with PilImage.open(out) as image:
        assert (image.format, image.size) == ("PNG", (827, 1063))
        assert tuple(round(d) for d in image.info["dpi"]) == (600, 600)


def test_sheet_to_a_png_name_writes_a_png_and_to_a_jpg_name_a_jpeg(
    still_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    print_path = tmp_path / "print.jpg"
    assert main(["crop", str(still_path), str(print_path)]) == EXIT_PASS
    for name, kind in (("sheet.png", "PNG"), ("sheet.JPG", "JPEG")):
        assert main(["sheet", str(print_path), str(tmp_path / name), "--copies", "2"]) == 0
        with PilImage.open(tmp_path / name) as image:
            assert image.format == kind


def test_crop_to_a_suffix_without_a_known_format_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "print.gif"
    # the still does not even exist: the output name is refused first
    assert main(["crop", str(tmp_path / "none.jpg"), str(out)]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"kiosk photo: {out}: cannot write .gif files; name the output .jpg, .jpeg, .png\n"
    )
    assert not out.exists()


def test_check_of_two_people_fails_and_prints_every_rule_with_its_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "two.png"
    people = (Person(cx=230, cy=480, scale=1.0), Person(cx=600, cy=480, scale=1.0))
    cv2.imwrite(str(path), render(Scene(width=827, height=1063, people=people)))
    assert main(["check", str(path), "--rules", "icao"]) == EXIT_FAIL
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 16 + 1
    assert "FAIL" in lines[2] and "face_count" in lines[2] and "allowed 1 faces" in lines[2]
    assert lines[-1] == (
        "verdict: FAIL, 2 of 16 rules failed (face_count, background_uniformity); "
        "11 could not be measured (head_height_ratio, centre_offset_ratio, roll_deg, "
        "eye_distance_px, eyes_visible, eyes_open, lens_glare, lens_tint, exposure, "
        "lighting_balance, sharpness)"
    )


def test_a_missing_image_or_unknown_rule_set_is_a_usage_error(
    still_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "none.jpg")]) == EXIT_USAGE
    assert main(["check", str(still_path), "--rules", "mars"]) == EXIT_USAGE
    assert "no such rule set" in capsys.readouterr().err


def test_crop_of_a_still_without_room_beside_the_head_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "left.png"
    still, _ = passport_still(width=2048, height=1536, scale=1.9, cx=230)
    cv2.imwrite(str(path), still)
    assert main(["crop", str(path), str(tmp_path / "out.jpg")]) == EXIT_FAIL
    assert "crop refused (left)" in capsys.readouterr().err
    assert not (tmp_path / "out.jpg").exists()
