"""pykakasi's kanji dictionary as an SQLite file read on demand, not 119 MB in memory.

pykakasi keeps its whole dictionary (6,823 leading kanji, 9.7 MB pickled) as one Python dict:
loading it costs ~0.6 s and ~119 MB of resident memory for as long as the kiosk runs, which
is as much again as the whole kiosk. Here the dictionary is copied once into an SQLite file
(one row per leading kanji, JSON), by a child process so the kiosk itself never holds the
pickle, and pykakasi is handed a mapping that reads rows as sentences need them.

``python -m kiosk.devices.speech.kana_index PATH`` builds the file.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from kiosk.devices.speech.protocol import SpeechError

log = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE kanwa (key INTEGER PRIMARY KEY, entries TEXT NOT NULL)"
CACHE_SIZE = 512  # leading kanji kept decoded (a screen's sentences use a few dozen)
BUILD_TIMEOUT_S = 120.0


def build(path: Path) -> None:
    """Copy pykakasi's dictionary into ``path`` (atomically; loads the whole pickle: run it in
    a child process, :func:`ensure_index`)."""
    import pykakasi.kanji

    kanwa = pykakasi.kanji.Kanwa()  # type: ignore[no-untyped-call]
    table: dict[int, dict[str, list[Any]]] = kanwa._jisyo_table
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(partial) as db:
        db.execute(SCHEMA)
        db.executemany(
            "INSERT INTO kanwa (key, entries) VALUES (?, ?)",
            ((key, json.dumps(value, ensure_ascii=False)) for key, value in table.items()),
        )
    os.replace(partial, path)


def ensure_index(path: Path) -> None:
    """Build ``path`` in a child process unless it exists.

    Raises:
        SpeechError: the child failed or took longer than 120 s.
    """
    if path.exists():
        return
    log.info("building the kana reading index %s (once)", path)
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(path)],
            capture_output=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"the kana reading index could not be built: {exc}") from exc
    if done.returncode != 0 or not path.exists():
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise SpeechError(f"the kana reading index could not be built: {message}")


class LazyKanwa:
    """The dictionary as pykakasi reads it (``get(ord(kanji))``), row by row from SQLite."""

    def __init__(self, path: Path) -> None:
        # NOTE: pykakasi may be called from any thread; one connection, behind a lock.
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, dict[str, Any] | None] = OrderedDict()

    def get(self, key: int, default: Any = None) -> Any:
        """The entries of the words starting with the kanji ``chr(key)``."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                found = self._cache[key]
            else:
                row = self._db.execute("SELECT entries FROM kanwa WHERE key = ?", (key,)).fetchone()
                found = None if row is None else json.loads(row[0])
                self._cache[key] = found
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return default if found is None else found

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def install(path: Path) -> LazyKanwa:
    """Make pykakasi read its dictionary from ``path`` (built first if missing); call before
    pykakasi converts anything, or it loads the whole pickle itself.

    Raises:
        SpeechError: the index could not be built.
    """
    ensure_index(path)
    import pykakasi.kanji

    lazy = LazyKanwa(path)
    # NOTE: pykakasi's Kanwa is a Borg whose shared state holds the table; setting it first
    # means its own loader (``if _jisyo_table is None``) never runs.
    shared: dict[str, Any] = pykakasi.kanji.Kanwa._shared_state
    shared["_jisyo_table"] = lazy
    return lazy


if __name__ == "__main__":
    build(Path(sys.argv[1]))
