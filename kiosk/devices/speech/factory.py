"""Builds the speaker that ``[accessibility] voice`` names."""

from __future__ import annotations

from kiosk.devices.speech.protocol import Speaker

ENGINES = ("espeak-ng", "none", "record")
"""The values ``[accessibility] voice`` takes: ``record`` keeps the requests (tests, demo)."""


def open_speaker(engine: str, *, rate_wpm: int = 140) -> Speaker:
    """The speaker for ``engine`` (one of ``ENGINES``).

    Raises:
        SpeechError: the engine's program is not installed.
        ValueError: an unknown engine name.
    """
    if engine == "espeak-ng":
        from kiosk.devices.speech.espeak import EspeakSpeaker

        return EspeakSpeaker(rate_wpm=rate_wpm)
    if engine == "none":
        from kiosk.devices.speech.recording import SilentSpeaker

        return SilentSpeaker()
    if engine == "record":
        from kiosk.devices.speech.recording import RecordingSpeaker

        return RecordingSpeaker()
    raise ValueError(f"unknown speech engine {engine!r} (one of {', '.join(ENGINES)})")
