"""ESC/POS encoders, byte for byte."""

from __future__ import annotations

import pytest

from kiosk.devices.printer import commands as cmd


def test_init_is_esc_at() -> None:
    assert cmd.INIT == b"\x1b\x40"


@pytest.mark.parametrize(
    ("justification", "expected"),
    [
        (cmd.Align.LEFT, b"\x1ba\x00"),
        (cmd.Align.CENTER, b"\x1ba\x01"),
        (cmd.Align.RIGHT, b"\x1ba\x02"),
    ],
)
def test_align_sends_esc_a_with_the_justification(
    justification: cmd.Align, expected: bytes
) -> None:
    assert cmd.align(justification) == expected


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (1, 1, b"\x1d!\x00"),
        (2, 2, b"\x1d!\x11"),
        (4, 4, b"\x1d!\x33"),
        (8, 1, b"\x1d!\x70"),
        (1, 8, b"\x1d!\x07"),
    ],
)
def test_char_size_packs_width_high_nibble_height_low_nibble(
    width: int, height: int, expected: bytes
) -> None:
    assert cmd.char_size(width, height) == expected


@pytest.mark.parametrize(("width", "height"), [(0, 1), (9, 1), (1, 0), (1, 9)])
def test_char_size_outside_one_to_eight_is_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="from 1 to 8"):
        cmd.char_size(width, height)


def test_bold_on_and_off() -> None:
    assert cmd.bold(True) == b"\x1bE\x01"
    assert cmd.bold(False) == b"\x1bE\x00"


def test_kanji_mode_on_is_fs_ampersand_and_off_is_fs_dot() -> None:
    assert cmd.KANJI_ON == b"\x1c\x26"
    assert cmd.KANJI_OFF == b"\x1c\x2e"


def test_kanji_code_system_shift_jis_is_fs_c_1() -> None:
    assert cmd.kanji_code_system(cmd.KanjiCodeSystem.SHIFT_JIS) == b"\x1cC\x01"
    assert cmd.kanji_code_system(cmd.KanjiCodeSystem.JIS) == b"\x1cC\x00"


def test_select_katakana_code_page_is_esc_t_1() -> None:
    assert cmd.select_code_page(cmd.CODE_PAGE_KATAKANA) == b"\x1bt\x01"


def test_feeds() -> None:
    assert cmd.feed_lines(3) == b"\x1bd\x03"
    assert cmd.feed_dots(6) == b"\x1bJ\x06"


def test_native_qr_is_model_2_size_error_correction_store_and_print() -> None:
    data = b"https://q.example/A-1"
    expected = (
        b"\x1d(k\x04\x00\x31\x41\x32\x00"  # fn 165: model 2
        + b"\x1d(k\x03\x00\x31\x43\x06"  # fn 167: module 6 dots
        + b"\x1d(k\x03\x00\x31\x45\x31"  # fn 169: level M
        + b"\x1d(k"
        + bytes((len(data) + 3, 0))
        + b"\x31\x50\x30"
        + data  # fn 180: store
        + b"\x1d(k\x03\x00\x31\x51\x30"  # fn 181: print
    )
    assert cmd.qr(data, module_size=6, error_correction=cmd.QrErrorCorrection.M) == expected


def test_qr_store_length_is_little_endian_for_long_payloads() -> None:
    data = b"x" * 300
    assert cmd.qr_store(data)[3:5] == (303).to_bytes(2, "little")


@pytest.mark.parametrize("size", [0, cmd.QR_MAX_DATA + 1])
def test_qr_store_refuses_empty_or_oversized_data(size: int) -> None:
    with pytest.raises(ValueError, match="QR data"):
        cmd.qr_store(b"1" * size)


def test_qr_module_size_outside_one_to_sixteen_is_refused() -> None:
    with pytest.raises(ValueError, match="QR module size"):
        cmd.qr_module_size(17)


@pytest.mark.parametrize(
    ("partial", "feed", "expected"),
    [
        (True, None, b"\x1dV\x01"),
        (False, None, b"\x1dV\x00"),
        (True, 0, b"\x1dV\x42\x00"),
        (False, 3, b"\x1dV\x41\x03"),
    ],
)
def test_cut_with_and_without_feed(partial: bool, feed: int | None, expected: bytes) -> None:
    assert cmd.cut(partial=partial, feed=feed) == expected


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_status_request_is_dle_eot_n(n: int) -> None:
    assert cmd.status_request(n) == bytes((0x10, 0x04, n))


@pytest.mark.parametrize("n", [0, 5])
def test_status_request_outside_one_to_four_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="DLE EOT n"):
        cmd.status_request(n)


def test_raster_image_header_gives_width_in_bytes_and_height_little_endian() -> None:
    data = bytes(range(6))
    assert cmd.raster_image(2, 3, data) == b"\x1dv0\x00\x02\x00\x03\x00" + data


def test_raster_image_double_size_sets_mode_3() -> None:
    assert cmd.raster_image(1, 1, b"\xff", double_width=True, double_height=True)[3] == 3


def test_raster_image_with_wrong_data_length_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 2 x 3 = 6"):
        cmd.raster_image(2, 3, b"\x00" * 5)


def test_ascii_text_refuses_control_characters_by_name() -> None:
    with pytest.raises(ValueError, match="U\\+001B"):
        cmd.ascii_text("A\x1b@")
