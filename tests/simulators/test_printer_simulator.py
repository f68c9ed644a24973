"""The ESC/POS printer simulator: streaming parser, rendering, status replies, control."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from escpos.printer import Dummy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.devices.printer.layout import TicketLayout, sample_ticket
from kiosk.devices.printer.protocol import TextMode
from simulators.printer.__main__ import main
from simulators.printer.control import ControlServer, apply_command
from simulators.printer.demo_faults import SimulatorFaults
from simulators.printer.parser import (
    EscPosParser,
    Feed,
    ParsedTicket,
    ParserEvent,
    QrBlock,
    RasterBlock,
    StatusQuery,
    TextLine,
    TicketCut,
)
from simulators.printer.render import TicketRenderer
from simulators.printer.server import PrinterSimulator

WAIT_S = 5.0
TICKET = sample_ticket()
KANJI_BYTES = TicketLayout(TextMode.KANJI).encode(TICKET)
RASTER_BYTES = TicketLayout(TextMode.RASTER).encode(TICKET)
IMAGE_QR_BYTES = TicketLayout(TextMode.KANJI).encode_with_image_qr(TICKET)


def _escpos_job() -> bytes:
    """What python-escpos emits for text, styles, a native QR, three image commands and a cut."""
    printer = Dummy(profile="TM-T20II")
    printer.textln("Hello")
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln("BIG")
    printer.set_with_default()
    printer.qr("https://q.example/escpos", native=True, size=4)
    block = Image.new("1", (16, 8), 0)
    printer.image(block, impl="bitImageRaster")
    printer.image(block, impl="graphics")
    printer.image(block, impl="bitImageColumn")
    printer.cut()
    return bytes(printer.output)


ESCPOS_BYTES = _escpos_job()


def _feed_all(parser: EscPosParser, chunks: list[bytes]) -> list[ParserEvent]:
    events: list[ParserEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    return events


def _only_ticket(data: bytes) -> ParsedTicket:
    events = EscPosParser().feed(data)
    [cut] = [event for event in events if isinstance(event, TicketCut)]
    return cut.ticket


# -- parser -------------------------------------------------------------------------------------


def test_kanji_ticket_decodes_to_the_tickets_lines_and_qr() -> None:
    ticket = _only_ticket(KANJI_BYTES)
    assert ticket.lines == [
        TICKET.header,
        TICKET.title,
        TICKET.number,
        *TICKET.lines,
        *TICKET.footer,
    ]
    assert ticket.qr_payloads == [TICKET.qr]
    assert ticket.byte_count == len(KANJI_BYTES)
    assert ticket.cut is True


def test_sizes_and_alignment_are_recorded_per_run() -> None:
    ticket = _only_ticket(KANJI_BYTES)
    lines = [block for block in ticket.blocks if isinstance(block, TextLine)]
    number = next(line for line in lines if line.text == TICKET.number)
    title = next(line for line in lines if line.text == TICKET.title)
    assert [(run.width, run.height, run.bold) for run in number.runs] == [(4, 4, True)]
    assert [(run.width, run.height, run.bold) for run in title.runs] == [(2, 2, True)]
    assert {line.align for line in lines} == {1}


def test_raster_ticket_has_gs_v_0_images_and_the_number_as_text() -> None:
    ticket = _only_ticket(RASTER_BYTES)
    assert ticket.lines == [TICKET.number]
    assert len(ticket.rasters) == 7
    assert {(r.command, r.align) for r in ticket.rasters} == {("GS v 0", 1)}
    title = ticket.rasters[1]
    assert (title.scale_x, title.scale_y) == (2, 2)  # drawn at half size, doubled by the printer
    assert ticket.byte_count == len(RASTER_BYTES)


def test_status_requests_become_queries_and_are_not_counted_in_the_ticket() -> None:
    parser = EscPosParser()
    boundary = len(b"\x1b@\x1bt\x01\x1cC\x01\x1ba\x01")  # between two commands
    events = parser.feed(
        b"\x10\x04\x01" + KANJI_BYTES[:boundary] + b"\x10\x04\x04" + KANJI_BYTES[boundary:]
    )
    assert events[:2] == [StatusQuery(1), StatusQuery(4)]
    assert isinstance(events[2], TicketCut)
    assert events[2].ticket.byte_count == len(KANJI_BYTES)


@pytest.mark.parametrize(
    "cut", [b"\x1dV\x00", b"\x1dV\x01", b"\x1dV0", b"\x1dVA\x05", b"\x1dVB\x00"]
)
def test_every_form_of_gs_v_cuts(cut: bytes) -> None:
    ticket = _only_ticket(b"\x1b@Hi\n" + cut)
    assert (ticket.lines, ticket.byte_count) == (["Hi"], 5 + len(cut))


def test_python_escpos_output_parses_into_text_qr_and_all_three_image_kinds() -> None:
    ticket = _only_ticket(ESCPOS_BYTES)
    assert ticket.lines == ["Hello", "BIG"]
    big = next(b for b in ticket.blocks if isinstance(b, TextLine) and b.text == "BIG")
    assert [(run.width, run.height, run.bold) for run in big.runs] == [(2, 2, True)]
    assert ticket.qr_payloads == ["https://q.example/escpos"]
    assert [r.command for r in ticket.rasters] == ["GS v 0", "GS ( L", "ESC *"]
    assert [(r.width, r.height) for r in ticket.rasters[:2]] == [(16, 8), (16, 8)]
    assert ticket.byte_count == len(ESCPOS_BYTES)


def test_esc_star_columns_become_raster_rows() -> None:
    # 24-dot double density, 2 columns: the first all black, the second only its top dot.
    ticket = _only_ticket(b"\x1b*\x21\x02\x00" + b"\xff\xff\xff" + b"\x80\x00\x00" + b"\n\x1dV\x01")
    [raster] = ticket.rasters
    assert (raster.width, raster.height, raster.command) == (2, 24, "ESC *")
    assert raster.data == b"\xc0" + b"\x80" * 23


def test_half_width_katakana_from_the_katakana_code_page() -> None:
    assert _only_ticket(b"\x1bt\x01\xbd\xcf\xb0\xc4\n\x1dV\x01").lines == ["ｽﾏｰﾄ"]


def test_jis_kanji_mode_decodes_byte_pairs() -> None:
    assert _only_ticket(b"\x1cC\x00\x1c&\x30\x21\x1c.\n\x1dV\x01").lines == ["亜"]


def test_a_huge_raster_image_is_skipped_without_buffering_it() -> None:
    width_bytes, height = 1024, 2048  # 2 MiB, above the 1 MiB the parser keeps
    header = b"\x1dv0\x00" + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little")
    job = header + bytes(width_bytes * height) + b"Hi\n\x1dV\x01"
    parser = EscPosParser()
    events = _feed_all(parser, [job[i : i + 65536] for i in range(0, len(job), 65536)])
    [cut] = events
    assert isinstance(cut, TicketCut)
    assert (cut.ticket.lines, cut.ticket.rasters, cut.ticket.byte_count) == (["Hi"], [], len(job))


def test_unknown_commands_are_skipped_and_counted() -> None:
    parser = EscPosParser()
    [cut] = parser.feed(b"\x1b\xf0A\x1d\xf1B\x1c\xf2\n\x1dV\x01")
    assert isinstance(cut, TicketCut)
    assert cut.ticket.lines == ["AB"]
    assert parser.skipped_bytes == 6


def test_a_job_without_a_cut_is_returned_uncut_at_the_end_of_the_stream() -> None:
    parser = EscPosParser()
    assert parser.feed(KANJI_BYTES[:60]) == []
    partial = parser.finish()
    assert partial is not None
    assert (partial.cut, partial.lines[0]) == (False, TICKET.header)


def test_feeds_become_blank_space() -> None:
    ticket = _only_ticket(b"A\n\n\x1bJ\x06\x1bd\x02\x1dV\x01")
    assert [b for b in ticket.blocks if isinstance(b, Feed)] == [Feed(30), Feed(6), Feed(60)]


# Command prefixes and arguments, so fuzzing reaches every branch, not only text.
COMMANDISH = st.lists(
    st.sampled_from(
        [
            b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x10\x04", b"\x10\x14", b"\x1d(k", b"\x1dv0",
            b"\x1d(L", b"\x1d8L", b"\x1b*", b"\x1b&", b"\x1bD", b"\x1dk", b"\x1dV", b"\x1d*",
            b"\x1cC\x01\x1c&", b"\x1cC\x00\x1c&", b"\x1c.", b"\x1bt\x01", b"\x1b(A", b"\n",
        ]
    )
    | st.binary(max_size=8),
    max_size=80,
).map(b"".join)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | COMMANDISH)
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    parser = EscPosParser()
    parser.feed(data)
    parser.finish()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.binary(max_size=200) | COMMANDISH,
    job=st.sampled_from([KANJI_BYTES, RASTER_BYTES, ESCPOS_BYTES, IMAGE_QR_BYTES]),
    suffix=st.binary(max_size=200) | COMMANDISH,
    cuts=st.lists(st.integers(min_value=0, max_value=100_000), max_size=25),
)
def test_any_split_gives_the_same_events_as_one_piece(
    prefix: bytes, job: bytes, suffix: bytes, cuts: list[int]
) -> None:
    stream = prefix + b"\x10\x04\x01" + job + b"\x10\x04\x04" + job + suffix
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]

    whole = EscPosParser()
    split = EscPosParser()
    assert _feed_all(split, chunks) == whole.feed(stream)
    assert split.finish() == whole.finish()


# -- rendering ----------------------------------------------------------------------------------


def test_rendered_ticket_is_576_dots_wide_and_its_qr_decodes() -> None:
    image = TicketRenderer().render(_only_ticket(KANJI_BYTES))
    assert (image.mode, image.width) == ("1", 576)
    assert [c.text for c in zxingcpp.read_barcodes(image.convert("L"))] == [TICKET.qr]


def test_an_image_qr_from_python_escpos_is_blitted_and_still_decodes() -> None:
    ticket = _only_ticket(IMAGE_QR_BYTES)
    assert ticket.qr_payloads == []
    image = TicketRenderer().render(ticket)
    assert [c.text for c in zxingcpp.read_barcodes(image.convert("L"))] == [TICKET.qr]


def test_raster_blocks_scale_by_their_dot_multipliers() -> None:
    block = RasterBlock(width=8, height=2, data=b"\xf0\x0f", scale_x=2, scale_y=3)
    assert TicketRenderer.raster_image(block).size == (16, 6)


def test_an_oversized_qr_payload_is_not_drawn_instead_of_failing() -> None:
    assert TicketRenderer.qr_image(QrBlock(payload=b"x" * 4000, error_correction="H")) is None


# -- server -------------------------------------------------------------------------------------


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0, out_dir=tmp_path / "out") as sim:
        yield sim


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({}, (0x12, 0x12, 0x12, 0x12)),
        ({"paper": "near_end"}, (0x12, 0x12, 0x12, 0x1E)),
        ({"paper": "out"}, (0x1A, 0x32, 0x12, 0x7E)),
        ({"cover": True}, (0x1A, 0x16, 0x12, 0x12)),
        ({"cutter": True}, (0x1A, 0x52, 0x1A, 0x12)),
        ({"offline": True}, (None, None, None, None)),
        ({"corrupt": True}, (0xFF, 0xFF, 0xFF, 0xFF)),
    ],
)
def test_status_bytes_follow_the_simulated_state(
    simulator: PrinterSimulator, setup: dict[str, object], expected: tuple[int | None, ...]
) -> None:
    if "paper" in setup:
        simulator.set_paper(str(setup["paper"]))
    simulator.set_cover_open(bool(setup.get("cover", False)))
    simulator.set_cutter_error(bool(setup.get("cutter", False)))
    simulator.set_offline(bool(setup.get("offline", False)))
    simulator.set_corrupt_replies(bool(setup.get("corrupt", False)))
    assert tuple(simulator.status_byte(n) for n in (1, 2, 3, 4)) == expected


def test_status_is_answered_over_tcp(simulator: PrinterSimulator) -> None:
    simulator.set_paper("out")
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        conn.sendall(b"\x10\x04\x04")
        assert conn.recv(1) == b"\x7e"
        conn.sendall(b"\x10\x04\x01")
        assert conn.recv(1) == b"\x1a"
    assert simulator.status_queries == 2


def test_a_ticket_is_written_as_png_and_json(simulator: PrinterSimulator, tmp_path: Path) -> None:
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        conn.sendall(KANJI_BYTES)
    [ticket] = simulator.wait_for_tickets(1, WAIT_S)
    assert ticket.png_path == tmp_path / "out" / "ticket-0001.png"
    assert ticket.json_path == tmp_path / "out" / "ticket-0001.json"
    with Image.open(ticket.png_path) as png:
        assert png.width == 576
    record = json.loads(ticket.json_path.read_text(encoding="utf-8"))
    assert record["lines"][1] == "住民票・証明書"
    assert (record["qr"], record["bytes"], record["cut"], record["index"]) == (
        [TICKET.qr],
        len(KANJI_BYTES),
        True,
        1,
    )


def test_nothing_is_printed_while_the_paper_is_out_but_status_is_answered(
    simulator: PrinterSimulator,
) -> None:
    simulator.set_paper("out")
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        conn.sendall(KANJI_BYTES + b"\x10\x04\x04")
        assert conn.recv(1) == b"\x7e"  # answered after the job was handled
    assert (simulator.printed_count, simulator.discarded_count) == (0, 1)
    simulator.set_paper("ok")
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        conn.sendall(KANJI_BYTES)
    assert simulator.wait_for_tickets(1, WAIT_S)[0].index == 1


def test_a_dropped_connection_keeps_the_uncut_part(simulator: PrinterSimulator) -> None:
    simulator.drop_connection_after(100)
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        conn.sendall(KANJI_BYTES)
        with pytest.raises(ConnectionResetError):  # the simulator resets the link
            conn.recv(1)
    [partial] = simulator.wait_for_tickets(1, WAIT_S)
    assert (partial.cut, partial.lines[0]) == (False, TICKET.header)
    assert simulator.received_bytes == 100


def test_waiting_for_tickets_that_never_come_raises_timeout_error(
    simulator: PrinterSimulator,
) -> None:
    with pytest.raises(TimeoutError, match="printed 0 of 1"):
        simulator.wait_for_tickets(1, 0.01)


def test_an_unknown_paper_state_is_refused(simulator: PrinterSimulator) -> None:
    with pytest.raises(ValueError, match="ok, near_end, out"):
        simulator.set_paper("low")


def test_stopping_with_a_client_connected_keeps_its_uncut_job(tmp_path: Path) -> None:
    sim = PrinterSimulator(port=0).start()
    conn = socket.create_connection(("127.0.0.1", sim.port), timeout=WAIT_S)
    conn.sendall(KANJI_BYTES[:80])
    sim.wait_for_received(80, WAIT_S)
    sim.stop()
    conn.close()
    assert [(t.cut, t.png_path) for t in sim.tickets] == [(False, None)]


# -- control ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "n", "expected"),
    [
        ("paper out", 4, 0x7E),
        ("paper near", 4, 0x1E),
        ("cover open", 2, 0x16),
        ("cutter jam", 3, 0x1A),
        ("offline on", 1, None),
        ("corrupt on", 1, 0xFF),
    ],
)
def test_control_commands_switch_faults(
    simulator: PrinterSimulator, command: str, n: int, expected: int | None
) -> None:
    assert apply_command(simulator, command).startswith("ok ")
    assert simulator.status_byte(n) == expected
    apply_command(simulator, "reset")
    assert simulator.status_byte(n) == 0x12


def test_an_unknown_control_command_says_what_is_understood(simulator: PrinterSimulator) -> None:
    reply = apply_command(simulator, "paper purple")
    assert reply.startswith("error: cannot understand 'paper purple'")
    assert "paper ok|near|out" in reply


def test_control_port_takes_commands_over_tcp(simulator: PrinterSimulator) -> None:
    control = ControlServer(simulator).start()
    try:
        with socket.create_connection(("127.0.0.1", control.port), timeout=WAIT_S) as conn:
            conn.sendall(b"cover open\n")
            reply = conn.makefile("rb").readline()
        assert reply.startswith(b"ok paper=ok cover=open")
        assert simulator.status_byte(2) == 0x16
    finally:
        control.stop()


def test_demo_faults_drive_the_simulator_and_list_recent_tickets(
    simulator: PrinterSimulator,
) -> None:
    faults = SimulatorFaults(simulator)
    faults.set_paper("out")
    assert simulator.status_byte(4) == 0x7E
    faults.set_paper("ok")
    faults.set_cover_open(True)
    assert simulator.status_byte(2) == 0x16
    faults.set_cover_open(False)
    faults.set_offline(True)
    assert simulator.status_byte(1) is None
    faults.set_offline(False)
    for count, number in enumerate((b"A-001", b"A-002"), start=1):
        with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
            conn.sendall(b"\x1b@" + number + b"\n\x1dV\x01")
        simulator.wait_for_tickets(count, WAIT_S)
    assert faults.recent_tickets() == [
        "#1 A-001 (11 B) ticket-0001.png",
        "#2 A-002 (11 B) ticket-0002.png",
    ]


def test_demo_drop_next_ticket_leaves_a_partial_print(simulator: PrinterSimulator) -> None:
    SimulatorFaults(simulator).drop_next_ticket()
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        conn.sendall(b"\x1b@First line\nSecond line" + b"." * 100 + b"\n\x1dV\x01")
    [ticket] = simulator.wait_for_tickets(1, WAIT_S)
    assert (ticket.cut, ticket.byte_count) == (False, 40)
    assert ticket.lines == ("First line", "Second line" + "." * 16)


def test_command_line_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    assert "--port" in capsys.readouterr().out
