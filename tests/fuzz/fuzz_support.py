"""Shared parts of the fuzz suite: hostile inputs as hypothesis strategies, and a scripted
device peer on a local socket.

Every strategy here produces what an attacker (or a broken device) can put on a wire we
read: arbitrary bytes, "JSON" with NaN/Infinity, huge integers, deep nesting and duplicate
keys, and valid documents with one part changed.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from hypothesis import strategies as st

HUGE_INTS = (
    2**31 - 1,
    2**31,
    2**53,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**400,
    -(10**400),
)
"""Integers that overflow 32-bit, float-exact, SQLite and float ranges."""

ODD_TEXTS = (
    "",
    " ",
    "chuo",
    "test-kiosk-1",
    "kiosk-test-1",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+00:00",
    "2026-11-27T10:10:00+09:00",
    "2026-11-27T10:10:00",
    "NaN",
    "1e999",
    "\x00",
    "\x1b[2J\x1b]0;x\x07",
    "\u202e\u200b",
    '<img src="http://evil.example/x">',
    "{office:>400000000}",
    "a" * 300,
    "é" * 70,
)
"""Texts that have broken parsers before: extreme dates, controls, markup, format specs."""

_NON_FINITE = (float("nan"), float("inf"), float("-inf"))


def json_scalars() -> st.SearchStrategy[Any]:
    """JSON leaves, including the non-finite floats and huge integers JSON cannot hold."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.sampled_from(HUGE_INTS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(_NON_FINITE),
        st.text(max_size=24),
        st.sampled_from(ODD_TEXTS),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any (Python) JSON value: scalars, lists and objects nested a few levels."""
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=10), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def dumps_lenient(value: Any) -> str:
    """``value`` as Python's lenient JSON would write it (``NaN``, ``Infinity`` literals).

    Integers longer than Python's 4300-digit string limit never occur in our strategies.
    """
    return json.dumps(value, allow_nan=True, ensure_ascii=False)


def deep_nesting() -> st.SearchStrategy[str]:
    """Arrays or objects nested far beyond any parser's patience (up to 100,000 levels)."""
    depth = st.sampled_from([33, 100, 1000, 5000, 100_000]) | st.integers(1, 3000)
    return st.one_of(
        depth.map(lambda n: "[" * n + "]" * n),
        depth.map(lambda n: '{"a":' * n + "1" + "}" * n),
        depth.map(lambda n: "[" * n),  # never closed
    )


def odd_json_texts() -> st.SearchStrategy[str]:
    """Texts that look like JSON and are not strict JSON (or are on its edges)."""
    return st.one_of(
        deep_nesting(),
        st.sampled_from(
            [
                "NaN",
                "Infinity",
                "-Infinity",
                "1e999",
                "-1e999",
                "1" * 5000,  # over Python's int digit limit
                '{"a":1,"a":2}',
                '{"acked_seq":1,"acked_seq":99}',
                '{"online":true,"online":false}',
                "[]",
                "{}",
                "null",
                '""',
                "\ufeff{}",
                "{} {}",
                '{"a":"\\ud800"}',
            ]
        ),
    )


def json_texts() -> st.SearchStrategy[str]:
    """JSON text (lenient: NaN/Infinity allowed) of any value, and the odd texts."""
    return st.one_of(json_values().map(dumps_lenient), odd_json_texts())


def payloads() -> st.SearchStrategy[bytes]:
    """What may arrive on an MQTT topic: bytes, any text, JSON of any shape."""
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        json_texts().map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


def object_payloads(base: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """``base`` with one member changed, removed or added, as lenient JSON bytes."""
    return mutated(base).map(lambda d: dumps_lenient(d).encode("utf-8", "surrogatepass"))


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with one member replaced by any JSON value, removed, or added."""
    document = copy.deepcopy(base)
    key = draw(st.sampled_from([*sorted(document), "extra"]))
    if draw(st.booleans()) and key in document:
        del document[key]
    else:
        document[key] = draw(json_values())
    return document


class ScriptedPeer:
    """A device's side of a local TCP line that answers each request with scripted bytes.

    A test sets the replies (one per request received, in order; ``None`` closes the
    connection instead of answering; no reply left: silence). Connections are accepted
    one after another for as long as the peer runs, so a driver may reconnect.
    """

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)  # accept() wakes up to see a stop
        self.port: int = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._replies: deque[bytes | None] = deque()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="scripted-peer", daemon=True)
        self._connections: list[socket.socket] = []

    def __enter__(self) -> ScriptedPeer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with suppress(OSError):
            self._server.close()
        with self._lock:
            for conn in self._connections:
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)

    def script(self, replies: list[bytes | None]) -> None:
        """Answer the next requests with ``replies`` (the rest of an old script is dropped)."""
        with self._lock:
            self._replies = deque(replies)

    def _next(self) -> Iterator[bytes | None]:
        with self._lock:
            if self._replies:
                yield self._replies.popleft()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self._connections.append(conn)
            self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            while not self._stopping.is_set():
                try:
                    request = conn.recv(4096)
                except OSError:
                    return
                if not request:
                    return
                for reply in self._next():
                    if reply is None:
                        return  # closes the connection
                    with suppress(OSError):
                        conn.sendall(reply)
