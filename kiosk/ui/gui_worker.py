"""One worker thread for a screen, whose results come back on the GUI thread.

A view-model must never block the Qt main thread: a PIN check is scrypt (a quarter of a
second or more on a Pi), a hand-over call waits for the RS-485 line, a self-test for a
device or a person. :class:`GuiWorker` runs each call on its own thread, one at a time and
in order, and hands the value (or the exception it raised) to a callback on the GUI thread
through a queued signal. A call never leaves a screen "busy": a failure is logged and
delivered like a value.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


class GuiWorker(QObject):
    """A single worker thread for one screen; results are delivered on the GUI thread.

    Args:
        name: the thread's name (and the log's word for its calls).
        parent: Qt parent (the view-model: deleting it stops deliveries).
    """

    _done = Signal(object)  # worker thread -> GUI thread: (callback, value)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called: nothing more is run."""
        return self._closed

    def submit(
        self, what: str, call: Callable[[], T], then: Callable[[T | Exception], None]
    ) -> bool:
        """Run ``call`` on the worker; ``then(value)`` follows on the GUI thread.

        ``then`` gets the exception instead when ``call`` raised one. Returns False (and runs
        nothing) once the worker is closed.
        """
        if self._closed:
            return False
        future = self._executor.submit(call)
        future.add_done_callback(lambda f: self._finished(what, f, then))
        return True

    def _finished(
        self, what: str, future: Future[T], then: Callable[[T | Exception], None]
    ) -> None:
        """Worker thread: hand the value (or the failure) to the GUI thread."""
        value: T | Exception
        try:
            value = future.result()
        except Exception as exc:  # NOTE: the screen must never stay busy
            log.exception("%s call %s failed unexpectedly", self._name, what)
            value = exc
        try:
            self._done.emit((then, value))
        except RuntimeError:
            log.debug("%s result after its screen was destroyed", self._name)

    @Slot(object)
    def _deliver(self, item: tuple[Callable[[Any], None], object]) -> None:
        then, value = item
        then(value)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every call submitted so far has run (tests, shutdown); True when so."""
        if self._closed:
            return True  # close() waited for them
        done = threading.Event()
        self._executor.submit(done.set)
        return done.wait(timeout)

    def close(self) -> None:
        """Run nothing more and wait for the call under way (GUI thread; at shutdown)."""
        self._closed = True
        self._executor.shutdown(wait=True)


class GuiInbox(QObject):
    """Hands values from any thread (a scanner's, the link's) to a callback on the GUI thread.

    Args:
        deliver: called on the GUI thread with each value posted, in order.
        what: the log's word for the values (``scan``, ``server answer``).
        parent: Qt parent (the view-model: once it is deleted, posts are dropped).
    """

    _arrived = Signal(object)  # any thread -> GUI thread

    def __init__(
        self, deliver: Callable[[Any], None], what: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._what = what
        self._arrived.connect(deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, value: object) -> None:
        """Thread-safe: queue ``value`` for the callback."""
        try:
            self._arrived.emit(value)
        except RuntimeError:
            # NOTE: a scanner or the link may outlive the screen at shutdown.
            log.debug("%s arrived after its screen was destroyed", self._what)


__all__ = ["GuiInbox", "GuiWorker"]
