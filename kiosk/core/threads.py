"""Waiting for the one worker thread a service or a screen runs its slow calls on."""

from __future__ import annotations

import threading


def wait_for_thread(thread: threading.Thread | None, timeout: float) -> bool:
    """Join ``thread`` for at most ``timeout`` seconds; True when none is left running.

    Tests and shutdown call this so that nothing is still writing when they look or close.
    """
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()
