"""Ticket layout bytes in Kanji and raster mode, and the raster encoder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from kiosk.devices.printer import commands as cmd
from kiosk.devices.printer.kanji import UnprintableTextError
from kiosk.devices.printer.layout import TicketLayout, qr_module_size_for, sample_ticket
from kiosk.devices.printer.protocol import TextMode
from kiosk.devices.printer.raster import RasterText, find_font, image_to_raster
from kiosk.errors import ConfigError

TICKET = sample_ticket()


def test_kanji_ticket_starts_with_init_katakana_page_shift_jis_and_centring() -> None:
    data = TicketLayout(TextMode.KANJI).encode(TICKET)
    assert data.startswith(b"\x1b@" + b"\x1bt\x01" + b"\x1cC\x01" + b"\x1ba\x01")


def test_ticket_ends_with_a_feed_and_a_partial_cut_at_the_cutter() -> None:
    data = TicketLayout(TextMode.KANJI).encode(TICKET)
    assert data.endswith(b"\x1bd\x02" + b"\x1dVB\x00")


def test_standard_japanese_ticket_in_kanji_mode_is_under_one_kibibyte() -> None:
    assert len(TicketLayout(TextMode.KANJI).encode(TICKET)) == 380


def test_number_is_printed_four_times_the_size_and_bold_then_reset() -> None:
    data = TicketLayout(TextMode.KANJI).encode(TICKET)
    assert b"\x1d!\x33A-042\n" in data
    title = TicketLayout(TextMode.KANJI).encode(replace(TICKET, lines=(), footer=()))
    assert b"\x1d!\x11\x1bE\x01\x1c&" in title  # title: double size, bold, Kanji mode


def test_native_qr_of_the_status_url_is_in_the_ticket() -> None:
    data = TicketLayout(TextMode.KANJI).encode(TICKET)
    assert (
        cmd.qr(TICKET.qr.encode(), module_size=6, error_correction=cmd.QrErrorCorrection.M) in data
    )


@pytest.mark.parametrize(("length", "size"), [(10, 6), (80, 6), (81, 5), (200, 5), (201, 4)])
def test_qr_module_size_shrinks_for_long_payloads(length: int, size: int) -> None:
    assert qr_module_size_for(b"x" * length) == size


def test_raster_ticket_has_no_kanji_mode_and_keeps_ascii_as_text() -> None:
    data = TicketLayout(TextMode.RASTER).encode(TICKET)
    assert b"\x1c&" not in data
    assert b"\x1d!\x33\x1bE\x01A-042\n" in data
    assert data.count(b"\x1dv0") == 7


def test_unprintable_text_fails_in_kanji_mode_but_is_drawn_in_raster_mode() -> None:
    odd = replace(TICKET, title="𠮷野家前")
    with pytest.raises(UnprintableTextError, match="U\\+20BB7"):
        TicketLayout(TextMode.KANJI).encode(odd)
    assert b"\x1dv0" in TicketLayout(TextMode.RASTER).encode(odd)


def test_image_qr_ticket_replaces_the_native_qr_with_an_image() -> None:
    data = TicketLayout(TextMode.KANJI).encode_with_image_qr(TICKET)
    assert b"\x1d(k" not in data
    assert b"\x1dv0" in data
    assert len(data) > len(TicketLayout(TextMode.KANJI).encode(TICKET))


def test_image_to_raster_packs_msb_first_with_one_for_black() -> None:
    image = Image.new("1", (10, 2), 1)
    image.putpixel((0, 0), 0)
    image.putpixel((9, 1), 0)
    assert image_to_raster(image) == b"\x1dv0\x00\x02\x00\x02\x00" + b"\x80\x00" + b"\x00\x40"


def test_image_to_raster_splits_tall_images_into_bands() -> None:
    data = image_to_raster(Image.new("1", (8, 1000), 0))
    assert data.count(b"\x1dv0") == 2
    assert data[4:8] == b"\x01\x00\xc0\x03"  # 1 byte wide, 960 rows


def test_raster_text_is_cropped_to_its_ink_and_as_tall_as_the_font() -> None:
    [line] = RasterText().render("番号")
    assert line.image.mode == "1"
    assert 40 <= line.image.width <= 48
    assert line.image.height == 25


def test_raster_text_wraps_at_the_paper_width() -> None:
    lines = RasterText(paper_width_dots=100).render("あいうえおかきくけこ")  # 24 dots each
    assert [line.text for line in lines] == ["あいうえ", "おかきく", "けこ"]
    assert all(line.image.width <= 100 for line in lines)


def test_a_configured_font_that_does_not_exist_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="font file not found"):
        find_font(tmp_path / "missing.ttf")


def test_no_font_at_all_is_a_config_error_that_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("kiosk.devices.printer.raster.DEFAULT_FONT_PATHS", (tmp_path / "no.ttf",))
    with pytest.raises(ConfigError, match="install fonts-ipafont-gothic"):
        find_font(None)
