"""The scanner line framer: any bytes, any split, never an exception, never a control character."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.scanner.framing import FramedCode, LineFramer, Suffix, clean_text
from kiosk.devices.scanner.protocol import MAX_CODE_LENGTH

SUFFIXES = [s.value for s in Suffix]
JWS = "eyJhbGciOiJFZERTQSJ9.eyJiaWQiOiJCMTIzIn0.c2lnbmF0dXJl"
STRIPPED = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


def _feed_in_chunks(framer: LineFramer, data: bytes, cuts: list[int]) -> list[FramedCode]:
    codes: list[FramedCode] = []
    start = 0
    for cut in sorted({min(c, len(data)) for c in cuts}):
        codes += framer.feed(data[start:cut])
        start = cut
    codes += framer.feed(data[start:])
    return codes + framer.flush()


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=3000),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=20),
    suffix=st.sampled_from(SUFFIXES),
    max_length=st.integers(min_value=1, max_value=300),
)
def test_any_bytes_in_any_split_give_the_same_clean_codes(
    data: bytes, cuts: list[int], suffix: str, max_length: int
) -> None:
    whole = LineFramer(suffix, max_length=max_length)
    expected = whole.feed(data) + whole.flush()
    split = LineFramer(suffix, max_length=max_length)
    assert _feed_in_chunks(split, data, cuts) == expected
    assert split.stats == whole.stats
    for code in expected:
        assert code.text or code.truncated
        assert not any(unicodedata.category(ch) in STRIPPED for ch in code.text)
        assert "\x1b" not in code.text
        assert len(code.text) <= max_length


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=list(STRIPPED)), min_size=1))
def test_printable_text_passes_through_unchanged(text: str) -> None:
    framer = LineFramer("cr", max_length=len(text.encode()) + 1)
    assert [c.text for c in framer.feed(text.encode() + b"\r")] == [text]


@pytest.mark.parametrize(
    ("suffix", "wire"),
    [("cr", b"\r"), ("crlf", b"\r\n"), ("lf", b"\n"), ("cr", b"\r\n"), ("lf", b"\r\n")],
)
def test_each_suffix_ends_a_code_without_leaving_a_character(suffix: str, wire: bytes) -> None:
    framer = LineFramer(suffix)
    codes = framer.feed(JWS.encode() + wire + b"SECOND" + wire)
    assert [(c.text, c.stripped, c.truncated) for c in codes] == [
        (JWS, 0, False),
        ("SECOND", 0, False),
    ]
    assert framer.pending is False


def test_suffix_none_ends_a_code_only_when_flushed_after_the_gap() -> None:
    framer = LineFramer("none")
    assert framer.feed(b"ABC") == []
    assert framer.feed(b"123") == []
    assert [c.text for c in framer.flush()] == ["ABC123"]
    assert framer.flush() == []


def test_ctrl_and_alt_sequences_come_out_as_plain_text_and_are_counted() -> None:
    # Ctrl-Alt-T, ESC [ 1 ; 5 A (Ctrl-Up), Alt-x (ESC x), NUL, BEL, DEL, C1 CSI, RLO override.
    typed = b"AB\x14\x1b[1;5Acd\x1bxE\x00\x07\x7fF" + "\u009b\u202eG".encode()
    framer = LineFramer("cr")
    (code,) = framer.feed(typed + b"\r")
    assert code.text == "ABcdEFG"
    assert code.stripped == 14
    assert framer.stats.stripped == 14


def test_a_line_of_only_control_characters_is_dropped_and_counted() -> None:
    framer = LineFramer("cr")
    assert framer.feed(b"\x00\x01\x1b[2J\x7f\r") == []
    assert framer.stats.empty_lines == 1
    assert framer.stats.codes == 0


def test_four_kilobytes_of_garbage_are_cut_reported_and_the_next_code_is_clean() -> None:
    framer = LineFramer("cr")
    garbage = bytes(range(32, 127)) * 44  # 4180 printable bytes, no suffix
    codes = framer.feed(garbage[:4096] + b"\r" + JWS.encode() + b"\r")
    assert [(len(c.text), c.truncated, c.raw_length) for c in codes] == [
        (MAX_CODE_LENGTH, True, 4096),
        (len(JWS), False, len(JWS)),
    ]
    assert codes[1].text == JWS
    assert framer.stats.truncated == 1


def test_a_cut_inside_a_utf8_character_drops_only_that_character() -> None:
    framer = LineFramer("cr", max_length=7)
    (code,) = framer.feed("予約番号".encode() + b"\r")  # 12 bytes, cut after 7
    assert (code.text, code.truncated, code.encoding) == ("予約", True, "utf-8")


def test_shift_jis_payload_is_read_as_shift_jis_and_invalid_bytes_as_latin1() -> None:
    framer = LineFramer("cr")
    sjis, latin = framer.feed("予約".encode("cp932") + b"\r" + b"caf\xe9\r")
    assert (sjis.text, sjis.encoding) == ("予約", "cp932")
    assert (latin.text, latin.encoding) == ("café", "latin-1")


def test_discard_drops_a_partial_line_and_counts_its_bytes() -> None:
    framer = LineFramer("cr")
    framer.feed(b"\x93noise")
    assert framer.discard() == 6
    assert [c.text for c in framer.feed(b"CODE\r")] == ["CODE"]
    assert framer.stats.discarded_bytes == 6


def test_clean_text_keeps_spaces_and_japanese() -> None:
    assert clean_text("受付 番号\u3000A\t1") == ("受付 番号\u3000A1", 1)


def test_an_unknown_suffix_is_refused() -> None:
    with pytest.raises(ValueError, match="'tab'"):
        LineFramer("tab")
