"""The bytes of one blob chunk (``kiosk/v1/{id}/blob/{sha256}/{n}``): a header line, then data.

Payload = one line of compact JSON, ``\\n``, then the chunk's bytes::

    {"v":1,"n":3,"total":8,"size":250123,"offset":98304,"crc32":"1c291ca3"}\\n<bytes>

The header travels in the payload with every protocol version. MQTT 5 publishers add the
user properties ``total`` and ``size`` as well (the contract's first draft had only them),
but a broker drops user properties when it forwards to an MQTT 3.1.1 subscriber, and
kiosks and server may speak different versions: the header is what a receiver reads.

Every chunk but the last holds exactly ``CHUNK_SIZE`` bytes; ``offset = n * CHUNK_SIZE``;
``crc32`` (zlib's, 8 lower-case hex digits) lets the receiver tell a damaged chunk from a
good one and ask for that index again. The sha256 of the whole image is the topic's.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from kiosk.core.strict_json import StrictJsonError
from kiosk.core.strict_json import loads as strict_loads
from kiosk.errors import LinkError

CHUNK_SIZE = 32 * 1024
"""Bytes per chunk (the last one may be shorter)."""

FRAME_VERSION = 1
HEADER_MAX = 256
"""A header line longer than this is refused (it is about 80 bytes)."""

_HEADER_KEYS = ("v", "n", "total", "size", "offset", "crc32")


class BlobFrameError(LinkError, ValueError):
    """Raised when a blob chunk's payload is not a header line followed by its bytes."""


@dataclass(frozen=True)
class BlobChunk:
    """One decoded chunk.

    Attributes:
        n: its index, from 0.
        total: how many chunks the blob has.
        size: the whole blob's size in bytes.
        offset: where ``data`` starts in the blob.
        crc32: the CRC-32 of ``data`` as the sender computed it (8 hex digits).
        data: the chunk's bytes.
        header: the decoded header line (for schema checks).
    """

    n: int
    total: int
    size: int
    offset: int
    crc32: str
    data: bytes
    header: dict[str, Any]

    @property
    def crc_ok(self) -> bool:
        """True when ``data`` has the CRC-32 the header names."""
        return crc32_hex(self.data) == self.crc32


def crc32_hex(data: bytes) -> str:
    """zlib's CRC-32 of ``data`` as 8 lower-case hex digits."""
    return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}"


def chunk_count(size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """How many chunks a blob of ``size`` bytes has (an empty blob has one, empty)."""
    return max(1, -(-size // chunk_size))


def encode_chunk(blob: bytes, n: int, chunk_size: int = CHUNK_SIZE) -> bytes:
    """The payload of chunk ``n`` of ``blob``.

    Raises:
        BlobFrameError: ``n`` is not an index of this blob.
    """
    total = chunk_count(len(blob), chunk_size)
    if not 0 <= n < total:
        raise BlobFrameError(f"chunk {n} of a {total}-chunk blob does not exist")
    offset = n * chunk_size
    data = blob[offset : offset + chunk_size]
    header = {
        "v": FRAME_VERSION,
        "n": n,
        "total": total,
        "size": len(blob),
        "offset": offset,
        "crc32": crc32_hex(data),
    }
    return json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n" + data


def decode_header(payload: bytes) -> tuple[dict[str, Any], bytes]:
    """Split a chunk payload into its header (as JSON, not yet checked) and its data.

    Raises:
        BlobFrameError: no newline within ``HEADER_MAX`` bytes, or the line is not a JSON
            object.
    """
    end = payload.find(b"\n", 0, HEADER_MAX + 1)
    if end < 0:
        raise BlobFrameError(f"no header line within the first {HEADER_MAX} bytes")
    try:
        header = strict_loads(payload[:end].decode("ascii"))
    except (UnicodeDecodeError, StrictJsonError) as exc:
        raise BlobFrameError(f"header line is not ASCII JSON: {exc}") from None
    if not isinstance(header, dict):
        raise BlobFrameError(f"header line is not a JSON object: {payload[:end]!r}")
    return header, payload[end + 1 :]


def decode_chunk(payload: bytes, chunk_size: int = CHUNK_SIZE) -> BlobChunk:
    """Decode and check one chunk payload (everything but the CRC: see ``crc_ok``).

    Raises:
        BlobFrameError: unreadable header, a missing or mistyped key, or numbers that do
            not fit together (index beyond total, wrong offset or length).
    """
    header, data = decode_header(payload)
    problems = header_problems(header, len(data), chunk_size)
    if problems:
        raise BlobFrameError("; ".join(problems))
    return BlobChunk(
        n=header["n"],
        total=header["total"],
        size=header["size"],
        offset=header["offset"],
        crc32=header["crc32"],
        data=data,
        header=header,
    )


def header_problems(
    header: dict[str, Any], data_len: int, chunk_size: int = CHUNK_SIZE
) -> list[str]:
    """What is wrong with a header (for its ``data_len`` bytes of data); empty if nothing."""
    missing = [key for key in _HEADER_KEYS if key not in header]
    if missing:
        return [f"header lacks {missing}"]
    numbers = {key: header[key] for key in ("v", "n", "total", "size", "offset")}
    bad = [k for k, v in numbers.items() if not isinstance(v, int) or isinstance(v, bool) or v < 0]
    if bad:
        return [f"header values {bad} are not whole numbers >= 0"]
    crc = header["crc32"]
    if not isinstance(crc, str) or len(crc) != 8 or any(c not in "0123456789abcdef" for c in crc):
        return [f"crc32 {crc!r} is not 8 lower-case hex digits"]
    n, total, size, offset = header["n"], header["total"], header["size"], header["offset"]
    problems: list[str] = []
    if header["v"] != FRAME_VERSION:
        problems.append(f"frame version {header['v']} (this program reads {FRAME_VERSION})")
    if total != chunk_count(size, chunk_size):
        problems.append(f"total {total} for {size} bytes in chunks of {chunk_size}")
    if n >= total:
        problems.append(f"chunk {n} of {total}")
    if offset != n * chunk_size:
        problems.append(f"offset {offset} for chunk {n} (expected {n * chunk_size})")
    expected_len = max(0, min(chunk_size, size - n * chunk_size))
    if data_len != expected_len:
        problems.append(f"{data_len} data bytes in chunk {n} (expected {expected_len})")
    return problems


__all__ = [
    "CHUNK_SIZE",
    "FRAME_VERSION",
    "HEADER_MAX",
    "BlobChunk",
    "BlobFrameError",
    "chunk_count",
    "crc32_hex",
    "decode_chunk",
    "decode_header",
    "encode_chunk",
    "header_problems",
]
