"""The contract's JSON Schema validator: ours (until issue 14) against the kept libraries.

Three validators with one API (``SchemaSet``: load ``docs/schemas``, ``validate(name,
instance) -> [errors]``), measured in one run on this machine (2 shared cores: the ratios
are the figures, not the microseconds):

* **per event**: what ``Contract.check`` does for one event, the envelope and then its
  ``data`` against ``events/{type}.json``, averaged over every event example of the
  schemas (valid) and over the same events with a required member removed (invalid: the
  error path builds every message);
* **import** of the validator's module, and **load** of the 40-odd schema files, each the
  best of several fresh interpreters;
* **memory**: the resident set a fresh interpreter gains by importing the validator and
  loading the schemas.

Every figure is also printed as a ratio to ours. The candidates are
``kiosk.link.json_schema`` (``fastjsonschema``: code generation, what the contract uses),
``jsonschema`` (draft 2020-12, not a dependency: ``.venv/bin/pip install jsonschema`` to
see its row; skipped when missing) and ours (``bench/own_json_schema.py``, the baseline).

``.venv/bin/python -m bench.json_schema [ROUNDS]`` (default 200 passes over the events).
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

# NOTE: nothing here imports a validator at module level: the memory and import figures are
# taken in fresh interpreters that import this module to build the set.
ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "docs" / "schemas"


class Validator(Protocol):
    def validate(self, name: str, instance: Any) -> list[str]: ...


class JsonSchemaSet:
    """``jsonschema`` (draft 2020-12, ``referencing`` registry) with the SchemaSet API."""

    def __init__(self, folder: Path):
        from jsonschema import Draft202012Validator, FormatChecker
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        from bench.own_json_schema import _is_rfc3339 as is_rfc3339

        docs = rebased_documents(folder)
        registry: Registry[Any] = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
            for doc in docs.values()
        )
        formats = FormatChecker(formats=())
        formats.checks("date-time")(is_rfc3339)
        formats.checks("uuid")(lambda value: is_lower_case_uuid(value))
        self._validators = {
            name: Draft202012Validator(doc, registry=registry, format_checker=formats)
            for name, doc in docs.items()
        }

    def validate(self, name: str, instance: Any) -> list[str]:
        return [f"{e.json_path}: {e.message}" for e in self._validators[name].iter_errors(instance)]


def rebased_documents(folder: Path) -> dict[str, dict[str, Any]]:
    """What ``kiosk.link.json_schema.load_documents`` gives, without importing it (and its
    library) into the jsonschema row's figures."""
    base = "https://contract.kiosk.invalid/schemas/"
    return {
        path.relative_to(folder).as_posix(): {
            **json.loads(path.read_text(encoding="utf-8")),
            "$id": base + path.relative_to(folder).as_posix(),
        }
        for path in sorted(folder.rglob("*.json"))
    }


def is_lower_case_uuid(value: object) -> bool:
    from bench.own_json_schema import _UUID

    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


# name -> (the module whose import is timed, how to build the set from the folder)
CANDIDATES: dict[str, tuple[str, str]] = {
    "ours": ("bench.own_json_schema", "bench.own_json_schema:SchemaSet"),
    "fastjsonschema": ("kiosk.link.json_schema", "kiosk.link.json_schema:SchemaSet"),
    "jsonschema": ("jsonschema", "bench.json_schema:JsonSchemaSet"),
}
REQUIRES = {"jsonschema": "jsonschema"}


def build(spec: str) -> Validator:
    """The validator ``module:factory`` built on ``docs/schemas``."""
    module, _, name = spec.partition(":")
    factory: Callable[[Path], Validator] = getattr(importlib.import_module(module), name)
    return factory(SCHEMAS)


