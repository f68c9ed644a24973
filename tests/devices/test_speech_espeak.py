"""The real speech engine: eSpeak NG renders Japanese (through kana) and English to audio."""

from __future__ import annotations

import io
import wave
from array import array
from pathlib import Path

import pytest

from kiosk.devices.speech import kana_index
from kiosk.devices.speech.espeak import EspeakSpeaker, engine_text, kana_reading, voice_for
from kiosk.devices.speech.factory import open_speaker
from kiosk.devices.speech.protocol import SpeechError
from kiosk.i18n.catalog import load_catalogs


def _pcm(wav: bytes) -> tuple[array[int], int]:
    with wave.open(io.BytesIO(wav)) as reader:
        assert reader.getsampwidth() == 2 and reader.getnchannels() == 1
        samples = array("h", reader.readframes(reader.getnframes()))
        return samples, reader.getframerate()


def _rms(samples: array[int]) -> float:
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ja", "整理券をお取りください。あなたの番号は A 12 番です。"),
        ("en", "Please take your ticket. Your number is A 12."),
    ],
)
def test_the_engine_renders_a_ticket_sentence_to_a_wav_that_is_not_silent(
    language: str, text: str
) -> None:
    wav = EspeakSpeaker().synthesize(text, language)

    samples, rate = _pcm(wav)
    assert len(samples) / rate > 1.5  # seconds of speech, not a click
    assert _rms(samples) > 500  # 16-bit full scale is 32767; silence is 0


def test_japanese_reaches_the_engine_as_kana_since_its_japanese_voice_cannot_read_kanji() -> None:
    assert engine_text("整理券をお取りください", "ja") == "せいりけんをおとりください"
    assert engine_text("住民票・証明書", "ja-easy") == "じゅうみんひょう、しょうめいしょ"
    assert engine_text("Your number is A 12.", "en") == "Your number is A 12."


def test_latin_letters_in_japanese_reach_the_engine_by_their_japanese_names() -> None:
    # NOTE: after one Latin letter eSpeak NG's Japanese voice spells every voiced kana after it.
    assert engine_text("QRコードで確認", "ja") == "きゅーあーるこーどでかくにん"
    assert engine_text("番号は A 12 番です", "ja") == "ばんごうは えー 12 ばんです"
    assert engine_text("約15cm・静止", "ja") == "やく15せんち、せいし"
    assert engine_text("8:30〜17:15", "ja") == "8:30から17:15"


def test_easy_japanese_readings_in_brackets_are_said_once_in_place_of_their_kanji() -> None:
    assert engine_text("あなたの 番号（ばんごう）は 受（う）け付（つ）けました", "ja-easy") == (
        "あなたの ばんごうは うけつけました"
    )
    assert engine_text("窓口(まどぐち)へ", "ja-easy") == "まどぐちへ"


def test_each_catalogue_language_has_its_voice() -> None:
    voices = [voice_for(code) for code in ("ja", "ja-easy", "en", "zh", "ko", "vi", "pt", "ne")]

    assert voices == ["ja", "ja", "en-us", "cmn", "ko", "vi", "pt-br", "ne"]


def test_a_text_that_looks_like_an_option_is_spoken_not_obeyed() -> None:
    wav = EspeakSpeaker().synthesize("--version", "en")

    samples, _ = _pcm(wav)
    assert _rms(samples) > 500


def test_a_missing_engine_is_a_speech_error() -> None:
    with pytest.raises(SpeechError, match="no-such-espeak is not installed"):
        EspeakSpeaker("no-such-espeak")


def test_speak_returns_at_once_and_stop_ends_the_utterance() -> None:
    speaker = EspeakSpeaker()
    speaker.speak("This sentence is long enough to still be playing when it is stopped.", "en")
    speaker.stop()
    speaker.close()


def test_the_factory_builds_each_engine_and_refuses_an_unknown_one() -> None:
    assert [open_speaker(e).name for e in ("espeak-ng", "none", "record")] == [
        "espeak-ng",
        "none",
        "record",
    ]
    with pytest.raises(ValueError, match="unknown speech engine 'festival'"):
        open_speaker("festival")


def test_the_reading_index_reads_every_catalogue_text_as_the_whole_dictionary_does(
    tmp_path: Path,
) -> None:
    import pykakasi.kanji

    catalogs = load_catalogs(("ja", "ja-easy"))
    texts = [t for c in catalogs.values() for t in c.messages.values()]
    shared = pykakasi.kanji.Kanwa._shared_state
    whole = [kana_reading(t) for t in texts]  # the whole pickle, as pykakasi loads it
    full_table = shared["_jisyo_table"]
    try:
        lazy = kana_index.install(tmp_path / "kana.sqlite3")
        assert shared["_jisyo_table"] is lazy
        assert [kana_reading(t) for t in texts] == whole
        assert kana_reading("整理券をお取りください") == "せいりけんをおとりください"
        lazy.close()
    finally:
        shared["_jisyo_table"] = full_table


def test_the_reading_index_is_built_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "kana.sqlite3"

    kana_index.ensure_index(path)
    built = path.stat().st_mtime_ns
    kana_index.ensure_index(path)

    assert path.stat().st_mtime_ns == built
    assert kana_index.LazyKanwa(path).get(ord("整"))["整"] == [["せい", None], ["おさむ", None]]
