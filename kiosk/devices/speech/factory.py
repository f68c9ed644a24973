"""Builds the speaker that ``[accessibility] voice`` names."""

from __future__ import annotations

from pathlib import Path

from kiosk.devices.speech.protocol import Speaker

ENGINES = ("espeak-ng", "none", "record")
"""The values ``[accessibility] voice`` takes: ``record`` keeps the requests (tests, demo)."""


def open_speaker(engine: str, *, rate_wpm: int = 140, cache_dir: Path | None = None) -> Speaker:
    """The speaker for ``engine`` (one of ``ENGINES``); ``cache_dir`` keeps eSpeak NG's
    Japanese reading dictionary (``kana.sqlite3``, made on first use).

    Raises:
        SpeechError: the engine's program is not installed.
        ValueError: an unknown engine name.
    """
    if engine == "espeak-ng":
        from kiosk.devices.speech.espeak import EspeakSpeaker

        index = cache_dir / "kana.sqlite3" if cache_dir is not None else None
        return EspeakSpeaker(rate_wpm=rate_wpm, kana_index=index)
    if engine == "none":
        from kiosk.devices.speech.recording import SilentSpeaker

        return SilentSpeaker()
    if engine == "record":
        from kiosk.devices.speech.recording import RecordingSpeaker

        return RecordingSpeaker()
    raise ValueError(f"unknown speech engine {engine!r} (one of {', '.join(ENGINES)})")
