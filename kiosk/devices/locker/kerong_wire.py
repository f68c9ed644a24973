"""The RS-485 line to a chain of Kerong boards: one request and its reply, and the last frames.

:class:`KerongLine` is what the driver (:mod:`.kerong_driver`) talks through: it drops unread
input, sends a request, waits up to ``reply_timeout_s`` for a ``35`` status frame for an ADDR
it was told to accept, and keeps the last :data:`FRAME_HISTORY` frames for the fault log and the
diagnostics screen. Replies with a bad checksum, a wrong ETX or for another ADDR are counted,
never used. It holds no lock: the driver serialises every exchange.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from kiosk.devices.locker.kerong_frames import (
    CMD_STATUS_REPLY,
    STATUS_REPLY_LENGTH,
    FrameParser,
    StatusReply,
    decode_status_reply,
)
from kiosk.devices.transport import Transport

logger = logging.getLogger(__name__)

FRAME_HISTORY = 64
"""How many frames the line keeps for the fault log and the diagnostics screen."""


@dataclass(frozen=True)
class WireRecord:
    """One frame (or chunk) on the wire, for the fault log and the diagnostics screen.

    Attributes:
        at: when (UTC).
        direction: ``tx`` (to the boards), ``rx`` (from them) or ``--`` (no answer in time).
        data: the bytes.
    """

    at: datetime
    direction: str
    data: bytes

    def describe(self) -> str:
        """``10:32:01.123 tx  02 00 30 03 35``."""
        return f"{self.at.strftime('%H:%M:%S.%f')[:-3]} {self.direction}  {self.data.hex(' ')}"


@dataclass
class Exchange:
    """What came back for one request.

    Attributes:
        reply: the first valid status frame for an accepted ADDR, or None.
        received: bytes that arrived, valid or not.
        unexpected: valid frames for an ADDR not asked about.
    """

    reply: StatusReply | None = None
    received: int = 0
    unexpected: int = 0


class KerongLine:
    """Requests and replies on the boards' line; the driver owns it and serialises its use.

    Args:
        transport: the serial line.
        name: the device name for logs.
        reply_timeout_s: how long to wait for each reply.
        counters: the driver's counters; ``unexpected_replies``, ``corrupt_replies`` and
            ``unanswered_requests`` are counted here.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        name: str,
        reply_timeout_s: float,
        counters: dict[str, int],
    ) -> None:
        self.transport = transport
        self.name = name
        self.reply_timeout_s = reply_timeout_s
        self.counters = counters
        self.frames: deque[WireRecord] = deque(maxlen=FRAME_HISTORY)
        self._capture: list[WireRecord] | None = None  # an unlock's own frames
        self._parser = FrameParser()

    def describe(self) -> str:
        """The line's URL or port, for messages."""
        return self.transport.describe()

    def begin_capture(self) -> None:
        """Start collecting the frames of one unlock (besides the history)."""
        self._capture = []

    def end_capture(self) -> None:
        """Stop collecting."""
        self._capture = None

    def captured(self) -> tuple[str, ...]:
        """The frames since :meth:`begin_capture`, described."""
        return tuple(record.describe() for record in self._capture or ())

    def record(self, direction: str, data: bytes) -> None:
        """Keep one frame in the history (and the capture, if one is running)."""
        record = WireRecord(datetime.now(UTC), direction, bytes(data))
        self.frames.append(record)
        if self._capture is not None:
            self._capture.append(record)

    def exchange(self, request: bytes, *accepted: int) -> Exchange:
        """Send one request; wait up to ``reply_timeout_s`` for a ``35`` frame for an
        ``accepted`` ADDR (the first one wins).

        Raises:
            TransportError: the line is gone.
        """
        self.transport.reset_input()
        self._parser.reset()
        self.record("tx", request)
        self.transport.write(request)
        outcome = Exchange()
        deadline = time.monotonic() + self.reply_timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            # NOTE: pyserial's read(n) waits for all n bytes; ask only for what a reply still
            # needs, or every exchange would last the whole timeout.
            wanted = max(1, STATUS_REPLY_LENGTH - self._parser.pending)
            chunk = self.transport.read(wanted, remaining)
            if not chunk:
                continue
            self.record("rx", chunk)
            outcome.received += len(chunk)
            for frame in self._parser.feed(chunk):
                if frame.command != CMD_STATUS_REPLY:
                    continue  # our own request echoed by a half-duplex adapter
                if frame.addr not in accepted:
                    self.counters["unexpected_replies"] += 1
                    outcome.unexpected += 1
                    logger.warning(
                        "%s: reply for ADDR 0x%02x while waiting for %s ignored: %s",
                        self.name,
                        frame.addr,
                        " or ".join(f"0x{a:02x}" for a in dict.fromkeys(accepted)),
                        frame.raw.hex(" "),
                    )
                    continue
                outcome.reply = decode_status_reply(frame)
                return outcome
        if outcome.received:
            self.counters["corrupt_replies"] += 1
        else:
            self.counters["unanswered_requests"] += 1
            self.record("--", b"")
        return outcome
