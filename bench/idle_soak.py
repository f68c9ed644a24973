"""Idle soak: the kiosk left alone for an hour on every simulator; nothing may creep up.

``python -m bench.idle_soak`` (an hour) or ``python -m bench.idle_soak --minutes 5``.

The kiosk runs as ``kiosk --config FILE run`` (its own process, as systemd starts it) on the
example config pointed at the printer, scanner and lock-board simulators, a private Mosquitto
and the central-server simulator (:mod:`simulators.rig`). Idle is not doing nothing: the
printer's status is polled every 30 s, the locker's doors read every second, the MQTT link
keeps its session alive and the status bar's clock ticks.

Once a minute the kiosk process's resident memory (``VmRSS``), open file descriptors
(``/proc/PID/fd``) and threads (``Threads``) are sampled. Each must be flat: the report gives
first, last and largest value and the least-squares slope per hour, and the verdict is
"flat" when

- file descriptors and threads end where they started and never rose more than
  :data:`FD_THREAD_SLACK` above it (a reconnect may hold one more for a moment), and
- resident memory grew by at most :data:`RSS_SLOPE_LIMIT_MB_H` MB per hour (allocator
  warm-up in the first minutes is part of the run, not excused).

Exit status 0 when flat, 1 when not, 2 when the kiosk died.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from simulators.rig import ROOT, SimulatorRig

PY = sys.executable
SAMPLE_EVERY_S = 60.0
SETTLE_S = 10.0  # after the first frame: the link connects, the first polls run
FD_THREAD_SLACK = 2
RSS_SLOPE_LIMIT_MB_H = 2.0


@dataclass(frozen=True)
class Sample:
    """One reading of the kiosk process.

    Attributes:
        minute: minutes since the first sample.
        rss_mb: resident memory (``VmRSS``) in MB.
        fds: open file descriptors.
        threads: threads of the process.
    """

    minute: float
    rss_mb: float
    fds: int
    threads: int


@dataclass(frozen=True)
class Series:
    """What one measure did over the soak."""

    name: str
    unit: str
    first: float
    last: float
    largest: float
    slope_per_h: float


def read_sample(pid: int, minute: float) -> Sample:
    """RSS, file descriptors and threads of ``pid`` now.

    Raises:
        ProcessLookupError: the process is gone.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss_kb = int(fields["VmRSS"].split()[0])
    return Sample(minute, rss_kb / 1024, fds, int(fields["Threads"]))


