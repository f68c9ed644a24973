"""The photo booth service on a real SQLite file, the printer simulator and simulator stills."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image as PilImage

from kiosk.core import events
from kiosk.core.photo.detect import Image
from kiosk.core.photo.session import (
    CODE_ALPHABET,
    PhotoBoothService,
    PhotoRefusedError,
    PhotoSettings,
    format_photo_code,
    new_photo_code,
    photo_code_valid,
)
from kiosk.devices.health import HealthBoard, HealthState
from kiosk.devices.printer.factory import PrinterSettings, open_printer
from kiosk.devices.printer.protocol import TextMode, TicketPrinter
from kiosk.i18n.catalog import load_catalogs
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from kiosk.store.photos import PhotoRepository
from simulators.camera.simulator import SESSION, CameraSimulator, Shot
from simulators.printer.server import PrinterSimulator
from tests.core.conftest import SteppingClock
from tests.core.photo_support import DETECTOR

STILL_SIZE = (1920, 1080)


def _shot(name: str) -> Shot:
    return next(s for s in SESSION if s.name == name)


def _still(name: str) -> Image:
    sim = CameraSimulator()
    sim.hold(_shot(name))
    frame = sim.render_frame(*STILL_SIZE)
    assert frame is not None
    return frame


@pytest.fixture(scope="module")
def good_still() -> Image:
    return _still("good")


@pytest.fixture
def printer(printer_sim: PrinterSimulator) -> Iterator[TicketPrinter]:
    driver = open_printer(
        PrinterSettings(
            url=f"tcp://127.0.0.1:{printer_sim.port}",
            text_mode=TextMode.KANJI,
            status_timeout_s=0.5,
        )
    )
    yield driver
    driver.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "state" / "kiosk.sqlite3")
    yield database
    database.close()


@pytest.fixture
def booth(
    db: Database, clock: SteppingClock, printer: TicketPrinter, tmp_path: Path
) -> PhotoBoothService:
    outbox = Outbox(db, kiosk_id="test-kiosk-1", session=begin_session(db))
    return PhotoBoothService(
        PhotoSettings(office_name={"ja": "中央区役所", "en": "Chuo City Office"}),
        db,
        outbox,
        clock,
        tmp_path / "state" / "photos",
        printer=printer,
        catalogs=load_catalogs(["ja", "en"]),
        health=HealthBoard(),
        detector=DETECTOR,
    )


def _photo_events(db: Database) -> list[dict[str, object]]:
    with db.reading() as conn:
        rows = conn.execute(
            "SELECT envelope FROM outbox WHERE category = ? ORDER BY seq", (events.PHOTO,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def test_a_good_pose_is_accepted_stored_at_600_dpi_and_its_event_carries_the_hash(
    booth: PhotoBoothService, db: Database, good_still: Image, printer_sim: PrinterSimulator
) -> None:
    result = booth.capture(good_still)
    assert result.acceptable, result.problems
    assert result.to_review == ("head_covering",)

    photo = booth.accept(result, "en")

    assert photo.printed
    assert photo.path == booth.storage_dir / f"{photo.sha256}.jpg"
    with PilImage.open(photo.path) as image:
        assert image.format == "JPEG"
        assert image.size == (827, 1063)  # 35 x 45 mm at 600 dpi
        assert tuple(round(v) for v in image.info["dpi"]) == (600, 600)
    assert photo.path.stat().st_size == photo.size_bytes
    captured, receipt = _photo_events(db)
    assert captured["type"] == events.PHOTO_CAPTURED
    data = captured["data"]
    assert isinstance(data, dict)
    assert data["sha256"] == photo.sha256
    assert data["size_bytes"] == photo.size_bytes
    assert data["code"] == photo.code
    assert data["rule_set"] == "jp-passport"
    assert data["transfer"] == "pending"
    assert data["verdicts"]["status"]["head_height_mm"] == "pass"
    assert data["verdicts"]["review"] == ["head_covering"]
    assert receipt["type"] == events.PHOTO_RECEIPT_PRINTED
    row = PhotoRepository(db).by_code(photo.code)
    assert row is not None
    assert (row.transfer_state, row.receipt_state) == ("pending", "printed")
    assert [r.id for r in booth.pending_transfers()] == [photo.id]
    assert photo_code_valid(photo.code)
    assert len(printer_sim.tickets) == 1


def test_a_tilted_pose_is_refused_with_its_verdicts_and_nothing_is_stored(
    booth: PhotoBoothService, db: Database
) -> None:
    result = booth.capture(_still("tilt"))

    assert not result.acceptable
    assert "roll_deg" in result.problems
    assert result.report is not None
    assert result.report.verdict("roll_deg").measured is not None
    with pytest.raises(PhotoRefusedError) as refused:
        booth.accept(result, "ja")
    assert "roll_deg" in refused.value.problems
    assert _photo_events(db) == []
    assert not booth.storage_dir.exists() or not any(booth.storage_dir.iterdir())


def test_two_people_are_refused_before_any_crop(booth: PhotoBoothService) -> None:
    result = booth.capture(_still("two_people"))

    assert result.problems == ("too_many_faces",)
    assert result.crop is None


def test_a_printer_out_of_paper_leaves_the_photo_stored_and_reports_the_receipt_problem(
    booth: PhotoBoothService, db: Database, good_still: Image, printer_sim: PrinterSimulator
) -> None:
    printer_sim.set_paper("out")

    photo = booth.accept(booth.capture(good_still), "ja")

    assert not photo.printed
    assert photo.problem is not None
    assert (photo.problem.state, photo.problem.reason) == (HealthState.FAULT, "paper_out")
    assert photo.path.exists()
    captured, receipt = _photo_events(db)
    assert captured["type"] == events.PHOTO_CAPTURED
    assert receipt["type"] == events.PHOTO_RECEIPT_FAILED
    assert receipt["data"] == {"photo_id": photo.id, "code": photo.code, "reason": "paper_out"}
    row = PhotoRepository(db).get(photo.id)
    assert row is not None and row.receipt_state == "failed"


def test_the_receipt_layout_carries_the_code_as_text_and_as_qr(
    booth: PhotoBoothService, good_still: Image, clock: SteppingClock
) -> None:
    booth.settings = replace(booth.settings, receipt_qr="https://photo.example.jp/{code}")
    photo = booth.accept(booth.capture(good_still), "en")

    layout = booth.receipt_layout(photo, "en", clock.now(), ("head_covering",))

    assert layout.number == format_photo_code(photo.code)
    assert layout.qr == f"https://photo.example.jp/{photo.code}"
    assert layout.header == "Chuo City Office"
    assert "head covering" in " ".join(layout.lines).lower()


def test_photo_codes_use_unambiguous_symbols_and_a_check_symbol_catches_one_typo() -> None:
    code = new_photo_code()
    assert len(code) == 9 and set(code) <= set(CODE_ALPHABET)
    assert photo_code_valid(format_photo_code(code).lower())
    for i in range(9):
        for symbol in CODE_ALPHABET:
            if symbol != code[i]:
                assert not photo_code_valid(code[:i] + symbol + code[i + 1 :])


def test_the_receipt_names_the_rule_set_in_the_receipts_language(
    booth: PhotoBoothService, good_still: Image, clock: SteppingClock
) -> None:
    photo = booth.accept(booth.capture(good_still), "ja")

    ja = booth.receipt_layout(photo, "ja", clock.now())
    en = booth.receipt_layout(photo, "en", clock.now())

    assert "日本国パスポート(35×45mm)" in ja.lines[1]
    assert booth.rule_set.title not in ja.lines[1]  # the English title wrapped on the paper
    assert "Japanese passport (35 × 45 mm)" in en.lines[1]