def event_examples() -> list[tuple[str, dict[str, Any]]]:
    """``(data schema, envelope)`` for the envelope's own example, every example of an
    event's data schema and every example of an event's message in docs/asyncapi.yaml."""
    import yaml

    envelope = json.loads((SCHEMAS / "envelope.json").read_text())["examples"][0]
    events = [(f"events/{envelope['type']}.json", envelope)]
    for path in sorted((SCHEMAS / "events").glob("*.json")):
        for example in json.loads(path.read_text()).get("examples", []):
            events.append((f"events/{path.name}", {**envelope, "type": path.stem, "data": example}))
    asyncapi = yaml.safe_load((SCHEMAS.parent / "asyncapi.yaml").read_text(encoding="utf-8"))
    for message in asyncapi["components"]["messages"].values():
        for example in message.get("examples", []):
            payload = example["payload"]
            if "allOf" in message["payload"]:  # an event's message: envelope + its data
                events.append((f"events/{payload['type']}.json", payload))
    return events


def broken(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The same events, each without its ``seq`` and its data's first member."""
    out = []
    for schema, envelope in events:
        bad = copy.deepcopy(envelope)
        del bad["seq"]
        if bad["data"]:
            del bad["data"][next(iter(bad["data"]))]
        out.append((schema, bad))
    return out


def per_event_us(
    validator: Validator, events: list[tuple[str, dict[str, Any]]], rounds: int
) -> float:
    """Microseconds per event (envelope + data), the best of 5 timings of ``rounds`` passes."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for schema, envelope in events:
                validator.validate("envelope.json", envelope)
                validator.validate(schema, envelope["data"])
        best = min(best, time.perf_counter() - start)
    return best / (rounds * len(events)) * 1e6


_PROBE = """
import json, sys, time
def rss_kb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
import importlib
# What every row shares is imported first: the kiosk's errors and link package (paho) and
# this module (which imports no validator).
import kiosk.errors, kiosk.link, bench.json_schema as b
before = rss_kb()
t0 = time.perf_counter()
importlib.import_module(sys.argv[1])
t1 = time.perf_counter()
b.build(sys.argv[2])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "rss_kb": rss_kb() - before}))
"""


def cold_figures(module: str, spec: str, runs: int = 5) -> dict[str, float]:
    """Import and load times (best of ``runs`` fresh interpreters) and memory gained (median).

    NOTE: the probe imports what every row shares before it starts, so the import figure
    is the validator's own module and the libraries it pulls in, nothing else.
    """
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, module, spec],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        samples.append(json.loads(out.stdout))
    rss = sorted(s["rss_kb"] for s in samples)[len(samples) // 2]
    return {
        "import_ms": min(s["import_s"] for s in samples) * 1e3,
        "load_ms": min(s["load_s"] for s in samples) * 1e3,
        "rss_mb": rss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the table; always 0 (a figure to read, not an aim)."""
    args = sys.argv[1:] if argv is None else argv
    rounds = int(args[0]) if args else 200
    valid = event_examples()
    invalid = broken(valid)
    rows: dict[str, dict[str, float]] = {}
    for name, (module, spec) in CANDIDATES.items():
        library = REQUIRES.get(name)
        if library is not None and importlib.util.find_spec(library) is None:
            print(f"{name}: not installed, skipped")
            continue
        validator = build(spec)
        row = cold_figures(module, spec)
        row["valid_us"] = per_event_us(validator, valid, rounds)
        row["invalid_us"] = per_event_us(validator, invalid, max(rounds // 10, 1))
        rows[name] = row
    print(f"{len(valid)} events (envelope + data), {rounds} passes; ratio = x / ours")
    columns = [
        ("valid_us", "valid µs/event"),
        ("invalid_us", "invalid µs/event"),
        ("import_ms", "import ms"),
        ("load_ms", "load ms"),
        ("rss_mb", "memory MB"),
    ]
    print(f"{'validator':<16}" + "".join(f"{title:>24}" for _, title in columns))
    base = rows["ours"]
    for name, row in rows.items():
        cells = "".join(
            f"{row[key]:>14.2f} ({row[key] / base[key]:>5.2f}x)"
            if base[key]
            else f"{row[key]:>24.2f}"
            for key, _ in columns
        )
        print(f"{name:<16}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
