"""DLE EOT replies: fixed bits, the meaning of each bit, and silence as unknown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.health import HealthState
from kiosk.devices.printer.protocol import PaperStatus, PrinterStatus
from kiosk.devices.printer.status import StatusBytes, parse_status_byte
from kiosk.errors import ProtocolError

IDLE = 0x12  # bits 1 and 4 set: the fixed bits; nothing else


def test_no_reply_is_none() -> None:
    assert parse_status_byte(1, b"") is None


def test_a_valid_reply_is_returned_as_its_byte() -> None:
    assert parse_status_byte(4, b"\x7e") == 0x7E


@pytest.mark.parametrize("value", [0x00, 0xFF, 0x10, 0x02, 0x13, 0x92])
def test_a_byte_breaking_the_fixed_bits_is_a_protocol_error(value: int) -> None:
    with pytest.raises(ProtocolError, match=f"0x{value:02x}"):
        parse_status_byte(2, bytes((value,)))


def test_more_than_one_byte_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="12 12"):
        parse_status_byte(1, b"\x12\x12")


@given(st.integers(0, 255))
def test_a_byte_is_accepted_exactly_when_its_fixed_bits_are_right(value: int) -> None:
    valid = value & 0b1001_0011 == 0b0001_0010
    if valid:
        assert parse_status_byte(3, bytes((value,))) == value
    else:
        with pytest.raises(ProtocolError):
            parse_status_byte(3, bytes((value,)))


def test_all_idle_replies_mean_ok() -> None:
    status = StatusBytes(IDLE, IDLE, IDLE, IDLE).to_status()
    assert status == PrinterStatus(
        online=True, cover_open=False, paper=PaperStatus.OK, error=False, answered=True
    )
    assert status.health().state is HealthState.OK


def test_no_answer_at_all_is_unknown_never_ok() -> None:
    status = StatusBytes().to_status()
    assert status == PrinterStatus(answered=False)
    assert status.health().state is HealthState.UNKNOWN
    assert status.health().reason == "no_answer"


def test_offline_bit_of_dle_eot_1() -> None:
    assert StatusBytes(printer=IDLE | 0x08).offline is True
    assert StatusBytes(printer=IDLE).offline is False


def test_offline_cause_bits_of_dle_eot_2() -> None:
    raw = StatusBytes(offline_cause=IDLE | 0x04 | 0x08 | 0x20 | 0x40)
    assert (raw.cover_open, raw.feed_button, raw.paper_end_stop, raw.error) == (
        True,
        True,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("bit", "field"),
    [(0x08, "autocutter_error"), (0x20, "unrecoverable_error"), (0x40, "auto_recoverable_error")],
)
def test_error_cause_bits_of_dle_eot_3(bit: int, field: str) -> None:
    raw = StatusBytes(error_cause=IDLE | bit)
    assert getattr(raw, field) is True
    assert raw.error is True


@pytest.mark.parametrize(
    ("value", "paper"),
    [
        (IDLE, PaperStatus.OK),
        (IDLE | 0x0C, PaperStatus.NEAR_END),
        (IDLE | 0x60, PaperStatus.OUT),
        (IDLE | 0x6C, PaperStatus.OUT),
    ],
)
def test_paper_sensor_bits_of_dle_eot_4(value: int, paper: PaperStatus) -> None:
    assert StatusBytes(IDLE, IDLE, IDLE, value).paper is paper


def test_paper_out_is_a_fault_and_near_end_is_degraded() -> None:
    out = StatusBytes(IDLE | 0x08, IDLE | 0x20, IDLE, IDLE | 0x6C).to_status().health()
    near = StatusBytes(IDLE, IDLE, IDLE, IDLE | 0x0C).to_status().health()
    assert (out.state, out.reason) == (HealthState.FAULT, "paper_out")
    assert (near.state, near.reason) == (HealthState.DEGRADED, "paper_near_end")


def test_cover_open_is_a_fault() -> None:
    health = StatusBytes(IDLE | 0x08, IDLE | 0x04, IDLE, IDLE).to_status().health()
    assert (health.state, health.reason) == (HealthState.FAULT, "cover_open")


def test_cutter_error_is_a_fault() -> None:
    health = StatusBytes(IDLE | 0x08, IDLE | 0x40, IDLE | 0x08, IDLE).to_status().health()
    assert (health.state, health.reason) == (HealthState.FAULT, "printer_error")


def test_missing_paper_sensor_reply_is_unknown_not_ok() -> None:
    status = StatusBytes(IDLE, IDLE, IDLE, None).to_status()
    assert status.paper is PaperStatus.UNKNOWN
    assert (status.health().state, status.health().reason) == (
        HealthState.UNKNOWN,
        "partial_answer",
    )


def test_paper_end_stop_bit_says_paper_out_when_the_sensor_query_is_missing() -> None:
    assert StatusBytes(IDLE | 0x08, IDLE | 0x20, IDLE, None).paper is PaperStatus.OUT


def test_describe_lists_the_raw_bytes() -> None:
    assert StatusBytes(0x12, None, 0x1A, 0x7E).describe() == "1=12 2=-- 3=1a 4=7e"


def test_a_write_only_connection_is_unknown_with_its_own_reason() -> None:
    health = PrinterStatus(paper=PaperStatus.UNSUPPORTED, answered=False).health()
    assert (health.state, health.reason) == (HealthState.UNKNOWN, "status_unsupported")
