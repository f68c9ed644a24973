"""``kiosk photo check``, ``crop`` and ``sheet`` on stills of the real photographed face."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from PIL import Image as PilImage

from kiosk.photo_cli import EXIT_FAIL, EXIT_PASS, EXIT_REVIEW, EXIT_USAGE, main
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


def test_check_of_a_good_crop_leaves_only_the_head_covering_to_review(
    still_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "print.jpg"
    main(["crop", str(still_path), str(out)])
    capsys.readouterr()
    assert main(["check", str(out), "--json"]) == EXIT_REVIEW
    report = json.loads(capsys.readouterr().out)
    statuses = {v["rule"]: v["status"] for v in report["verdicts"]}
    assert statuses.pop("head_covering") == "review"
    assert set(statuses.values()) == {"pass"}
    assert report["exit_status"] == EXIT_REVIEW
    assert main(["check", str(out), "--reviewed"]) == EXIT_PASS


def test_check_of_two_people_fails_and_prints_every_rule_with_its_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "two.png"
    people = (Person(cx=230, cy=480, scale=1.0), Person(cx=600, cy=480, scale=1.0))
    cv2.imwrite(str(path), render(Scene(width=827, height=1063, people=people)))
    assert main(["check", str(path), "--rules", "icao"]) == EXIT_FAIL
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 14
    assert "FAIL" in lines[2] and "face_count" in lines[2] and "allowed 1 faces" in lines[2]


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
