"""ID-photo images from ``kiosk/v1/+/blob/{sha256}/{n}``: chunks checked (CRC-32), the whole
reassembled and checked (sha256), and the ``blob-ack`` answer for each step."""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.link.blob_frame import BlobFrameError, decode_chunk
from simulators.central.records import Arrival
from simulators.central.store import CentralStore

log = logging.getLogger(__name__)


@dataclass
class _Assembly:
    size: int
    total: int
    chunks: dict[int, bytes] = field(default_factory=dict)
    requested: set[int] = field(default_factory=set)  # indexes asked for again


class BlobAssembler:
    """Reassembles images chunk by chunk (not thread-safe: the worker holds its lock).

    Args:
        store: the store file for verified images, or None.
        arrivals: where each chunk's arrival is noted.
    """

    def __init__(self, store: CentralStore | None, arrivals: deque[Arrival]):
        self.store = store
        self.bad_chunks = 0
        self.answers: list[tuple[str, dict[str, Any]]] = []  # every blob-ack, in order
        self.last_answer: dict[str, dict[str, Any]] = {}  # kiosk -> its retained blob-ack
        self._arrivals = arrivals
        self._assemblies: dict[tuple[str, str], _Assembly] = {}
        self._blobs: dict[str, bytes] = {}  # sha256 -> verified image
        self._done: set[tuple[str, str]] = set()
        self._deliveries: dict[str, dict[int, int]] = {}
        self._lose: dict[str, set[int]] = {}

    def received(self) -> dict[str, bytes]:
        """Every image whose sha256 checked out, by sha256."""
        return dict(self._blobs)

    def deliveries(self, sha256: str) -> dict[int, int]:
        """How often each chunk index of a blob arrived (resends and lost ones included)."""
        return dict(self._deliveries.get(sha256, {}))

    def lose(self, sha256: str, indexes: Sequence[int]) -> None:
        """Fault: drop the next arrival of each of these chunks."""
        self._lose.setdefault(sha256, set()).update(indexes)

    def on_chunk(
        self, kiosk: str, sha256: str, n: int, payload: bytes, user: dict[str, str]
    ) -> dict[str, Any] | None:
        """Take chunk ``n`` of ``sha256``; returns the ``blob-ack`` body to publish, if any."""
        self._arrivals.append(Arrival("blob", kiosk, blob=sha256, index=n))
        counts = self._deliveries.setdefault(sha256, {})
        counts[n] = counts.get(n, 0) + 1
        lose = self._lose.get(sha256)
        if lose is not None and n in lose:
            lose.discard(n)
            log.info("fault: chunk %d of %s… from %s lost on purpose", n, sha256[:12], kiosk)
            return None
        try:
            chunk = decode_chunk(payload)
        except BlobFrameError as exc:
            self.bad_chunks += 1
            log.warning("kiosk %s: chunk %d of %s… refused: %s", kiosk, n, sha256[:12], exc)
            return None
        if chunk.n != n:
            self.bad_chunks += 1
            log.warning("kiosk %s: chunk on topic index %d says n=%d", kiosk, n, chunk.n)
            return None
        if user and (user.get("total"), user.get("size")) != (str(chunk.total), str(chunk.size)):
            log.warning("kiosk %s: user properties %r disagree with the chunk header", kiosk, user)
        key = (kiosk, sha256)
        if key in self._done:
            if n == chunk.total - 1:
                return self._answer(kiosk, {"blob": sha256, "ok": True})  # a lost answer
            return None
        assembly = self._assemblies.get(key)
        if assembly is None or (assembly.size, assembly.total) != (chunk.size, chunk.total):
            assembly = self._assemblies[key] = _Assembly(chunk.size, chunk.total)
        answers_request = n in assembly.requested
        assembly.requested.discard(n)
        if chunk.crc_ok:
            assembly.chunks[n] = chunk.data
        else:
            self.bad_chunks += 1
            assembly.chunks.pop(n, None)
            log.warning("kiosk %s: chunk %d of %s… fails its CRC-32", kiosk, n, sha256[:12])
        if len(assembly.chunks) == assembly.total:
            return self._finish(kiosk, sha256, assembly)
        if n == assembly.total - 1 or (answers_request and not assembly.requested):
            missing = sorted(set(range(assembly.total)) - set(assembly.chunks))
            assembly.requested = set(missing)
            return self._answer(kiosk, {"blob": sha256, "missing": missing})
        return None

    def _finish(self, kiosk: str, sha256: str, assembly: _Assembly) -> dict[str, Any]:
        del self._assemblies[(kiosk, sha256)]
        data = b"".join(assembly.chunks[i] for i in range(assembly.total))
        if len(data) != assembly.size or hashlib.sha256(data).hexdigest() != sha256:
            log.warning("kiosk %s: image %s… does not hash to its name", kiosk, sha256[:12])
            return self._answer(kiosk, {"blob": sha256, "ok": False, "reason": "sha256_mismatch"})
        self._blobs[sha256] = data
        self._done.add((kiosk, sha256))
        if self.store is not None:
            self.store.add_blob(sha256, kiosk, data)
        log.info("kiosk %s: image %s… stored (%d bytes)", kiosk, sha256[:12], len(data))
        return self._answer(kiosk, {"blob": sha256, "ok": True})

    def _answer(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        self.answers.append((kiosk, body))
        self.last_answer[kiosk] = body
        return body
