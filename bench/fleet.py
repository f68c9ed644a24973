"""A fleet of N kiosks (real link code each, one loop thread for all) on one Mosquitto with
the central simulator, and the central simulator's ingest ceiling.

``.venv/bin/python -m bench.fleet [N] [RATE] [SECONDS] [BURST]`` (defaults 1000, 200, 30,
20000).

Phases, all in one run, one broker, one central simulator (its own process, with its
SQLite store, as ``kiosk sim central --db`` runs):

1. ingest ceiling: BURST events of 8 kiosks published as fast as ``mosquitto_pub`` can;
   how fast the central simulator stores them against how fast a raw ``mosquitto_sub`` of
   the same stream receives them (the ratio is the figure: the broker and the machine are
   the same for both);
2. the fleet: connect all N (spread over 5 s, as kiosks boot at different times); make
   events at RATE/s for SECONDS with heartbeats (health every 60 s);
3. restart the broker (SIGTERM, no persistence) and measure how the reconnects spread;
4. drain; stop the central simulator and compare its store with every kiosk's ``seq`` range.

Each figure is printed against its aim.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.aims import check
from kiosk.link.tuning import LinkTuning
from simulators.fleet.fleet import Fleet, FleetSettings
from simulators.mosquitto import MosquittoProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
LANES = 8  # publishing kiosks of the ingest burst
AIM_LOST = 0
AIM_DELIVERED = 0.99  # events acked per second over events made per second, at least
AIM_MADE = 0.95  # events made over asked: Poisson arrivals vary by 4 % (3 sigma) in 30 s


class BenchBroker(MosquittoProcess):
    """The bench's Mosquitto: a slow subscriber's backlog is kept, not dropped (the ingest
    burst measures how fast the central simulator takes it, not what the broker drops)."""

    def _write_config(self) -> None:
        super()._write_config()
        with self.conf_path.open("a") as conf:
            conf.write("max_queued_messages 0\n")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu_seconds() -> float:
    """User + system CPU of this process so far (the fleet runs here)."""
    times = os.times()
    return times.user + times.system


def wait_for(predicate: Callable[[], bool], timeout: float, period: float = 0.1) -> float:
    """Seconds until ``predicate()`` held (polled every ``period``); raises on timeout."""
    start = time.monotonic()
    idle = threading.Event()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"not reached within {timeout} s")
        idle.wait(period)
    return time.monotonic() - start


def histogram(values: list[float], width: float = 0.5) -> list[str]:
    """Text histogram of delays in ``width``-second buckets."""
    if not values:
        return ["  (none)"]
    buckets: dict[int, int] = {}
    for value in values:
        buckets[int(value // width)] = buckets.get(int(value // width), 0) + 1
    top = max(buckets.values())
    return [
        f"  {b * width:5.1f}-{(b + 1) * width:4.1f} s {buckets.get(b, 0):5d} "
        + "#" * round(40 * buckets.get(b, 0) / top)
        for b in range(max(buckets) + 1)
    ]


def stored_count(db: Path, prefix: str) -> int:
    """Events of kiosks named ``prefix…`` in the central simulator's store (0 before it
    exists)."""
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5.0)
    try:
        row = conn.execute(
            "SELECT count(*) FROM event WHERE kiosk LIKE ?", (f"{prefix}%",)
        ).fetchone()
        return int(row[0])
    except sqlite3.OperationalError:
        return 0  # no table yet
    finally:
        conn.close()


def envelope_lines(kiosk: str, count: int) -> bytes:
    """``count`` valid event envelopes of ``kiosk``, one per line (``mosquitto_pub -l``)."""
    ts = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    lines = []
    for seq in range(1, count + 1):
        body = {
            "v": 1,
            "id": f"{kiosk}-{seq}",
            "seq": seq,
            "session": 1,
            "kiosk": kiosk,
            "ts": ts,
            "type": "ticket.printed",
            "data": {"ticket_id": f"{kiosk}-t{seq}", "number": "A-001"},
        }
        lines.append(json.dumps(body, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8")


def ingest_ceiling(broker: MosquittoProcess, central_db: Path, burst: int) -> tuple[float, float]:
    """Events/s the central simulator stores and a raw ``mosquitto_sub`` receives, of one
    burst published as fast as ``mosquitto_pub`` can."""
    per_lane = burst // LANES
    total = per_lane * LANES
    sub = subprocess.Popen(
        [
            # NOTE: line-buffered, so its SUBACK line arrives before the burst is sent.
            "stdbuf", "-oL", "mosquitto_sub",
            "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1", "-d",
            "-t", "kiosk/v1/+/evt/#", "-C", str(total),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    subscribed = threading.Event()

    def read() -> None:
        assert sub.stdout is not None
        for line in sub.stdout:
            if b"SUBACK" in line:
                subscribed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not subscribed.wait(10):
        sub.kill()
        raise TimeoutError("mosquitto_sub did not subscribe")
    base = stored_count(central_db, "bench-")
    start = time.monotonic()
    pubs = [
        subprocess.Popen(
            [
                "mosquitto_pub",
                "-h",
                "127.0.0.1",
                "-p",
                str(broker.port),
                "-q",
                "1",
                "-l",
                "-t",
                f"kiosk/v1/bench-{lane:02d}/evt/ticket",
            ],
            stdin=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for lane in range(LANES)
    ]
    for lane, pub in enumerate(pubs):
        assert pub.stdin is not None
        pub.stdin.write(envelope_lines(f"bench-{lane:02d}", per_lane))
        pub.stdin.close()
    sub.wait(300)
    sub_s = time.monotonic() - start
    wait_for(lambda: stored_count(central_db, "bench-") - base >= total, 300, period=0.02)
    central_s = time.monotonic() - start
    for pub in pubs:
        pub.wait(30)
    reader.join(5)
    return total / central_s, total / sub_s


def main(argv: list[str] | None = None) -> None:
    """Run every phase and print each figure against its aim."""
    logging.basicConfig(level=logging.CRITICAL)
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 1000
    rate = float(args[1]) if len(args) > 1 else 200.0
    seconds = float(args[2]) if len(args) > 2 else 30.0
    burst = int(args[3]) if len(args) > 3 else 20000
    if not all(shutil.which(tool) for tool in ("mosquitto_sub", "mosquitto_pub", "stdbuf")):
        raise SystemExit("bench.fleet needs mosquitto_sub/_pub (Debian: mosquitto-clients)")
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        broker = BenchBroker(work / "broker")
        broker.start()
        central_db = work / "central.sqlite3"
        central = subprocess.Popen(
            [sys.executable, "-m", "simulators.central", "--broker", broker.url,
             "--db", str(central_db)],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        fleet = Fleet(
            FleetSettings(
                kiosks=n,
                broker=broker.url,
                state_dir=work / "kiosks",
                rate=rate,
                heartbeat_s=60.0,
                seed=1,
                tuning=LinkTuning(backoff_min_s=1.0, backoff_max_s=30.0),
            )
        )
        try:
            wait_for(lambda: central_db.exists(), 30)
            central_rate, sub_rate = ingest_ceiling(broker, central_db, burst)
            print(
                f"central simulator ingest ceiling: {central_rate:.0f} events/s stored = "
                f"{central_rate / sub_rate:.2f}x a raw mosquitto_sub of the same burst "
                f"({sub_rate:.0f} events/s, {burst} events); aim: above the fleet's "
                f"{rate:.0f}/s ({central_rate / rate:.1f}x)"
            )
            check("central simulator ingest ceiling", central_rate, ">", rate, unit="/s", digits=0)

            t0 = time.monotonic()
            fleet.open()
            opened = time.monotonic() - t0
            fleet.start()
            online_s = wait_for(lambda: fleet.summary().online == n, 120)
            threads = len(list(Path("/proc/self/task").iterdir()))
            print(
                f"kiosks online: {n} (aim {n}); stores opened in {opened:.1f} s, all online "
                f"{online_s:.1f} s later; threads in the fleet process: {threads}"
            )

            before = fleet.summary()
            cpu_fleet0 = own_cpu_seconds()
            broker_pid = broker.pid
            assert broker_pid is not None
            cpu_broker0 = cpu_seconds(broker_pid)
            cpu_central0 = cpu_seconds(central.pid)
            t1 = time.monotonic()
            threading.Event().wait(seconds)
            elapsed = time.monotonic() - t1
            after = fleet.summary()
            cpu_fleet = (own_cpu_seconds() - cpu_fleet0) / elapsed * 100
            cpu_broker = (cpu_seconds(broker_pid) - cpu_broker0) / elapsed * 100
            cpu_central = (cpu_seconds(central.pid) - cpu_central0) / elapsed * 100
            made_rate = (after.made - before.made) / elapsed
            acked_rate = (after.acked - before.acked) / elapsed
            print(
                f"steady {elapsed:.0f} s at {rate:.0f} events/s asked ({n} kiosks x "
                f"{rate / n:.2f}): made {made_rate:.0f}/s = {made_rate / rate:.3f} of asked "
                f"(aim >= {AIM_MADE}: Poisson arrivals); acked {acked_rate:.0f}/s = "
                f"{acked_rate / max(made_rate, 1e-9):.3f} of made (aim >= {AIM_DELIVERED}); "
                f"pending at end {after.pending}"
            )
            check("fleet: events made / asked", made_rate / rate, ">=", AIM_MADE, digits=3)
            delivered = acked_rate / max(made_rate, 1e-9)
            check("fleet: events acked / made", delivered, ">=", AIM_DELIVERED, digits=3)
            print(
                f"CPU (% of one core): fleet {cpu_fleet:.0f} %, mosquitto {cpu_broker:.0f} %, "
                f"central sim {cpu_central:.0f} % (of the machine's {os.cpu_count()} cores)"
            )

            fleet.reset_reconnect_delays()
            restart_at = time.monotonic()
            broker.stop()
            broker.start()
            back_s = wait_for(lambda: len(fleet.summary().reconnect_delays) >= n, 180)
            print(
                f"broker restarted (SIGTERM, no persistence): all {n} back "
                f"{time.monotonic() - restart_at:.1f} s after the restart ({back_s:.1f} s "
                "after it listened again); delay from connection lost to connected:"
            )
            after_restart = fleet.summary().reconnect_delays
            for line in histogram(after_restart):
                print(line)

            fleet.stop_events()
            drained = fleet.wait_drained(120)
            final = fleet.summary()
            print(f"drained: {drained}; made {final.made}, acked {final.acked}")
            tallies = [(k.kiosk_id, k.first_seq, k.stats.made) for k in fleet.kiosks]
        finally:
            fleet.close()
            central.send_signal(signal.SIGTERM)
            central.wait(30)
            broker.stop()
        lost = 0
        duplicates_rows = 0
        conn = sqlite3.connect(str(central_db))
        try:
            for kiosk_id, first_seq, made in tallies:
                last = first_seq - 1 + made  # made in this run
                rows = conn.execute(
                    "SELECT seq FROM event WHERE kiosk = ? ORDER BY seq", (kiosk_id,)
                ).fetchall()
                got = {r[0] for r in rows}
                duplicates_rows += len(rows) - len(got)
                lost += sum(1 for seq in range(1, last + 1) if seq not in got)
        finally:
            conn.close()
        print(
            f"lost: {lost} (aim {AIM_LOST}; events made and not in the central store of "
            f"{len(tallies)} kiosks); duplicate rows: {duplicates_rows}"
        )
        check(f"fleet: events lost of {len(tallies)} kiosks", lost, "=", AIM_LOST, digits=0)


if __name__ == "__main__":
    main()
