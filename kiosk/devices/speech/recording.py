"""A speaker that records what it was asked to say: the screen tests and ``sim://``."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechRequest:
    """One ``speak`` call: the text and its language."""

    text: str
    language: str


class RecordingSpeaker:
    """Keeps every request, in order (thread-safe); ``stops`` counts ``stop`` calls."""

    name = "record"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[SpeechRequest] = []
        self.stops = 0

    def speak(self, text: str, language: str) -> None:
        """Record the request."""
        log.debug("say (%s): %s", language, text)
        with self._lock:
            self._requests.append(SpeechRequest(text, language))

    def stop(self) -> None:
        """Count the stop."""
        with self._lock:
            self.stops += 1

    def close(self) -> None:
        """Nothing to release."""

    @property
    def requests(self) -> list[SpeechRequest]:
        """A copy of the requests so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget the requests so far."""
        with self._lock:
            self._requests.clear()


class SilentSpeaker:
    """No speech engine fitted: voice guidance is offered nowhere (``[accessibility] voice``)."""

    name = "none"

    def speak(self, text: str, language: str) -> None:
        """Say nothing."""

    def stop(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to release."""
