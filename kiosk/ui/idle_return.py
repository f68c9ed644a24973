"""The kiosk's one inactivity limit: nobody touched it for ``[ui] inactivity_s``, so the next
person starts fresh on the home screen with nothing of the previous one left.

Before, every journey had a timer of its own (the ticket screens, the check-in keypad, the
hand-over) or none at all: a failed photo of a citizen's face stayed on screen 17 s after the
45 s limit, until the booth's own 60 s "nobody in front of the camera" timer. Now there is one
timer (:class:`IdleReturn`, owned by the ticket journey's view-model, which every touch and
every view-model already tells) and every journey's view-model registers with it as an
:class:`IdleJourney`:

* :meth:`IdleJourney.holds_screen` says the screen must stay even though nobody touches it:
  a ticket number being printed or read, a locker door that is open, a photo being stored, a
  technician's screen with its own longer limit. The limit then starts again.
* :meth:`IdleJourney.clear_person` goes home and forgets everything the person entered or
  was shown: typed digits, PIN dots, the photo and the camera's last frame, names, case lists.

When the limit passes and no journey holds its screen, every journey is cleared, in the order
they registered (the ticket journey first: it switches the language back).
"""

# ruff: noqa: N802 - Qt names are camelCase

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)


class IdleJourney(Protocol):
    """A journey's view-model as the inactivity limit sees it."""

    def holds_screen(self) -> bool:
        """True while the screen must stay although nobody touches it."""
        ...

    def clear_person(self) -> None:
        """Go home and forget everything of the person (GUI thread)."""
        ...


class IdleReturn(QObject):
    """The one inactivity timer of the kiosk (GUI thread only).

    Args:
        limit_s: seconds without activity before the screens go home (``[ui] inactivity_s``).
        parent: Qt parent.
    """

    returned = Signal()  # every journey was cleared (tests, logs)
    deferred = Signal()  # the limit passed while a journey held its screen (tests, logs)

    def __init__(self, limit_s: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._limit_s = limit_s
        self._journeys: list[IdleJourney] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(limit_s * 1000)))
        self._timer.timeout.connect(self._on_timeout)

    @property
    def limit_s(self) -> float:
        """The inactivity limit in seconds."""
        return self._limit_s

    def add(self, journey: IdleJourney) -> None:
        """Clear ``journey`` too when the limit passes (each journey registers once)."""
        if not any(j is journey for j in self._journeys):
            self._journeys.append(journey)

    @Slot()
    def noteActivity(self) -> None:
        """Someone is there (a touch, a key, a face in the camera): start the limit again."""
        self._timer.start()

    def stop(self) -> None:
        """Stop the timer (shutdown)."""
        self._timer.stop()

    def expire(self) -> bool:
        """Act as if the limit had just passed (tests, a fake clock); True when cleared."""
        self._timer.stop()
        return self._on_timeout()

    @Slot()
    def _on_timeout(self) -> bool:
        holding = [type(j).__name__ for j in self._journeys if j.holds_screen()]
        if holding:
            log.debug("inactivity limit passed; %s keeps its screen", ", ".join(holding))
            self._timer.start()
            self.deferred.emit()
            return False
        log.info(
            "no touch for %.0f s: back home, the previous person's entries cleared", self._limit_s
        )
        for journey in self._journeys:
            journey.clear_person()
        self.returned.emit()
        return True


__all__ = ["IdleJourney", "IdleReturn"]
