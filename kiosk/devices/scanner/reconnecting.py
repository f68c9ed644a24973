"""The reader thread every scanner driver shares: open, read, lose, re-open with back-off.

A driver subclasses :class:`ReconnectingScanner` and fills in three steps: open the device,
serve it until it is lost (raising :class:`DeviceLostError`) or asked to stop, close it. This class
owns the thread, the health reports (``ok`` once open; ``fault``/``disconnected`` while the
device is missing; ``degraded``/``garbage_input`` after over-long input), the repeat filter and
the listener calls. No exception ends the thread: an unexpected one is logged, reported as
``fault``/``reader_error`` and the device is re-opened after the back-off.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass

from kiosk.devices.health import Health, HealthState
from kiosk.devices.scanner.framing import FramedCode
from kiosk.devices.scanner.protocol import CodeListener, HealthCallback, ScannedCode
from kiosk.devices.scanner.repeat_filter import DEFAULT_REPEAT_WINDOW_S, RepeatFilter
from kiosk.errors import DeviceError

logger = logging.getLogger(__name__)

DEFAULT_REOPEN_BACKOFF_S = (0.5, 10.0)
STOP_JOIN_TIMEOUT_S = 5.0

REASON_DISCONNECTED = "disconnected"
REASON_GARBAGE = "garbage_input"
REASON_READER_ERROR = "reader_error"


class DeviceLostError(DeviceError, OSError):
    """Raised inside a driver's read loop when its device is gone (unplugged, closed)."""


@dataclass
class ScannerCounters:
    """What a scanner did since it was created, for diagnostics.

    Attributes:
        codes: codes handed to the listener.
        repeats_dropped: codes dropped as repeats within the window.
        truncated: codes cut at the length limit.
        opens: successful opens of the device.
        losses: times the open device was lost.
        failed_opens: open attempts that failed.
    """

    codes: int = 0
    repeats_dropped: int = 0
    truncated: int = 0
    opens: int = 0
    losses: int = 0
    failed_opens: int = 0


