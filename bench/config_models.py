"""The config's typed model: start-up, memory and messages of the candidate libraries.

Two tables, each row the median of fresh Python processes; time is the process's CPU time
from its first statement (``time.process_time``: on this shared two-core machine wall-clock
time doubles when the neighbours run), memory its max RSS:

1. **the whole config**: ``import kiosk.config`` and ``load_config`` of
   ``config/kiosk.example.toml``, the hand-written validator of commit ``d20d693`` (read from
   git into a temporary folder; skipped on a clone without that history) against the package
   on msgspec; time and resident memory (max RSS), as ratios to the hand-written one.
2. **the libraries alone**: pydantic, msgspec and attrs+cattrs, each importing itself,
   defining the same three sections (``[locker]``, ``[scanner]``, ``[ui]``) and converting one
   document; time and memory above a bare interpreter, and the message each gives for the
   same five bad values (a text where a number goes, a number out of range, a misspelt key, a
   value not among the choices, ``true`` where a number goes). A library that is not
   installed here is listed as such (only msgspec is a dependency; the others were measured
   in a scratch venv for the README).

    .venv/bin/python -m bench.config_models            # 7 processes per row
    .venv/bin/python -m bench.config_models --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "kiosk.example.toml"
HANDWRITTEN_COMMIT = "d20d693"  # the last commit with the hand-written kiosk/config.py

_MEASURE = """
import json, sys, time
t0 = time.process_time()
{body}
t1 = time.process_time()
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
rss = int(hwm.split()[1]) / 1024
print(json.dumps({{"ms": (t1 - t0) * 1000, "rss": rss, "errors": errors}}))
"""

_WHOLE_NEW = """
from pathlib import Path
import kiosk.config
kiosk.config.load_config(Path({example!r}))
errors = []
"""

_WHOLE_OLD = """
from pathlib import Path
sys.path.insert(0, {folder!r})
import handwritten_config
handwritten_config.load_config(Path({example!r}))
errors = []
"""

_BAD = [
    {"locker": {"boards": "fast"}},
    {"locker": {"boards": 11}},
    {"scanner": {"suffx": "lf"}},
    {"scanner": {"suffix": "tab"}},
    {"ui": {"inactivity_s": True}},
]
_GOOD = {"locker": {"boards": 2, "pulse_ms": 400}, "scanner": {"suffix": "lf"}, "ui": {}}

_LIBRARIES: dict[str, str] = {
    "msgspec": """
from typing import Annotated, Literal
import msgspec
from msgspec import Meta, Struct
class Locker(Struct, forbid_unknown_fields=True):
    url: str = ""
    boards: Annotated[int, Meta(ge=1, le=10)] = 1
    locks_per_board: Annotated[int, Meta(ge=1, le=16)] = 16
    pulse_ms: Annotated[int, Meta(ge=100, le=5000)] = 500
    reply_timeout_s: Annotated[float, Meta(ge=0.02, le=5)] = 0.25
class Scanner(Struct, forbid_unknown_fields=True):
    url: str = ""
    suffix: Literal["cr", "crlf", "lf", "none"] = "cr"
    repeat_window_s: Annotated[float, Meta(ge=0, le=30)] = 1.5
class Ui(Struct, forbid_unknown_fields=True):
    inactivity_s: Annotated[float, Meta(ge=5, le=600)] = 30
    take_ticket_s: Annotated[float, Meta(ge=2, le=120)] = 8
    fullscreen: bool = True
class Doc(Struct, forbid_unknown_fields=True):
    locker: Locker = msgspec.field(default_factory=Locker)
    scanner: Scanner = msgspec.field(default_factory=Scanner)
    ui: Ui = msgspec.field(default_factory=Ui)
def parse(d): return msgspec.convert(d, Doc)
Invalid = msgspec.ValidationError
""",
    "pydantic": """
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field, ValidationError as Invalid
C = ConfigDict(extra="forbid", strict=True)
class Locker(BaseModel):
    model_config = C
    url: str = ""
    boards: int = Field(1, ge=1, le=10)
    locks_per_board: int = Field(16, ge=1, le=16)
    pulse_ms: int = Field(500, ge=100, le=5000)
    reply_timeout_s: float = Field(0.25, ge=0.02, le=5)
class Scanner(BaseModel):
    model_config = C
    url: str = ""
    suffix: Literal["cr", "crlf", "lf", "none"] = "cr"
    repeat_window_s: float = Field(1.5, ge=0, le=30)
class Ui(BaseModel):
    model_config = C
    inactivity_s: float = Field(30, ge=5, le=600)
    take_ticket_s: float = Field(8, ge=2, le=120)
    fullscreen: bool = True
