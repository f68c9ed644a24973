"""What voice guidance needs from a speech engine, whatever engine it is.

``speak`` returns at once and the engine talks on its own; a new ``speak`` (or ``stop``)
interrupts what is being said, so the voice always follows the screen and never queues up
behind it.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.errors import DeviceError


class SpeechError(DeviceError):
    """Raised when the speech engine cannot be started or cannot render a text."""


class Speaker(Protocol):
    """A speech engine (see the module docstring)."""

    name: str

    def speak(self, text: str, language: str) -> None:
        """Say ``text`` in ``language`` (a catalogue code: ``ja``, ``en``…), interrupting any
        speech still going on. Never blocks on the audio."""
        ...

    def stop(self) -> None:
        """Stop speaking at once (nothing to stop is fine)."""
        ...

    def close(self) -> None:
        """Stop and release the engine."""
        ...