def slope_per_hour(xs_min: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``ys`` against minutes, per hour (0 for fewer than 2 points)."""
    n = len(xs_min)
    if n < 2:
        return 0.0
    mean_x, mean_y = sum(xs_min) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs_min)
    if sxx == 0:
        return 0.0
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs_min, ys, strict=True))
    return sxy / sxx * 60.0


def summarise(samples: list[Sample]) -> list[Series]:
    """First, last, largest and slope of each measure."""
    minutes = [s.minute for s in samples]
    out = []
    for name, unit, values in (
        ("RSS", "MB", [s.rss_mb for s in samples]),
        ("file descriptors", "", [float(s.fds) for s in samples]),
        ("threads", "", [float(s.threads) for s in samples]),
    ):
        out.append(
            Series(name, unit, values[0], values[-1], max(values), slope_per_hour(minutes, values))
        )
    return out


def verdict(series: list[Series]) -> list[str]:
    """Why the soak is not flat (empty when it is)."""
    problems = []
    for item in series:
        if item.name == "RSS":
            if item.slope_per_h > RSS_SLOPE_LIMIT_MB_H:
                problems.append(
                    f"RSS grows {item.slope_per_h:.2f} MB/h (limit {RSS_SLOPE_LIMIT_MB_H:g})"
                )
            continue
        if item.last != item.first:
            problems.append(
                f"{item.name}: {item.first:.0f} at the start, {item.last:.0f} at the end"
            )
        if item.largest > item.first + FD_THREAD_SLACK:
            problems.append(f"{item.name}: rose to {item.largest:.0f} from {item.first:.0f}")
    return problems


def start_kiosk(config: Path, log_path: Path) -> subprocess.Popen[str]:
    """``kiosk --config FILE run`` offscreen; returns once its first frame is up."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    cmd = [PY, "-m", "kiosk", "--config", str(config), "run", "--windowed", "--announce-ready"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "first-frame":
        proc.kill()
        proc.wait()
        raise RuntimeError(f"the kiosk did not start; see {log_path}")
    return proc


def soak(minutes: float, work: Path, *, quiet: bool = False) -> tuple[list[Sample], int]:
    """Run the kiosk idle for ``minutes``; the samples and how many warnings it logged.

    Raises:
        ProcessLookupError: the kiosk died during the soak.
    """
    with SimulatorRig(work, broker=True) as rig:
        config = rig.write_config(work / "kiosk.toml")
        log_path = work / "kiosk.log"
        proc = start_kiosk(config, log_path)
        samples: list[Sample] = []
        try:
            time.sleep(SETTLE_S)
            begin = time.monotonic()
            count = int(minutes * 60 // SAMPLE_EVERY_S) + 1
            for index in range(count):
                # NOTE: sampled on a fixed schedule from the start, not after each sample:
                # a slow sample does not stretch the soak.
                delay = begin + index * SAMPLE_EVERY_S - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if proc.poll() is not None:
                    raise ProcessLookupError(f"the kiosk exited with {proc.returncode}")
                sample = read_sample(proc.pid, (time.monotonic() - begin) / 60)
                samples.append(sample)
                if not quiet:
                    print(
                        f"  {sample.minute:6.1f} min  RSS {sample.rss_mb:7.1f} MB  "
                        f"fds {sample.fds:4d}  threads {sample.threads:3d}",
                        flush=True,
                    )
        finally:
            # NOTE: warnings are counted while idle; what stopping logs is not idling.
            idle_log_bytes = log_path.stat().st_size
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with log_path.open("rb") as log:
            idle_log = log.read(idle_log_bytes).decode(errors="replace")
        warnings = sum(
            1 for line in idle_log.splitlines() if " WARNING " in line or " ERROR " in line
        )
        return samples, warnings


def report(minutes: float, samples: list[Sample], warnings: int) -> list[str]:
    """The figures as lines of text (the README's table is made from them)."""
    series = summarise(samples)
    lines = [f"idle soak: {samples[-1].minute:.0f} min, {len(samples)} samples (one a minute)"]
    lines.append(f"  {'measure':18} {'first':>8} {'last':>8} {'max':>8} {'slope/h':>9}")
    for item in series:
        unit = f" {item.unit}" if item.unit else ""
        lines.append(
            f"  {item.name + unit:18} {item.first:8.1f} {item.last:8.1f} {item.largest:8.1f} "
            f"{item.slope_per_h:+9.2f}"
        )
    lines.append(f"  warnings and errors the kiosk logged (start-up and idle): {warnings}")
    problems = verdict(series)
    lines.append(
        "  verdict: flat" if not problems else "  verdict: NOT flat: " + "; ".join(problems)
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the samples and the summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.idle_soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0, help="how long (default 60)")
    parser.add_argument("--json", type=Path, help="also write the samples and summary here")
    parser.add_argument("--keep", type=Path, help="work folder to keep (the kiosk's log)")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"idle soak for {args.minutes:g} min; kiosk log in {work / 'kiosk.log'}")
        try:
            samples, warnings = soak(args.minutes, work)
        except ProcessLookupError as exc:
            print(f"idle soak: the kiosk died: {exc}")
            return 2
    lines = report(args.minutes, samples, warnings)
    print("\n".join(lines))
    problems = verdict(summarise(samples))
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "minutes": args.minutes,
                    "samples": [asdict(s) for s in samples],
                    "series": [asdict(s) for s in summarise(samples)],
                    "warnings": warnings,
                    "flat": not problems,
                },
                indent=2,
            )
            + "\n"
        )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
