"""Speech through eSpeak NG (Debian ``espeak-ng``), Japanese through its kana readings.

eSpeak NG covers every language of the kiosk's catalogues, is 13 MB with its data, and
starts speaking within milliseconds on a Raspberry Pi. Its Japanese voice reads kana only:
a kanji comes out as "Japanese letter", so Japanese text is turned into hiragana first with
pykakasi's dictionary (2.4 MB wheel, pure Python). The engine comparison behind this choice
is in the README ("Voice guidance") and ``bench/voice_engines.py``.

The text goes to the engine on its standard input, never as an argument: a text starting
with ``-`` (a service name from the server) must not be read as an option.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from kiosk.devices.speech.protocol import SpeechError

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"

VOICES: dict[str, str] = {
    "ja": "ja",
    "en": "en-us",
    "zh": "cmn",
    "ko": "ko",
    "vi": "vi",
    "pt": "pt-br",  # most Portuguese speakers in Japanese cities are Brazilian
    "ne": "ne",
}
"""eSpeak NG's voice for each catalogue language; ``ja-…`` (easy Japanese) reads as ``ja``."""

SYNTH_TIMEOUT_S = 30.0
STOP_WAIT_S = 1.0


def voice_for(language: str) -> str:
    """eSpeak NG's voice name for a catalogue language (unknown: the code itself)."""
    if language in VOICES:
        return VOICES[language]
    base = language.replace("_", "-").split("-")[0]
    return VOICES.get(base, base)


_kana_index: Path | None = None


def use_kana_index(path: Path | None) -> None:
    """Read pykakasi's dictionary from the SQLite file ``path`` (built on first use, in a
    child process) instead of loading all of it: ~16 MB of memory instead of ~119 MB
    (:mod:`kiosk.devices.speech.kana_index`). Call before the first Japanese sentence."""
    global _kana_index
    _kana_index = path


@functools.cache
def _kakasi() -> Any:
    # NOTE: on the first Japanese sentence, not at start: a kiosk whose voice is never
    # switched on pays nothing.
    if _kana_index is not None:
        from kiosk.devices.speech.kana_index import install

        install(_kana_index)
    import pykakasi

    return pykakasi.kakasi()  # type: ignore[no-untyped-call]


_LETTER_NAMES = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            "エー",
            "ビー",
            "シー",
            "ディー",
            "イー",
            "エフ",
            "ジー",
            "エイチ",
            "アイ",
            "ジェー",
            "ケー",
            "エル",
            "エム",
            "エヌ",
            "オー",
            "ピー",
            "キュー",
            "アール",
            "エス",
            "ティー",
            "ユー",
            "ブイ",
            "ダブリュー",
            "エックス",
            "ワイ",
            "ゼット",
        ),
        strict=True,
    )
)
_UNITS = {"cm": "センチ", "mm": "ミリ", "kg": "キロ", "km": "キロ"}
_LATIN_RE = re.compile(r"[A-Za-z]+")
# Kanji followed by their reading in brackets (やさしい日本語 writes 受（う）け付（つ）け).
_RUBY_RE = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff々〆ヶ]+[（(]([\u3041-\u309f\u30a0-\u30ff]+)[）)]"
)


def _latin_in_kana(match: re.Match[str]) -> str:
    word = match.group(0)
    if word in _UNITS:
        return _UNITS[word]
    return "".join(_LETTER_NAMES[c] for c in word.upper())


def kana_reading(text: str) -> str:
    """``text`` as eSpeak NG's Japanese voice can read it: every kanji as its hiragana
    reading, Latin letters by their Japanese names (QR -> キューアール), ``・`` as a pause,
    ``〜`` as から.

    NOTE: after a single Latin letter the Japanese voice reads the rest of the sentence kana
    by kana and says "Japanese letter" for each voiced kana (で, ど…), so none may reach it.
    """
    text = _RUBY_RE.sub(r"\1", text)  # easy Japanese: 番号（ばんごう） is said once, as written
    text = _LATIN_RE.sub(_latin_in_kana, text).replace("・", "、")
    text = text.replace("〜", "から").replace("～", "から")  # 8:30〜17:15
    return "".join(str(part["hira"]) for part in _kakasi().convert(text))


def engine_text(text: str, language: str) -> str:
    """What eSpeak NG is given for ``text``: Japanese as kana, other languages as they are."""
    return kana_reading(text) if voice_for(language) == "ja" else text


class EspeakSpeaker:
    """Speaks through the ``espeak-ng`` program (one process per utterance).

    Args:
        program: the eSpeak NG executable (found on ``PATH``).
        rate_wpm: words per minute (eSpeak's default is 175; older people follow 140 better).
        kana_index: where the Japanese reading dictionary is kept as SQLite (the state folder:
            :func:`use_kana_index`); None loads all of it into memory.

    Raises:
        SpeechError: the program is not installed.
    """

    name = "espeak-ng"

    def __init__(
        self, program: str = ESPEAK, *, rate_wpm: int = 140, kana_index: Path | None = None
    ) -> None:
        if kana_index is not None:
            use_kana_index(kana_index)
        path = shutil.which(program)
        if path is None:
            raise SpeechError(f"{program} is not installed (Debian package espeak-ng)")
        self._program = path
        self._rate = rate_wpm
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def _command(self, language: str, *extra: str) -> list[str]:
        return [self._program, "-b", "1", "-v", voice_for(language), "-s", str(self._rate), *extra]

    def speak(self, text: str, language: str) -> None:
        """Start saying ``text``; returns at once, interrupting the previous utterance."""
        spoken = engine_text(text, language)
        with self._lock:
            self._stop_locked()
            try:
                process = subprocess.Popen(
                    self._command(language),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            except OSError as exc:
                raise SpeechError(f"{self._program} could not be started: {exc}") from exc
            assert process.stdin is not None
            try:
                process.stdin.write(spoken.encode("utf-8"))
                process.stdin.close()
            except OSError as exc:  # NOTE: the engine died at once (no audio device)
                log.warning("%s did not take the text: %s", self._program, exc)
            self._process = process

    def synthesize(self, text: str, language: str) -> bytes:
        """Render ``text`` to WAV bytes (blocking; the tests and the benchmark).

        Raises:
            SpeechError: the engine failed or took longer than 30 s.
        """
        try:
            done = subprocess.run(
                self._command(language, "--stdout"),
                input=engine_text(text, language).encode("utf-8"),
                capture_output=True,
                timeout=SYNTH_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"{self._program} could not render the text: {exc}") from exc
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            message = done.stderr.decode("utf-8", "replace").strip()
            raise SpeechError(f"{self._program} failed ({done.returncode}): {message}")
        return done.stdout

    def stop(self) -> None:
        """Stop the utterance being spoken, if any."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        """Stop speaking."""
        self.stop()