class ReconnectingScanner:
    """Base class of the scanner drivers; see the module docstring.

    Args:
        name: device name in health reports, logs and :attr:`ScannedCode.source`.
        describe: where the device is (URL), for log and health detail text.
        repeat_window_s: identical codes within this many seconds are one scan.
        reopen_backoff_s: ``(first, longest)`` wait between open attempts; doubles each time.

    Raises:
        ValueError: a back-off that is not ``0 < first <= longest``.
    """

    def __init__(
        self,
        name: str,
        describe: str,
        *,
        repeat_window_s: float = DEFAULT_REPEAT_WINDOW_S,
        reopen_backoff_s: tuple[float, float] = DEFAULT_REOPEN_BACKOFF_S,
    ) -> None:
        first, longest = reopen_backoff_s
        if not 0 < first <= longest:
            raise ValueError(
                f"reopen back-off must be 0 < first <= longest, got {reopen_backoff_s}"
            )
        self.name = name
        self.describe = describe
        self.reopen_backoff_s = (first, longest)
        self.counters = ScannerCounters()
        self._repeats = RepeatFilter(repeat_window_s)
        self._on_code: CodeListener | None = None
        self._on_health: HealthCallback | None = None
        self._last_health: Health | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_r = -1
        self._wake_w = -1

    # -- the CodeScanner protocol -------------------------------------------------------------

    def start(self, on_code: CodeListener, on_health: HealthCallback) -> None:
        """Start the reader thread; codes and health changes go to the listeners."""
        if self._thread is not None:
            return
        self._on_code = on_code
        self._on_health = on_health
        self._stopping.clear()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reader thread and release the device; returns within a read's wake-up."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        thread.join(STOP_JOIN_TIMEOUT_S)
        if thread.is_alive():
            logger.error(
                "scanner %s: reader thread did not stop within %g s", self.name, STOP_JOIN_TIMEOUT_S
            )
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the reader thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def health(self) -> Health | None:
        """The last health reported (None before the first open attempt)."""
        return self._last_health

    # -- hooks for drivers --------------------------------------------------------------------

    def _open_device(self) -> None:
        """Open the device; raise ``OSError`` or ``DeviceError`` when it is not there."""
        raise NotImplementedError

    def _serve(self) -> None:
        """Read until :attr:`_stopping` is set (return) or the device is lost (raise)."""
        raise NotImplementedError

    def _close_device(self) -> None:
        """Release the device; must not raise."""
        raise NotImplementedError

    def _on_lost(self) -> None:
        """Called after a loss, before the device is closed (drop partial input)."""

    # -- helpers for drivers ------------------------------------------------------------------

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            os.read(self._wake_r, 64)

    def _deliver_framed(self, framed: FramedCode, received_mono: float) -> None:
        """Hand a framed code to the listener (repeats dropped, garbage reported)."""
        if framed.truncated:
            self.counters.truncated += 1
            self._report(
                Health(
                    HealthState.DEGRADED,
                    REASON_GARBAGE,
                    f"{self.describe}: {framed.raw_length} bytes without a suffix; cut at the "
                    "limit",
                )
            )
        elif self._last_health is not None and self._last_health.reason == REASON_GARBAGE:
            self._report(Health(HealthState.OK))
        self._deliver(
            ScannedCode(
                text=framed.text,
                source=self.name,
                received_mono=received_mono,
                truncated=framed.truncated,
                stripped=framed.stripped,
            )
        )

    def _deliver(self, code: ScannedCode) -> None:
        """Hand a code to the listener unless it repeats one read within the window."""
        if not self._repeats.accept(code.text, code.received_mono):
            self.counters.repeats_dropped += 1
            return
        self.counters.codes += 1
        listener = self._on_code
        if listener is None:
            return
        try:
            listener(code)
        except Exception:
            logger.exception("scanner %s: code listener failed", self.name)

    def _report(self, health: Health) -> None:
        if health.same_as(self._last_health):
            return
        self._last_health = health
        if health.state is HealthState.OK:
            logger.info("scanner %s on %s: ok", self.name, self.describe)
        else:
            logger.warning(
                "scanner %s: %s/%s: %s", self.name, health.state.value, health.reason, health.detail
            )
        listener = self._on_health
        if listener is None:
            return
        try:
            listener(self.name, health)
        except Exception:
            logger.exception("scanner %s: health listener failed", self.name)

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        first, longest = self.reopen_backoff_s
        backoff = first
        while not self._stopping.is_set():
            try:
                self._open_device()
            except (OSError, DeviceError) as exc:
                self.counters.failed_opens += 1
                self._report(
                    Health(HealthState.FAULT, REASON_DISCONNECTED, f"{self.describe}: {exc}")
                )
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, longest)
                continue
            except Exception as exc:
                logger.exception(
                    "scanner %s: unexpected error opening %s", self.name, self.describe
                )
                self._report(Health(HealthState.FAULT, REASON_READER_ERROR, repr(exc)))
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, longest)
                continue
            self.counters.opens += 1
            backoff = first
            self._repeats.clear()
            self._report(Health(HealthState.OK))
            try:
                self._serve()
            except DeviceLostError as exc:
                self.counters.losses += 1
                self._on_lost()
                self._report(
                    Health(HealthState.FAULT, REASON_DISCONNECTED, f"{self.describe}: {exc}")
                )
            except Exception as exc:
                self.counters.losses += 1
                logger.exception(
                    "scanner %s: unexpected error reading %s", self.name, self.describe
                )
                self._on_lost()
                self._report(Health(HealthState.FAULT, REASON_READER_ERROR, repr(exc)))
            finally:
                self._close_device()
            if not self._stopping.is_set():
                # NOTE: a device that vanishes right after opening must not be re-opened in a
                # tight loop; wait the first back-off step before trying again.
                self._stopping.wait(first)
        logger.debug("scanner %s: reader thread ends", self.name)