class Doc(BaseModel):
    model_config = C
    locker: Locker = Field(default_factory=Locker)
    scanner: Scanner = Field(default_factory=Scanner)
    ui: Ui = Field(default_factory=Ui)
def parse(d): return Doc.model_validate(d)
""",
    "attrs+cattrs": """
from typing import Literal
import attrs
from attrs import validators as v
import cattrs
def rng(lo, hi): return [v.instance_of((int, float)), v.ge(lo), v.le(hi)]
@attrs.frozen
class Locker:
    url: str = ""
    boards: int = attrs.field(default=1, validator=rng(1, 10))
    locks_per_board: int = attrs.field(default=16, validator=rng(1, 16))
    pulse_ms: int = attrs.field(default=500, validator=rng(100, 5000))
    reply_timeout_s: float = attrs.field(default=0.25, validator=rng(0.02, 5))
@attrs.frozen
class Scanner:
    url: str = ""
    suffix: Literal["cr", "crlf", "lf", "none"] = "cr"
    repeat_window_s: float = attrs.field(default=1.5, validator=rng(0, 30))
@attrs.frozen
class Ui:
    inactivity_s: float = attrs.field(default=30, validator=rng(5, 600))
    take_ticket_s: float = attrs.field(default=8, validator=rng(2, 120))
    fullscreen: bool = True
@attrs.frozen
class Doc:
    locker: Locker = attrs.field(factory=Locker)
    scanner: Scanner = attrs.field(factory=Scanner)
    ui: Ui = attrs.field(factory=Ui)
conv = cattrs.Converter(forbid_extra_keys=True)
def parse(d): return conv.structure(d, Doc)
Invalid = cattrs.BaseValidationError
def message(e): return "; ".join(cattrs.transform_error(e))
""",
}

_LIBRARY_BODY = """
{model}
parse({good!r})
errors = []
for bad in {bad!r}:
    try:
        parse(bad)
        errors.append("accepted")
    except Invalid as e:
        text = message(e) if "message" in globals() else str(e)
        errors.append(" ".join(text.split())[:160])
"""


def _run(body: str, runs: int) -> tuple[float, float, list[str]] | None:
    """Median ms and RSS of ``runs`` fresh processes running ``body``; None if it fails."""
    script = _MEASURE.format(body=body)
    samples = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
        )
        if done.returncode != 0:
            return None
        samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return (
        statistics.median(s["ms"] for s in samples),
        statistics.median(s["rss"] for s in samples),
        samples[0]["errors"],
    )


def _handwritten(folder: Path) -> bool:
    """Write the hand-written config module of ``HANDWRITTEN_COMMIT`` into ``folder``."""
    done = subprocess.run(
        ["git", "show", f"{HANDWRITTEN_COMMIT}:kiosk/config.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        return False
    (folder / "handwritten_config.py").write_text(done.stdout, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> None:
    """Print both tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.config_models")
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per row")
    args = parser.parse_args(argv)
    bare = _run("errors = []", args.runs)
    assert bare is not None
    print(
        f"each row: the median of {args.runs} fresh processes, CPU ms; "
        f"bare interpreter {bare[1]:.1f} MB"
    )
    print("\n| the whole config (import + load the example) | ms | ratio | max RSS MB | ratio |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        have_old = _handwritten(Path(tmp))
        old = (
            _run(_WHOLE_OLD.format(folder=tmp, example=str(EXAMPLE)), args.runs)
            if have_old
            else None
        )
        new = _run(_WHOLE_NEW.format(example=str(EXAMPLE)), args.runs)
    assert new is not None
    base = old or new
    for name, row in (
        (f"hand-written (commit {HANDWRITTEN_COMMIT})", old),
        ("kiosk.config on msgspec", new),
    ):
        if row is None:
            # NOTE: the old validator refuses tables added to the example after it was replaced
            why = "failed on today's example" if have_old else "not available (no git history)"
            print(f"| {name} | {why} | | | |")
            continue
        print(
            f"| {name} | {row[0]:.0f} | {row[0] / base[0]:.2f}x | {row[1]:.1f} | "
            f"{row[1] / base[1]:.2f}x |"
        )
    print("\n| library alone (import + 3 sections + parse) | ms | MB above bare | messages |")
    print("|---|---:|---:|---|")
    for name, model in _LIBRARIES.items():
        body = _LIBRARY_BODY.format(model=model, good=_GOOD, bad=_BAD)
        row = _run(body, args.runs)
        if row is None:
            print(f"| {name} | not installed here | | |")
            continue
        messages = " / ".join(repr(m.replace("`", "")) for m in row[2])
        print(f"| {name} | {row[0]:.0f} | {row[1] - bare[1]:.1f} | {messages} |")


if __name__ == "__main__":
    main()
