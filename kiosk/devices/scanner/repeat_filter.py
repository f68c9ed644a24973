"""Drop a code that repeats too soon: scanners and cameras read the same code many times."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

DEFAULT_REPEAT_WINDOW_S = 1.5
_REMEMBERED = 64  # distinct recent codes kept; older ones are forgotten first


class RepeatFilter:
    """Accept a code once while it keeps being read.

    A code is a repeat when the same text was seen less than ``window_s`` seconds before; the
    window slides, so a phone held under the scanner for ten seconds is one scan. Only the
    ``_REMEMBERED`` most recent codes are kept.

    Args:
        window_s: seconds within which the same text counts as the same scan; 0 turns the filter
            off.

    Raises:
        ValueError: a negative window.
    """

    def __init__(self, window_s: float = DEFAULT_REPEAT_WINDOW_S) -> None:
        if window_s < 0:
            raise ValueError(f"repeat window must not be negative, got {window_s:g} s")
        self.window_s = window_s
        self.repeats_dropped = 0
        self._last_seen: dict[str, float] = {}

    def accept(self, text: str, now: float) -> bool:
        """True when ``text`` read at monotonic time ``now`` is a new scan."""
        if self.window_s == 0:
            return True
        previous = self._last_seen.pop(text, None)
        self._last_seen[text] = now  # re-inserted: most recent last
        if len(self._last_seen) > _REMEMBERED:
            del self._last_seen[next(iter(self._last_seen))]
        if previous is not None and now - previous < self.window_s:
            self.repeats_dropped += 1
            logger.debug("dropped a repeat of a code read %.3f s before", now - previous)
            return False
        return True

    def clear(self) -> None:
        """Forget every code seen (a new session, a re-opened device)."""
        self._last_seen.clear()
