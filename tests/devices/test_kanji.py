"""Japanese text for Kanji mode: ASCII single-byte outside, Shift_JIS inside FS & … FS ."""

from __future__ import annotations

import pytest

from kiosk.devices.printer.kanji import UnprintableTextError, encode_kanji_line, is_plain_ascii

ON, OFF = b"\x1c&", b"\x1c."


def test_ascii_stays_single_byte_without_kanji_mode() -> None:
    assert encode_kanji_line("A-042 10:32") == b"A-042 10:32"


def test_kanji_is_shift_jis_between_fs_ampersand_and_fs_dot() -> None:
    assert encode_kanji_line("住民票") == ON + b"\x8fZ\x96\xaf\x95[" + OFF


def test_mixed_line_switches_kanji_mode_around_each_double_byte_run() -> None:
    assert encode_kanji_line("約15分") == ON + b"\x96\xf1" + OFF + b"15" + ON + b"\x95\xaa" + OFF


def test_half_width_katakana_is_single_byte_outside_kanji_mode() -> None:
    assert encode_kanji_line("ｽﾏｰﾄ") == b"\xbd\xcf\xb0\xc4"


def test_full_width_and_hiragana_are_double_byte() -> None:
    assert encode_kanji_line("ＡあＡ") == ON + b"\x82\x60\x82\xa0\x82\x60" + OFF


def test_ideographic_space_is_double_byte() -> None:
    assert encode_kanji_line("\u3000") == ON + b"\x81\x40" + OFF


@pytest.mark.parametrize(
    ("char", "expected"),
    [("¥", b"\x81\x8f"), ("—", b"\x81\x5c"), ("〜", b"\x81\x60"), ("−", b"\x81\x7c")],
)
def test_characters_with_a_jis_twin_are_printed_as_the_twin(char: str, expected: bytes) -> None:
    assert encode_kanji_line(char) == ON + expected + OFF


@pytest.mark.parametrize("char", ["😀", "𠮷", "한", "\u200b"])
def test_a_character_outside_jis_x_0208_raises_an_error_naming_it(char: str) -> None:
    with pytest.raises(UnprintableTextError) as caught:
        encode_kanji_line(f"受付{char}です")
    assert caught.value.char == char
    assert f"U+{ord(char):04X}" in str(caught.value)
    assert "?" not in caught.value.text.replace(char, "")


def test_ibm_extension_kanji_is_refused_not_sent() -> None:
    with pytest.raises(UnprintableTextError, match="U\\+9AD9"):
        encode_kanji_line("髙橋")  # cp932 has it only in the IBM extension (0xFBFC)


@pytest.mark.parametrize("char", ["\x1b", "\n", "\x7f", "\x00"])
def test_control_characters_are_refused_so_text_cannot_inject_commands(char: str) -> None:
    with pytest.raises(UnprintableTextError, match="control"):
        encode_kanji_line(f"A{char}B")


def test_unprintable_text_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        encode_kanji_line("😀")


def test_plain_ascii_detection() -> None:
    assert is_plain_ascii("A-042 10:32")
    assert not is_plain_ascii("A-042 番")
    assert not is_plain_ascii("tab\there")
