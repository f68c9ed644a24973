"""A fleet of N kiosks (real link code each) on one Mosquitto with the central simulator.

``.venv/bin/python -m bench.fleet [N] [RATE] [SECONDS]`` (defaults 1000, 200, 30).

Phases, all in one run: connect all N (spread over 5 s, as kiosks boot at different
times); make events at RATE/s for SECONDS with heartbeats (health every 60 s); restart the
broker (SIGTERM, no persistence) and measure how the reconnects spread; drain; stop the
central simulator and compare its SQLite store with every kiosk's ``seq`` range.

Reports events/s acked, CPU of the fleet process, of Mosquitto and of the central
simulator (each in % of one core), the reconnect delay histogram, and lost events.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kiosk.link.mqtt_link import LinkTuning
from simulators.fleet.fleet import FleetSettings
from simulators.fleet.group import FleetGroup
from simulators.mosquitto import MosquittoProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_for(predicate: object, timeout: float) -> float:
    """Seconds until ``predicate()`` held (polled every 0.1 s); raises on timeout."""
    start = time.monotonic()
    idle = threading.Event()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"not reached within {timeout} s")
        idle.wait(0.1)
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


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.CRITICAL)
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 1000
    rate = float(args[1]) if len(args) > 1 else 200.0
    seconds = float(args[2]) if len(args) > 2 else 30.0
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        broker = MosquittoProcess(work / "broker")
        broker.start()
        central_db = work / "central.sqlite3"
        central = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulators.central",
                "--broker",
                broker.url,
                "--db",
                str(central_db),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        fleet = FleetGroup(
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
            t0 = time.monotonic()
            fleet.open()
            opened = time.monotonic() - t0
            fleet.start()
            online_s = wait_for(lambda: fleet.summary().online == n, 120)
            print(f"kiosks: {n}; stores opened in {opened:.1f} s; all online {online_s:.1f} s")
            pids = [p.pid for p in fleet.processes if p.pid is not None]
            threads = sum(len(list(Path(f"/proc/{pid}/task").iterdir())) for pid in pids)
            print(f"fleet worker processes: {len(pids)}, threads in them: {threads}")

            before = fleet.summary()
            cpu_fleet0 = sum(cpu_seconds(pid) for pid in pids)
            cpu_broker0 = cpu_seconds(broker._proc.pid)  # type: ignore[union-attr]
            cpu_central0 = cpu_seconds(central.pid)
            t1 = time.monotonic()
            threading.Event().wait(seconds)
            elapsed = time.monotonic() - t1
            after = fleet.summary()
            cpu_fleet = (sum(cpu_seconds(pid) for pid in pids) - cpu_fleet0) / elapsed * 100
            cpu_broker = (cpu_seconds(broker._proc.pid) - cpu_broker0) / elapsed * 100  # type: ignore[union-attr]
            cpu_central = (cpu_seconds(central.pid) - cpu_central0) / elapsed * 100
            made_rate = (after.made - before.made) / elapsed
            acked_rate = (after.acked - before.acked) / elapsed
            print(
                f"steady {elapsed:.0f} s at {rate:.0f} events/s asked: made {made_rate:.0f}/s, "
                f"acked {acked_rate:.0f}/s, pending at end {after.pending}"
            )
            print(
                f"CPU (% of one core): fleet {cpu_fleet:.0f} %, mosquitto {cpu_broker:.0f} %, "
                f"central sim {cpu_central:.0f} %"
            )

            fleet.reset_reconnect_delays()
            restart_at = time.monotonic()
            broker.stop()
            broker.start()
            back_s = wait_for(lambda: len(fleet.summary().reconnect_delays) >= n, 180)
            delays = fleet.summary().reconnect_delays
            print(
                f"broker restarted (SIGTERM, no persistence): all {n} back "
                f"{time.monotonic() - restart_at:.1f} s after the restart ({back_s:.1f} s "
                "after it listened again); delay from connection lost to connected:"
            )
            for line in histogram(delays):
                print(line)

            fleet.stop_events()
            drained = fleet.wait_drained(120)
            final = fleet.summary()
            print(f"drained: {drained}; made {final.made}, acked {final.acked}")
        finally:
            tallies = fleet.close()
            central.send_signal(signal.SIGTERM)
            central.wait(30)
            broker.stop()
        lost = 0
        duplicates_rows = 0
        print(f"kiosks checked against the central store: {len(tallies)}")
        conn = sqlite3.connect(str(central_db))
        try:
            for tally in tallies:
                last = tally.first_seq - 1 + tally.made  # made in this run
                rows = conn.execute(
                    "SELECT seq FROM event WHERE kiosk = ? ORDER BY seq", (tally.kiosk_id,)
                ).fetchall()
                got = {r[0] for r in rows}
                duplicates_rows += len(rows) - len(got)
                lost += sum(1 for seq in range(1, last + 1) if seq not in got)
        finally:
            conn.close()
        print(
            f"lost: {lost} (events made and not in the central store); duplicate rows: "
            f"{duplicates_rows}"
        )


if __name__ == "__main__":
    main()
