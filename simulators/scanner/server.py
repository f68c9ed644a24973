"""A serial code scanner, served over TCP (pyserial ``socket://``) and optionally on a pty.

The driver cannot tell it from a scanner on a USB-CDC port: bytes of each code, then the
suffix, nothing else. Control it in-process::

    with ScannerSimulator(port=0, suffix="cr") as sim:
        scanner = SerialScanner(sim.url)           # socket://127.0.0.1:PORT
        sim.wait_for_clients(1, timeout=5)
        sim.scan("eyJhbGciOi…")                    # payload + CR
        sim.scan("ABC", split=[1, 2], delay_between_chunks_s=0.01)
        sim.noise(16)                              # line noise without a line end
        sim.garbage(4096)                          # 4 KB without a suffix, then the suffix
        sim.burst("ABC", times=5)                  # the scanner repeats a code
        sim.go_silent()                            # unplugged: connections drop, pty closes
        sim.come_back()                            # plugged in again (same port, same link)

With ``pty_link`` set, a pty is opened and the link (a symlink, like a udev name) points at its
slave end; ``come_back()`` opens a new pty and moves the link, as a replugged USB device gets
a new ``/dev/ttyACMn`` behind the same ``/dev/kiosk-scanner``.
Everything sent is recorded in :attr:`ScannerSimulator.sent`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
import tty
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from simulators.tcp_server import TcpDeviceServer

logger = logging.getLogger(__name__)

DEFAULT_PORT = 7000
SUFFIXES = {"cr": b"\r", "crlf": b"\r\n", "lf": b"\n", "none": b""}
_LINE_ENDS = frozenset(b"\r\n")


@dataclass(frozen=True)
class SentChunk:
    """One write the simulator made.

    Attributes:
        kind: ``scan``, ``noise``, ``garbage`` or ``burst``.
        data: the bytes written (one chunk of a split scan).
        receivers: how many endpoints (connections + pty) it was written to.
        sent_mono: ``time.perf_counter()`` just after the write returned.
    """

    kind: str
    data: bytes
    receivers: int
    sent_mono: float


class ScannerSimulator(TcpDeviceServer):
    """The simulated serial scanner; see the module docstring.

    Args:
        port: TCP port; 0 picks a free one (read :attr:`port` after :meth:`start`).
        host: address to listen on.
        suffix: default suffix: ``cr``, ``crlf``, ``lf`` or ``none``.
        pty_link: when set, also serve on a pty and keep this symlink pointing at its slave.
        encoding: how ``str`` payloads become bytes (``utf-8``; ``cp932`` like a Japanese
            scanner in Shift_JIS mode).
        seed: seed of the random noise and garbage.

    Raises:
        ValueError: an unknown suffix.
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        *,
        host: str = "127.0.0.1",
        suffix: str = "cr",
        pty_link: Path | None = None,
        encoding: str = "utf-8",
        seed: int = 0,
    ) -> None:
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}, got {suffix!r}")
        super().__init__("scanner simulator", host, port)
        self.suffix = suffix
        self.pty_link = pty_link
        self.encoding = encoding
        self.sent: list[SentChunk] = []
        self._random = random.Random(seed)
        self._pty_master = -1
        self._pty_slave = -1
        self._pty_path = ""
        self._silent = False

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def pty_path(self) -> str:
        """The current pty slave (``/dev/pts/N``); empty without a pty or while silent."""
        return self._pty_path

    @property
    def pty_url(self) -> str:
        """``serial://LINK`` for the driver (the stable link, not the changing pty)."""
        if self.pty_link is None:
            raise ValueError("the simulator has no pty; pass pty_link")
        return f"serial://{self.pty_link}"

    @property
    def silent(self) -> bool:
        """True between :meth:`go_silent` and :meth:`come_back`."""
        return self._silent

    def start(self) -> Self:
        """Listen (and open the pty) and serve on a background thread; returns self."""
        if self.running:
            return self
        super().start()
        if self.pty_link is not None:
            self._open_pty()
        logger.info(
            "scanner simulator on %s%s",
            self.url,
            f" and {self.pty_link} -> {self._pty_path}" if self.pty_link else "",
        )
        return self

    def stop(self) -> None:
        """Stop serving; close every connection and the pty."""
        if not self.running:
            return
        super().stop()
        self._close_pty()
        if self.pty_link is not None:
            with contextlib.suppress(OSError):
                self.pty_link.unlink()

    # -- control API --------------------------------------------------------------------------

    def scan(
        self,
        payload: str | bytes,
        suffix: str | None = None,
        split: int | Sequence[int] | None = None,
        delay_between_chunks_s: float = 0.0,
        *,
        kind: str = "scan",
    ) -> bytes:
        """Send one code: payload then suffix, optionally in chunks.

        Args:
            payload: the code (``str`` is encoded with the simulator's encoding).
            suffix: ``cr``/``crlf``/``lf``/``none``; None uses the simulator's default.
            split: a chunk size, or a list of chunk sizes (the rest is the last chunk).
            delay_between_chunks_s: pause between chunks (a slow line, a partial line).
            kind: the label in :attr:`sent`.

        Returns:
            The bytes sent.
        """
        suffix_name = self.suffix if suffix is None else suffix
        if suffix_name not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)}, got {suffix_name!r}")
        raw = payload.encode(self.encoding) if isinstance(payload, str) else bytes(payload)
        data = raw + SUFFIXES[suffix_name]
        chunks = _chunks(data, split)
        for index, chunk in enumerate(chunks):
            if index and delay_between_chunks_s > 0:
                time.sleep(delay_between_chunks_s)
            self._send(kind, chunk)
        return data

    def noise(self, n_bytes: int) -> bytes:
        """Send ``n_bytes`` of random line noise that holds no CR or LF (a partial line)."""
        data = bytes(b for b in self._random.randbytes(n_bytes * 2) if b not in _LINE_ENDS)
        data = data[:n_bytes]
        while len(data) < n_bytes:
            data += b"\x00"
        self._send("noise", data)
        return data

    def garbage(self, n_bytes: int = 4096, suffix: str | None = None) -> bytes:
        """Send ``n_bytes`` of random bytes without a line end, then the suffix."""
        body = bytes(b for b in self._random.randbytes(n_bytes * 2) if b not in _LINE_ENDS)
        body = (body + b"\x00" * n_bytes)[:n_bytes]
        return self.scan(body, suffix, kind="garbage")

    def burst(self, payload: str | bytes, times: int, suffix: str | None = None) -> bytes:
        """Send the same code ``times`` times in a row, as a scanner holding a code does."""
        sent = b""
        for _ in range(times):
            sent += self.scan(payload, suffix, kind="burst")
        return sent

    def go_silent(self) -> None:
        """Unplug: drop every connection, stop listening, close the pty (its link stays)."""
        with self._lock:
            self._silent = True
        self.stop_listening()
        self.drop_clients("unplugged")
        self._close_pty()
        self.wake()
        logger.info("scanner simulator: silent (unplugged)")

    def come_back(self) -> None:
        """Plug in again: listen on the same port, open a new pty behind the same link."""
        with self._lock:
            if not self._silent:
                return
        self.listen()
        if self.pty_link is not None:
            self._open_pty()
        with self._lock:
            self._silent = False
        self.wake()
        logger.info("scanner simulator: back on %s", self.url)

    def sent_bytes(self, kind: str | None = None) -> bytes:
        """Everything sent (or only one kind), concatenated."""
        with self._lock:
            return b"".join(c.data for c in self.sent if kind is None or c.kind == kind)

    # -- internals ----------------------------------------------------------------------------

    def _open_pty(self) -> None:
        assert self.pty_link is not None
        master, slave = os.openpty()
        # NOTE: raw at once: bytes written before the driver opens the port would otherwise go
        # through the line discipline (CR turned into LF, echo).
        tty.setraw(slave)
        path = os.ttyname(slave)
        tmp_link = self.pty_link.with_name(self.pty_link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp_link.unlink()
        tmp_link.symlink_to(path)
        tmp_link.replace(self.pty_link)
        with self._lock:
            self._pty_master, self._pty_slave, self._pty_path = master, slave, path

    def _close_pty(self) -> None:
        with self._lock:
            master, slave = self._pty_master, self._pty_slave
            self._pty_master = self._pty_slave = -1
            self._pty_path = ""
        for fd in (master, slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _send(self, kind: str, data: bytes) -> None:
        with self._lock:
            clients = list(self._clients)
            master = self._pty_master
            receivers = 0
            for sock in clients:
                try:
                    sock.sendall(data)
                    receivers += 1
                except OSError as exc:
                    logger.info("scanner simulator: client gone: %s", exc)
            if master >= 0:
                view = memoryview(data)
                try:
                    while view:
                        view = view[os.write(master, view) :]
                    receivers += 1
                except OSError as exc:
                    logger.info("scanner simulator: pty write failed: %s", exc)
            self.sent.append(SentChunk(kind, data, receivers, time.perf_counter()))

    # A scanner ignores what the host sends (``on_data`` of the base does nothing).


def _chunks(data: bytes, split: int | Sequence[int] | None) -> list[bytes]:
    if split is None:
        return [data]
    if isinstance(split, int):
        if split < 1:
            raise ValueError(f"chunk size must be at least 1, got {split}")
        return [data[i : i + split] for i in range(0, len(data), split)] or [data]
    chunks: list[bytes] = []
    start = 0
    for size in split:
        if size < 0:
            raise ValueError(f"chunk sizes must not be negative, got {size}")
        chunks.append(data[start : start + size])
        start += size
    if start < len(data):
        chunks.append(data[start:])
    return [c for c in chunks if c]
