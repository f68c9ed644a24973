"""Tickets in every language on a Japanese printer (issue 13): what its Kanji ROM can print goes
as text, every script it lacks is drawn with that language's font, and one Japanese line tells
the staff what the ticket is for. Checked on what the printer simulator prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, features

from kiosk.devices.printer.layout import TicketLayout
from kiosk.devices.printer.protocol import TextMode, Ticket
from kiosk.devices.printer.raster import RasterText, find_language_font
from simulators.printer.parser import EscPosParser, ParsedTicket, RasterBlock, TicketCut
from simulators.printer.render import TicketRenderer

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
STAFF_LINE = "職員用: 住民票・証明書 A-001"
TICKETS = {
    "zh": Ticket(
        header="中央区政府",
        title="住民票・证明书",
        number="A-001",
        lines=("取号时间 2026-12-05 10:00", "前面等候人数 2人", "预计等候时间 约10分钟"),
        qr="https://queue.example.jp/chuo/t/1",
        footer=("我们将按号码叫号。", "扫描二维码可查看叫号进度。"),
        language="zh",
        staff_lines=(STAFF_LINE,),
    ),
    "ko": Ticket(
        header="주오구청",
        title="주민표・증명서",
        number="A-001",
        lines=("발권 2026-12-05 10:00", "대기 인원 2명", "예상 대기 시간 약 10분"),
        qr="https://queue.example.jp/chuo/t/1",
        footer=("번호로 호출합니다.",),
        language="ko",
        staff_lines=(STAFF_LINE,),
    ),
    "ne": Ticket(
        header="चुओ वडा कार्यालय",
        title="प्रमाणपत्रहरू",
        number="A-001",
        lines=("प्रतीक्षामा २ जना",),
        qr="https://queue.example.jp/chuo/t/1",
        language="ne",
        staff_lines=(STAFF_LINE,),
    ),
    "vi": Ticket(
        header="Uy ban quan Chuo",
        title="Giấy chứng nhận cư trú",
        number="A-001",
        lines=("Thời gian chờ khoảng 10 phút",),
        qr="https://queue.example.jp/chuo/t/1",
        language="vi",
        staff_lines=(STAFF_LINE,),
    ),
}


def printed(ticket: Ticket, text_mode: TextMode = TextMode.KANJI) -> ParsedTicket:
    """The ticket as the printer simulator parses the layout's bytes."""
    events = EscPosParser().feed(TicketLayout(text_mode).encode(ticket))
    [cut] = [event for event in events if isinstance(event, TicketCut)]
    return cut.ticket


def drawn(text: str, language: str) -> Image.Image:
    """``text`` as the language's font draws it at body size (one printed line)."""
    face = find_language_font(language)
    [line] = RasterText(face.path, font_index=face.index).render(text)
    return line.image


def bitmap(block: RasterBlock) -> Image.Image:
    return TicketRenderer.raster_image(block)


def same(printed_image: Image.Image, expected: Image.Image) -> bool:
    """The printed bit image is the expected one (plus the white padding to whole bytes)."""
    width, height = expected.size
    if printed_image.height != height or not 0 <= printed_image.width - width < 8:
        return False
    ink = ImageChops.invert(printed_image.convert("L")).getbbox()
    cropped = printed_image.crop((0, 0, width, height)).convert("L")
    return ImageChops.difference(cropped, expected.convert("L")).getbbox() is None and (
        ink is None or ink[2] <= width
    )


@pytest.mark.parametrize("language", ["zh", "ko", "ne"])
def test_chinese_korean_and_nepali_are_drawn_with_their_own_font_and_staff_read_japanese(
    language: str,
) -> None:
    ticket = TICKETS[language]

    parsed = printed(ticket)

    # Text the printer printed itself: the number (ASCII) and the staff line (Kanji mode).
    assert parsed.lines == ["A-001", STAFF_LINE]
    assert parsed.qr_payloads == ["https://queue.example.jp/chuo/t/1"]
    non_ascii = [ticket.header, ticket.title, *ticket.lines, *ticket.footer]
    assert len(parsed.rasters) == len(non_ascii)
    # Each body line is exactly the language's font drawing that line (the title is bold, 2x).
    body = parsed.rasters[2 : 2 + len(ticket.lines)]
    assert all(
        same(bitmap(block), drawn(text, language))
        for block, text in zip(body, ticket.lines, strict=True)
    )
    image = TicketRenderer().render(parsed)
    SCREENSHOTS.mkdir(exist_ok=True)
    image.save(SCREENSHOTS / f"ticket-{language}.png")
    assert image.width == 576


def test_chinese_is_drawn_in_its_simplified_forms_not_the_japanese_roms() -> None:
    # 「说」 has no JIS X 0208 code; 「单」 neither: the Kanji ROM could not print them at all,
    # and the SC face draws 「门」 differently from the JP face of the same collection.
    sc = find_language_font("zh")
    jp_face = RasterText(sc.path, font_index=0)
    sc_face = RasterText(sc.path, font_index=sc.index)

    assert sc.index == 2
    assert not same(jp_face.render("门")[0].image, sc_face.render("门")[0].image)


def test_vietnamese_is_drawn_where_its_accents_are_and_plain_latin_stays_text() -> None:
    parsed = printed(TICKETS["vi"])

    assert parsed.lines == ["Uy ban quan Chuo", "A-001", STAFF_LINE]
    assert len(parsed.rasters) == 2  # the title and the wait line have ấ, ứ, ờ, ả…
    assert same(bitmap(parsed.rasters[1]), drawn("Thời gian chờ khoảng 10 phút", "vi"))


def test_nepali_is_shaped_not_drawn_letter_by_letter() -> None:
    # Raqm (in the Pillow wheels) places the vowel sign ि before its consonant and joins
    # conjuncts; Pillow's basic layout would draw the code points in their stored order.
    assert features.check("raqm")
    face = find_language_font("ne")
    shaped = RasterText(face.path, font_index=face.index).font(24)
    assert shaped.getlength("कि") != shaped.getlength("क") + shaped.getlength("ि")


def test_a_japanese_ticket_is_unchanged_and_has_no_staff_line() -> None:
    ticket = Ticket(
        header="中央区役所",
        title="住民票・証明書",
        number="A-001",
        lines=("お待ちの方 2人",),
        qr="https://queue.example.jp/chuo/t/1",
    )

    parsed = printed(ticket)

    assert parsed.lines == ["中央区役所", "住民票・証明書", "A-001", "お待ちの方 2人"]
    assert parsed.rasters == []


def test_in_raster_mode_chinese_still_uses_the_chinese_font() -> None:
    parsed = printed(TICKETS["zh"], TextMode.RASTER)

    assert parsed.lines == ["A-001"]  # the staff line is drawn too, with the Japanese font
    body = parsed.rasters[2:5]
    assert all(
        same(bitmap(block), drawn(text, "zh"))
        for block, text in zip(body, TICKETS["zh"].lines, strict=True)
    )
