"""Kill a writer of the outbox at random moments, then check the database each time.

``python -m tests.faults.kill_writer FOLDER KILLS SEED [MAX_DELAY_MS]`` forks a writer
(this process has no threads, so fork is safe), lets it open the database, begin a session
and append events one per transaction (acking every 50th back to half), kills it with
SIGKILL after a random 0..MAX_DELAY_MS, and then checks: ``PRAGMA integrity_check`` is
``ok``; the outbox holds exactly ``seq`` ``acked_seq + 1 .. last_seq``, gapless; every
append whose commit returned (the writer reports it through a pipe) is there; at most the
one being committed when the kill came is there without a report. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import sys
import time
from pathlib import Path

# NOTE: imported here, in the parent, before any fork: a child that imported the store itself
# spent 20-30 ms (more on a busy machine; sources compiled again without a bytecode cache)
# before its first write, longer than most kill delays, so nearly every kill hit an import
# and on a loaded machine all of them did (nothing committed: reported_max 0).
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox


def writer(path: Path, report_fd: int) -> None:
    """The child: append forever, reporting each committed seq."""
    db = Database(path)
    session = begin_session(db)
    outbox = Outbox(db, kiosk_id="kiosk-kill", session=session)
    while True:
        with db.transaction() as tx:
            event = outbox.append(tx, "ticket", "ticket.printed", {"ticket_id": "t", "number": "A"})
        assert event is not None
        os.write(report_fd, f"{event.seq}\n".encode())
        if event.seq % 50 == 0:
            outbox.ack(event.seq // 2)


def check(path: Path) -> tuple[str, int, int, list[int]]:
    """integrity_check, acked_seq, last_seq and the stored seqs (0s before the schema)."""
    conn = sqlite3.connect(str(path))
    try:
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) == 0:
            return integrity, 0, 0, []  # killed before the first migration committed
        kv = dict(conn.execute("SELECT key, value FROM kv").fetchall())
        seqs = [int(r[0]) for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    except sqlite3.Error as exc:
        return f"error: {exc}", 0, 0, []
    finally:
        conn.close()
    return integrity, int(kv.get("outbox.acked_seq", 0)), int(kv.get("outbox.last_seq", 0)), seqs


def main(argv: list[str]) -> int:
    folder, kills, seed = Path(argv[0]), int(argv[1]), int(argv[2])
    max_delay_s = (float(argv[3]) if len(argv) > 3 else 25.0) / 1000
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kiosk.sqlite3"
    rng = random.Random(seed)
    problems: list[str] = []
    reported_max = 0
    prev_last = 0
    started = time.monotonic()
    kills_done = 0
    for kill in range(kills):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            try:
                writer(path, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        time.sleep(rng.uniform(0, max_delay_s))  # the random moment of the kill
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        chunks = []
        while chunk := os.read(read_fd, 65536):
            chunks.append(chunk)
        os.close(read_fd)
        reported = [int(x) for x in b"".join(chunks).split()]
        reported_max = max([prev_last, *reported])
        kills_done += 1
        integrity, acked, last, seqs = check(path)
        if integrity != "ok":
            problems.append(f"kill {kill}: integrity_check says {integrity}")
        if seqs != list(range(acked + 1, last + 1)):
            problems.append(f"kill {kill}: seqs not {acked + 1}..{last}: {seqs[:3]}…{seqs[-3:]}")
        if last < reported_max:
            problems.append(f"kill {kill}: committed seq {reported_max} lost (last_seq {last})")
        if last > reported_max + 1:
            problems.append(f"kill {kill}: last_seq {last} beyond reported {reported_max} + 1")
        prev_last = last
        if len(problems) > 20:
            break
    _, acked, last, seqs = check(path)
    print(
        json.dumps(
            {
                "kills": kills_done,
                "problems": problems,
                "last_seq": last,
                "acked_seq": acked,
                "rows": len(seqs),
                "reported_max": reported_max,
                "seconds": round(time.monotonic() - started, 2),
            }
        ),
        flush=True,
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
