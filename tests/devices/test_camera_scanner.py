"""Camera scanner: generated phone-screen frames through the default decoder; lost camera."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest

from bench.qr_frames import CONDITIONS, PHONE_LIKE, make_empty_frame, make_frame
from kiosk.devices.scanner.camera_scanner import CameraScanner, Frame, to_gray
from kiosk.devices.scanner.decoders import (
    DEFAULT_BUDGET_MS,
    DEFAULT_CLOSER_LOOKS,
    DEFAULT_DECODER,
    CloserLook,
    ZxingDecoder,
    available_decoders,
    code_region,
    looks_light_on_dark,
    make_decoder,
)
from kiosk.devices.scanner.factory import open_scanner
from kiosk.errors import ConfigError
from tests.devices.scanner_support import ScanRecorder

FAST_BACKOFF = (0.02, 0.1)


class ListSource:
    """Frames from a list; then None (lost) or the last frame forever."""

    def __init__(self, frames: list[Frame], *, lose_at_end: bool) -> None:
        self.frames = list(frames)
        self.lose_at_end = lose_at_end
        self.closed = threading.Event()
        self._last = frames[-1]

    def read(self) -> Frame | None:
        if self.frames:
            self._last = self.frames.pop(0)
            return self._last
        return None if self.lose_at_end else self._last

    def close(self) -> None:
        self.closed.set()


def _opener(sources: list[ListSource]) -> Callable[[], ListSource]:
    def open_next() -> ListSource:
        if not sources:
            raise OSError("camera not found")
        return sources.pop(0)

    return open_next


@pytest.mark.parametrize("condition", ["clean", "dark_mode", "small_modules", "busy_frame"])
def test_the_default_decoder_reads_generated_phone_frames(condition: str) -> None:
    frame = make_frame(condition, 0)
    assert frame.image.shape == (720, 1280)
    assert make_decoder().decode(frame.image) == [frame.payload]


@pytest.mark.parametrize(
    ("condition", "index"), [("phone_like", 3), ("phone_like_dark", 0), ("phone_like_far", 1)]
)
def test_the_default_decoder_reads_phone_like_frames_a_single_zxing_pass_misses(
    condition: str, index: int
) -> None:
    # Perspective, slight blur, noise and low contrast together; the old decoder was one pass.
    frame = make_frame(condition, index)
    assert ZxingDecoder(closer_looks=()).decode(frame.image) == []
    assert make_decoder().decode(frame.image) == [frame.payload]


@pytest.mark.parametrize("condition", ["clean", "perspective", "busy_frame"])
def test_the_code_region_of_a_frame_holds_the_whole_code(condition: str) -> None:
    frame = make_frame(condition, 0)
    box = code_region(frame.image)
    assert box is not None
    x0, y0, x1, y1 = box
    region = np.ascontiguousarray(frame.image[y0:y1, x0:x1])
    assert ZxingDecoder(closer_looks=()).decode(region) == [frame.payload]


def test_a_frame_budget_of_zero_leaves_the_first_pass_only_and_none_reads_past_it() -> None:
    # phone_like_far 5 needs a closer look: no budget left, no look; no limit, read.
    frame = make_frame("phone_like_far", 5)
    assert DEFAULT_BUDGET_MS == 8.0
    assert ZxingDecoder(closer_looks=()).decode(frame.image) == []
    assert ZxingDecoder(budget_ms=0.0).decode(frame.image) == []
    assert ZxingDecoder(budget_ms=None).decode(frame.image) == [frame.payload]
    assert make_decoder().decode(frame.image) == [frame.payload]


@pytest.mark.parametrize("index", [5, 12, 13, 19])
def test_the_first_look_reads_with_the_global_binarizer_what_the_local_one_misses(
    index: int,
) -> None:
    # The same smoothed, sharpened and enlarged region, binarized a second way.
    frame = make_frame("phone_like_far", index)
    first_look = DEFAULT_CLOSER_LOOKS[0]
    assert first_look.binarizers == ("local", "global")
    local_only = CloserLook(
        first_look.scale,
        smooth_sigma=first_look.smooth_sigma,
        sharpen_sigma=first_look.sharpen_sigma,
        sharpen_amount=first_look.sharpen_amount,
    )
    assert ZxingDecoder(closer_looks=(local_only,), budget_ms=None).decode(frame.image) == []
    assert ZxingDecoder(closer_looks=(first_look,), budget_ms=None).decode(frame.image) == [
        frame.payload
    ]


@pytest.mark.parametrize(
    ("condition", "light_on_dark"),
    [("clean", False), ("phone_like", False), ("dark_mode", True), ("phone_like_dark", True)],
)
def test_a_code_region_says_which_polarity_to_try_first(
    condition: str, light_on_dark: bool
) -> None:
    frame = make_frame(condition, 0)
    box = code_region(frame.image)
    assert box is not None
    x0, y0, x1, y1 = box
    assert looks_light_on_dark(frame.image[y0:y1, x0:x1]) is light_on_dark


def test_a_closer_look_reads_a_dark_mode_region_whichever_polarity_comes_first() -> None:
    frame = make_frame("phone_like_dark", 0)
    box = code_region(frame.image)
    assert box is not None
    x0, y0, x1, y1 = box
    region = np.ascontiguousarray(frame.image[y0:y1, x0:x1])
    decoder, look = ZxingDecoder(), DEFAULT_CLOSER_LOOKS[0]
    assert decoder.closer_look(region, look) == [frame.payload]
    assert decoder.closer_look(np.invert(region), look) == [frame.payload]


def test_a_frame_with_nothing_in_it_has_no_code_region_and_decodes_to_nothing() -> None:
    blank = np.full((720, 1280), 128, dtype=np.uint8)
    assert code_region(blank) is None
    assert make_decoder().decode(blank) == []
    assert make_decoder().decode(make_empty_frame(1)) == []


def test_dark_mode_codes_in_cluttered_scenes_are_read_by_the_last_inverted_pass() -> None:
    # The checkered texture, not the code, is the most textured region in several of these: the
    # last pass (the whole frame inverted) reads them. Without a time budget: with the default
    # one, that last pass starts only when the looks before it left room for it.
    frames = [make_frame("busy_frame", index) for index in range(10)]
    decoder = ZxingDecoder(budget_ms=None)
    read = [decoder.decode(np.invert(frame.image)) for frame in frames]
    assert read == [[frame.payload] for frame in frames]


def test_a_single_zxing_pass_still_reads_dark_mode_codes_by_itself() -> None:
    # Without closer looks the first pass keeps zxing-cpp's inverted pass.
    frame = make_frame("dark_mode", 0)
    assert ZxingDecoder(closer_looks=()).decode(frame.image) == [frame.payload]


def test_zxing_is_the_default_decoder_and_all_four_adapters_are_available() -> None:
    assert DEFAULT_DECODER == "zxing"
    assert available_decoders() == ["zxing", "pyzbar", "opencv", "opencv-aruco"]


def test_an_unknown_decoder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nope"):
        make_decoder("nope")


def test_frames_become_one_scan_per_code_held_in_view_and_stop_closes_the_source() -> None:
    first, second = make_frame("clean", 1), make_frame("rotated", 2)
    blank = np.full((720, 1280), 128, dtype=np.uint8)
    source = ListSource([first.image] * 3 + [blank, second.image], lose_at_end=False)
    recorder = ScanRecorder()
    scanner = CameraScanner(_opener([source]), repeat_window_s=60.0)
    scanner.start(recorder.on_code, recorder.on_health)
    try:
        assert recorder.wait_for_codes(2) == [first.payload, second.payload]
        assert recorder.codes[0].source == "camera"
    finally:
        scanner.stop()
    assert source.closed.is_set()
    assert scanner.counters.repeats_dropped >= 2


def test_a_lost_camera_is_a_fault_and_is_opened_again() -> None:
    code = make_frame("clean", 3)
    lost = ListSource([code.image], lose_at_end=True)
    blank = np.full((720, 1280), 128, dtype=np.uint8)
    again = ListSource([blank, code.image], lose_at_end=False)
    recorder = ScanRecorder()
    scanner = CameraScanner(
        _opener([lost, again]), repeat_window_s=0.0, reopen_backoff_s=FAST_BACKOFF
    )
    scanner.start(recorder.on_code, recorder.on_health)
    try:
        assert recorder.wait_for(lambda: len(recorder.health) >= 3)
        assert recorder.health[:3] == [("ok", ""), ("fault", "disconnected"), ("ok", "")]
        assert recorder.wait_for_codes(2)[:2] == [code.payload, code.payload]
    finally:
        scanner.stop()
    assert lost.closed.is_set()


def test_a_missing_camera_url_reports_disconnected() -> None:
    recorder = ScanRecorder()
    scanner = open_scanner("camera:///dev/no-such-video")
    scanner.start(recorder.on_code, recorder.on_health)
    try:
        assert recorder.wait_for_health("fault", "disconnected")
    finally:
        scanner.stop()


@pytest.mark.parametrize(
    ("url", "budget"), [("camera://0", 8.0), ("camera://0?decode_budget_ms=16", 16.0)]
)
def test_a_camera_scanners_decode_budget_comes_from_its_url(url: str, budget: float) -> None:
    scanner = open_scanner(url)
    assert isinstance(scanner, CameraScanner)
    assert isinstance(scanner.decoder, ZxingDecoder)
    assert scanner.decoder.budget_ms == budget


def test_colour_frames_are_turned_to_gray() -> None:
    gray = make_frame("clean", 4).image
    bgr = np.dstack([gray, gray, gray])
    assert np.array_equal(to_gray(bgr), gray)
    assert to_gray(gray) is gray


def test_the_frame_generator_covers_every_condition_reproducibly() -> None:
    assert len(CONDITIONS) == 13
    assert PHONE_LIKE == ("phone_like", "phone_like_dark", "phone_like_far", "phone_like_glare")
    a, b = make_frame("perspective", 5), make_frame("perspective", 5)
    assert a.payload == b.payload
    assert np.array_equal(a.image, b.image)
    assert 240 <= len(a.payload) <= 260
    c, d = make_frame("phone_like_far", 5), make_frame("phone_like_far", 5, seed=7)
    assert c.payload != d.payload
    assert 240 <= len(c.payload) <= 400
