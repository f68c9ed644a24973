"""The real ESC/POS driver over TCP against the real printer simulator (and a scripted peer)."""

from __future__ import annotations

import json
import logging
import random
import socket
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.devices.health import HealthState
from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.printer.factory import PrinterSettings, open_printer
from kiosk.devices.printer.layout import TicketLayout, sample_ticket
from kiosk.devices.printer.protocol import PaperStatus, PrinterError, TextMode, Ticket
from kiosk.devices.transport import FileTransport, Transport, open_transport
from kiosk.devices.url import parse_device_url
from kiosk.errors import DeviceUrlError, TransportError
from simulators.printer.server import PrinterSimulator
from tests.devices.conftest import PrinterFactory

WAIT_S = 5.0
TICKET = sample_ticket()
STATUS_QUERY_BYTES = 4 * 3  # DLE EOT 1..4


def _decoded_qr(png: Path) -> list[str]:
    with Image.open(png) as image:
        return [code.text for code in zxingcpp.read_barcodes(image.convert("L"))]


class RecordingTransport:
    """Wraps a transport and records every read timeout the driver asks for."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.can_read = inner.can_read
        self.read_timeouts: list[float] = []

    @property
    def connection_count(self) -> int:
        return self.inner.connection_count

    def write(self, data: bytes) -> None:
        self.inner.write(data)

    def read(self, n: int, timeout: float) -> bytes:
        self.read_timeouts.append(timeout)
        return self.inner.read(n, timeout)

    def reset_input(self) -> None:
        self.inner.reset_input()

    def close(self) -> None:
        self.inner.close()

    def describe(self) -> str:
        return self.inner.describe()


class ScriptedTransport:
    """Answers status queries from a script: one byte (or b"" for silence) per query."""

    can_read = True
    connection_count = 1

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = list(replies)
        self.written = bytearray()

    def write(self, data: bytes) -> None:
        self.written += data

    def read(self, n: int, timeout: float) -> bytes:
        return self.replies.pop(0) if self.replies else b""

    def reset_input(self) -> None:
        pass

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "scripted://"


# -- printing -----------------------------------------------------------------------------------


def test_kanji_ticket_carries_the_number_japanese_text_and_a_decodable_qr(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    printer = make_printer(TextMode.KANJI)
    status = printer.print_ticket(TICKET)

    ticket = simulator.wait_for_tickets(1, WAIT_S)[0]
    assert status.health().state is HealthState.OK
    assert ticket.cut is True
    assert ticket.lines == (
        TICKET.header,
        TICKET.title,
        TICKET.number,
        *TICKET.lines,
        *TICKET.footer,
    )
    assert ticket.byte_count == len(printer.encode_ticket(TICKET))
    assert ticket.byte_count < 1024
    assert ticket.png_path is not None
    assert _decoded_qr(ticket.png_path) == [TICKET.qr]
    assert ticket.json_path is not None
    record = json.loads(ticket.json_path.read_text(encoding="utf-8"))
    assert record == {
        "index": 1,
        "lines": list(ticket.lines),
        "qr": [TICKET.qr],
        "raster": [],
        "bytes": ticket.byte_count,
        "cut": True,
    }


def test_raster_ticket_sends_japanese_as_images_and_keeps_a_decodable_qr(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    printer = make_printer(TextMode.RASTER)
    printer.print_ticket(TICKET)

    ticket = simulator.wait_for_tickets(1, WAIT_S)[0]
    drawn = [TICKET.header, TICKET.title, *TICKET.lines, *TICKET.footer]  # none of them ASCII
    assert ticket.lines == (TICKET.number,)  # plain ASCII stays text; Japanese is drawn
    assert len(ticket.raster) == len(drawn)
    assert {block["command"] for block in ticket.raster} == {"GS v 0"}
    assert ticket.qr == (TICKET.qr,)
    assert ticket.png_path is not None
    assert _decoded_qr(ticket.png_path) == [TICKET.qr]
    assert ticket.json_path is not None
    record = json.loads(ticket.json_path.read_text(encoding="utf-8"))
    assert record["raster"] == list(ticket.raster)
    assert record["bytes"] == len(printer.encode_ticket(TICKET))


def test_two_tickets_on_one_connection_are_two_cut_tickets(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    printer = make_printer()
    printer.print_ticket(TICKET)
    printer.print_ticket(replace(TICKET, number="A-043"))

    tickets = simulator.wait_for_tickets(2, WAIT_S)
    assert [t.lines[2] for t in tickets] == ["A-042", "A-043"]
    assert [t.index for t in tickets] == [1, 2]
    assert [t.png_path.name for t in tickets if t.png_path] == [
        "ticket-0001.png",
        "ticket-0002.png",
    ]


def test_paper_near_end_still_prints_and_reports_degraded(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    simulator.set_paper("near_end")
    status = make_printer().print_ticket(TICKET)
    assert status.paper is PaperStatus.NEAR_END
    assert (status.health().state, status.health().reason) == (
        HealthState.DEGRADED,
        "paper_near_end",
    )
    assert len(simulator.wait_for_tickets(1, WAIT_S)) == 1


# -- refusing to print --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("paper", "paper_out"), ("cover", "cover_open"), ("cutter", "printer_error")],
)
def test_a_printer_fault_refuses_the_ticket_before_sending_it(
    simulator: PrinterSimulator, make_printer: PrinterFactory, fault: str, reason: str
) -> None:
    if fault == "paper":
        simulator.set_paper(PaperStatus.OUT)
    elif fault == "cover":
        simulator.set_cover_open(True)
    else:
        simulator.set_cutter_error(True)

    with pytest.raises(PrinterError) as caught:
        make_printer().print_ticket(TICKET)

    assert (caught.value.health.state, caught.value.health.reason) == (HealthState.FAULT, reason)
    assert simulator.received_bytes == STATUS_QUERY_BYTES  # the ticket itself was never sent
    assert simulator.printed_count == 0


def test_a_silent_printer_is_unknown_within_the_status_timeout(
    simulator: PrinterSimulator,
) -> None:
    simulator.set_offline(True)
    transport = RecordingTransport(open_transport(parse_device_url(simulator.url), timeout=2.0))
    printer = EscPosPrinter(transport, status_timeout_s=0.2)

    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(TICKET)

    assert (caught.value.health.state, caught.value.health.reason) == (
        HealthState.UNKNOWN,
        "no_answer",
    )
    # One query, one wait of at most the configured timeout; then it gives up.
    assert len(transport.read_timeouts) == 1
    assert transport.read_timeouts[0] <= 0.2
    assert simulator.received_bytes == 3
    assert simulator.printed_count == 0
    printer.close()


def test_status_of_a_silent_printer_is_not_answered_and_never_ok(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    simulator.set_offline(True)
    printer = make_printer(status_timeout_s=0.1)
    status = printer.status()
    assert status.answered is False
    assert status.paper is PaperStatus.UNKNOWN
    assert status.health().state is HealthState.UNKNOWN


def test_a_printer_that_lacks_the_paper_sensor_query_is_unknown_and_refused(
    simulator: PrinterSimulator,
) -> None:
    simulator.set_unanswered({4})
    transport = RecordingTransport(open_transport(parse_device_url(simulator.url), timeout=2.0))
    printer = EscPosPrinter(transport, status_timeout_s=0.2)

    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(TICKET)

    assert caught.value.health.reason == "partial_answer"
    assert len(transport.read_timeouts) == 4
    assert sum(min(t, 0.2) for t in transport.read_timeouts) <= 4 * 0.2
    assert max(transport.read_timeouts) <= 0.2
    printer.close()


def test_garbled_status_replies_are_unknown_bad_answer(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    simulator.set_corrupt_replies(True)
    printer = make_printer(status_timeout_s=0.5)
    status = printer.status()
    assert status.answered is False
    assert status.health().reason == "bad_answer"
    health = printer.health()
    assert (health.state, health.reason) == (HealthState.UNKNOWN, "bad_answer")
    assert "0xff" in health.detail


def test_a_connection_dropped_mid_ticket_is_a_printer_error_and_the_next_ticket_reconnects(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    printer = make_printer()
    simulator.drop_connection_after(STATUS_QUERY_BYTES + 60)

    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(TICKET)

    assert (caught.value.health.state, caught.value.health.reason) == (
        HealthState.FAULT,
        "disconnected",
    )
    partial = simulator.wait_for_tickets(1, WAIT_S)[0]
    assert partial.cut is False
    assert partial.lines[0] == TICKET.header
    assert partial.byte_count <= 60

    printer.print_ticket(TICKET)  # reconnects on the next write
    ticket = simulator.wait_for_tickets(2, WAIT_S)[1]
    assert ticket.cut is True
    assert ticket.qr == (TICKET.qr,)


def test_the_recent_frames_are_logged_on_a_fault(
    simulator: PrinterSimulator, make_printer: PrinterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.set_paper("out")
    printer = make_printer()
    with (
        caplog.at_level(logging.WARNING, logger="kiosk.devices.printer.escpos_printer"),
        pytest.raises(PrinterError),
    ):
        printer.print_ticket(TICKET)
    [record] = [r for r in caplog.records if "paper_out" in r.getMessage()]
    assert "tx    3 B  10 04 04" in record.getMessage()
    assert "rx    1 B  7e" in record.getMessage()
    frames = printer.recent_frames()
    assert [(f.direction, f.head) for f in frames[-2:]] == [
        ("tx", b"\x10\x04\x04"),
        ("rx", b"\x7e"),
    ]


def test_garbage_sent_to_the_simulator_does_not_crash_it(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    garbage = random.Random(1234).randbytes(20_000)
    with socket.create_connection(("127.0.0.1", simulator.port)) as raw:
        raw.sendall(garbage)
    simulator.wait_for_received(len(garbage), WAIT_S)

    status = make_printer().print_ticket(TICKET)  # the simulator still serves and answers

    assert status.health().state is HealthState.OK
    ours = [t for t in simulator.tickets if t.qr == (TICKET.qr,)]
    assert len(ours) == 1
    assert ours[0].lines[2] == TICKET.number
    assert ours[0].byte_count == len(TicketLayout(TextMode.KANJI).encode(TICKET))


# -- what never reaches the wire ----------------------------------------------------------------


def test_unprintable_text_is_refused_before_anything_is_sent(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    with pytest.raises(PrinterError) as caught:
        make_printer().print_ticket(replace(TICKET, title="住民票😀"))
    assert (caught.value.health.state, caught.value.health.reason) == (
        HealthState.DEGRADED,
        "unprintable_text",
    )
    assert "U+1F600" in caught.value.health.detail
    assert simulator.received_bytes == 0


# -- scripted peer: what the simulator cannot easily stage --------------------------------------


def test_paper_out_right_after_the_cut_means_the_ticket_is_not_surely_printed() -> None:
    ok = [b"\x12"] * 4
    paper_out_after = [b"\x1a", b"\x32", b"\x12", b"\x7e"]
    transport = ScriptedTransport(ok + paper_out_after)
    printer = EscPosPrinter(transport)

    with pytest.raises(PrinterError, match="not surely printed") as caught:
        printer.print_ticket(TICKET)

    assert (caught.value.health.state, caught.value.health.reason) == (
        HealthState.FAULT,
        "paper_out",
    )
    ticket_bytes = TicketLayout(TextMode.KANJI).encode(TICKET)
    assert bytes(transport.written) == (
        b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"
        + ticket_bytes
        + b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"
    )


def test_no_confirmation_after_the_cut_is_a_printer_error_with_unknown_health() -> None:
    transport = ScriptedTransport([b"\x12"] * 4 + [b""])
    with pytest.raises(PrinterError) as caught:
        EscPosPrinter(transport).print_ticket(TICKET)
    assert (caught.value.health.state, caught.value.health.reason) == (
        HealthState.UNKNOWN,
        "no_answer",
    )
    assert "did not confirm" in str(caught.value)


def test_a_write_timeout_is_unknown_no_answer_and_a_lost_link_is_disconnected() -> None:
    from kiosk.devices.transport import TransportTimeoutError

    class Failing(ScriptedTransport):
        def __init__(self, error: TransportError) -> None:
            super().__init__([b"\x12"] * 4)
            self.error = error
            self.writes = 0

        def write(self, data: bytes) -> None:
            self.writes += 1
            if self.writes > 4:
                raise self.error

    with pytest.raises(PrinterError) as slow:
        EscPosPrinter(Failing(TransportTimeoutError("x: too slow"))).print_ticket(TICKET)
    with pytest.raises(PrinterError) as lost:
        EscPosPrinter(Failing(TransportError("x: reset"))).print_ticket(TICKET)
    assert (slow.value.health.state, slow.value.health.reason) == (HealthState.UNKNOWN, "no_answer")
    assert (lost.value.health.state, lost.value.health.reason) == (
        HealthState.FAULT,
        "disconnected",
    )


def test_a_write_only_device_gets_the_ticket_and_reports_status_unsupported(
    tmp_path: Path,
) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    printer = EscPosPrinter(FileTransport(str(device)))

    status = printer.print_ticket(TICKET)

    assert status.paper is PaperStatus.UNSUPPORTED
    assert (status.health().state, status.health().reason) == (
        HealthState.UNKNOWN,
        "status_unsupported",
    )
    assert printer.health().reason == "status_unsupported"
    printer.close()
    assert device.read_bytes() == TicketLayout(TextMode.KANJI).encode(TICKET)


def test_health_reports_a_refused_connection_as_disconnected() -> None:
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    printer = open_printer(PrinterSettings(url=f"tcp://127.0.0.1:{port}", connect_timeout_s=1.0))
    health = printer.health()
    assert (health.state, health.reason) == (HealthState.FAULT, "disconnected")
    assert f"tcp://127.0.0.1:{port}" in health.detail
    status = printer.status()  # what the core's status poll sees
    assert status.answered is False
    assert (status.health().state, status.health().reason) == (HealthState.FAULT, "disconnected")


# -- factory ------------------------------------------------------------------------------------


def test_open_printer_uses_port_9100_by_default() -> None:
    printer = open_printer(PrinterSettings(url="tcp://192.0.2.1"))
    assert printer.name == "printer"
    assert printer.text_mode is TextMode.KANJI
    assert printer._transport.describe() == "tcp://192.0.2.1"
    assert printer._transport.port == 9100  # type: ignore[attr-defined]


def test_open_printer_refuses_an_unresolved_sim_url() -> None:
    with pytest.raises(DeviceUrlError, match="start the printer simulator"):
        open_printer(PrinterSettings(url="sim://"))


def test_open_printer_in_raster_mode_with_a_missing_font_is_a_config_error(tmp_path: Path) -> None:
    from kiosk.errors import ConfigError

    with pytest.raises(ConfigError, match="font file not found"):
        open_printer(
            PrinterSettings(
                url="tcp://192.0.2.1", text_mode=TextMode.RASTER, raster_font=tmp_path / "no.ttf"
            )
        )


def test_a_custom_ticket_with_katakana_and_symbols_round_trips_through_the_simulator(
    simulator: PrinterSimulator, make_printer: PrinterFactory
) -> None:
    ticket = Ticket(
        header="ﾃｽﾄ 窓口",
        title="保険・年金",
        number="B-007",
        lines=("料金 ￥300",),
        qr="https://q.example/B-007",
        footer=("ありがとうございました",),
    )
    make_printer().print_ticket(ticket)
    printed = simulator.wait_for_tickets(1, WAIT_S)[0]
    assert printed.lines == (
        "ﾃｽﾄ 窓口",
        "保険・年金",
        "B-007",
        "料金 ￥300",
        "ありがとうございました",
    )
