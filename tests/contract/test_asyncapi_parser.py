"""docs/asyncapi.yaml through the AsyncAPI initiative's own parser (@asyncapi/parser).

``scripts/bootstrap.sh`` installs the parser into ``tools/asyncapi/node_modules`` (pinned by
its ``package-lock.json``); ``tools/asyncapi/check.mjs`` parses, lints and prints the
diagnostics. Without node or the parser the test falls back to our own check of what the
parser would have found (every ``$ref`` resolves, every example is valid for its message),
except under CI (``CI=true``), where a missing parser is a failure: bootstrap installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from kiosk.link.contract import Contract

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "asyncapi"
DOC = ROOT / "docs" / "asyncapi.yaml"


def parser_installed() -> bool:
    return shutil.which("node") is not None and (TOOL / "node_modules/@asyncapi/parser").is_dir()


def parse_and_lint(path: Path) -> dict[str, list[dict[str, str]]]:
    """The parser's diagnostics by severity: errors, warnings, infos, hints."""
    done = subprocess.run(
        ["node", str(TOOL / "check.mjs"), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=TOOL,
    )
    diagnostics: dict[str, list[dict[str, str]]] = json.loads(done.stdout)
    return diagnostics


def fallback_problems(path: Path) -> list[str]:
    """What our own check finds: a ``$ref`` to nothing, an example its message refuses."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    schemas = Contract.load().schemas
    problems: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target, _, pointer = ref.partition("#")
                found: Any = doc if not target else json.loads((path.parent / target).read_text())
                for part in [p for p in pointer.split("/") if p]:
                    if not isinstance(found, dict) or part not in found:
                        problems.append(f"{where}: $ref {ref} points at nothing")
                        break
                    found = found[part]
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(doc, "#")
    for name, message in doc["components"]["messages"].items():
        payload = message["payload"]
        envelope = (payload["allOf"][0] if "allOf" in payload else payload)["$ref"]
        for example in message.get("examples", []):
            value = example["payload"]
            errors = schemas.validate(envelope.removeprefix("schemas/"), value)
            if "allOf" in payload:
                errors += schemas.validate(f"events/{message['name']}.json", value["data"])
            problems += [f"{name}: example: {error}" for error in errors]
    return problems


def test_the_asyncapi_parser_finds_no_error_and_no_warning() -> None:
    if not parser_installed():
        assert os.environ.get("CI") != "true", "CI must have the parser: see scripts/bootstrap.sh"
        assert fallback_problems(DOC) == []
        return
    diagnostics = parse_and_lint(DOC)
    assert diagnostics["errors"] == []
    assert diagnostics["warnings"] == []


def test_the_parser_reports_an_example_that_breaks_its_message(tmp_path: Path) -> None:
    broken = DOC.read_text(encoding="utf-8").replace(
        '"state": "unlock_sent", "door": 17, "fires": 1}',
        '"state": "unlock_sent", "door": "seventeen", "fires": 1}',
        1,
    )
    assert broken != DOC.read_text(encoding="utf-8")
    copy = tmp_path / "docs"
    shutil.copytree(DOC.parent / "schemas", copy / "schemas")
    (copy / "asyncapi.yaml").write_text(broken, encoding="utf-8")
    expected_path = "components/messages/handoverUnlockSent/examples/0/payload/data/door"
    assert [p.partition(":")[0] for p in fallback_problems(copy / "asyncapi.yaml")] == [
        "handoverUnlockSent"
    ]
    if parser_installed():
        errors = parse_and_lint(copy / "asyncapi.yaml")["errors"]
        assert [e["path"] for e in errors] == [expected_path]
