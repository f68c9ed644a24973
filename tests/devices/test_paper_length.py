"""The paper a ticket's bytes feed, measured against the printer simulator's rendered PNG."""

from __future__ import annotations

import pytest

from kiosk.devices.printer import commands as cmd
from kiosk.devices.printer.layout import TicketLayout, sample_ticket
from kiosk.devices.printer.paper_length import (
    LINE_FEED_DOTS,
    UnmeasuredCommandError,
    paper_length_dots,
)
from kiosk.devices.printer.protocol import TextMode, Ticket
from simulators.printer.parser import EscPosParser, TicketCut
from simulators.printer.render import MARGIN_DOTS, TicketRenderer

LONG_TICKET = Ticket(
    header="Chuo City Office, ground floor, the long corridor past the stairs, desk 4",
    title="とても長いサービスの名前ですから折り返します",
    number="A-123",
    lines=("発行 2025年6月2日 10:32", "ｽﾏｰﾄﾌｫﾝで確認できます" * 3),
    qr="https://queue.city.example.jp/s/" + "x" * 150,
    footer=("番号が呼ばれましたら窓口へお越しください",),
)


def rendered_height(data: bytes) -> int:
    """The ticket's paper on the simulator's PNG (its top and bottom margins taken off)."""
    events = EscPosParser().feed(data)
    cuts = [event for event in events if isinstance(event, TicketCut)]
    assert len(cuts) == 1
    image = TicketRenderer().render(cuts[0].ticket)
    return image.height - 2 * MARGIN_DOTS


@pytest.mark.parametrize("mode", [TextMode.KANJI, TextMode.RASTER])
@pytest.mark.parametrize("ticket", [sample_ticket(), LONG_TICKET], ids=["standard", "wrapping"])
def test_the_counted_paper_equals_the_ticket_on_the_simulators_png(
    mode: TextMode, ticket: Ticket
) -> None:
    data = TicketLayout(mode).encode(ticket)
    assert paper_length_dots(data) == rendered_height(data)


def test_the_standard_kanji_ticket_is_84_mm_long() -> None:
    data = TicketLayout(TextMode.KANJI).encode(sample_ticket())
    assert paper_length_dots(data) == 672  # 84 mm at 8 dots per mm


def test_feeds_rasters_and_double_size_text_add_up_as_the_printer_feeds_them() -> None:
    data = (
        cmd.INIT
        + cmd.char_size(2, 2)
        + b"AB\n"  # one row of 48 dots + 6
        + cmd.char_size(1, 1)
        + b"\n"  # an empty line: 30
        + cmd.feed_dots(10)  # 10
        + cmd.raster_image(1, 7, bytes(7), double_height=True)  # 14
        + cmd.feed_lines(3)  # 90
        + cmd.cut(partial=True, feed=0)
    )
    assert paper_length_dots(data) == 54 + LINE_FEED_DOTS + 10 + 14 + 3 * LINE_FEED_DOTS


def test_a_command_outside_the_ticket_layout_is_refused_not_guessed() -> None:
    with pytest.raises(UnmeasuredCommandError, match="1b 2a"):
        paper_length_dots(cmd.INIT + b"\x1b*\x00\x01\x00\xff")
