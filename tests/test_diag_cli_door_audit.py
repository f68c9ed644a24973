"""``kiosk diag test locker --name door-N`` on a kiosk: the door's compartment is checked
against the state database and every door fired is an ``audit.locker_open`` event in the
outbox (:mod:`kiosk.diag.audit`). A real lock-board simulator on TCP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kiosk.diag_cli as diag_cli
from kiosk.cli import EXIT_FAILED, EXIT_OK, main
from kiosk.core.diagnostics.self_tests import PROMPT_CLOSE_DOOR, Prompt
from kiosk.diag.context import DB_NAME
from kiosk.store.database import Database
from kiosk.store.handover import HandoverRepository
from simulators.locker.server import LockerSimulator

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config" / "kiosk.example.toml"
AT = "2026-12-05T09:00:00Z"


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def kiosk_config(tmp_path: Path) -> Path:
    """A kiosk's config whose state database has door 5's compartment holding case P-1."""
    state = tmp_path / "state"
    state.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
            'state_dir = "/var/lib/kiosk"', f'state_dir = "{state}"'
        ),
        encoding="utf-8",
    )
    db = Database(state / DB_NAME)
    try:
        with db.transaction() as tx:
            for door in (3, 5):
                HandoverRepository.ensure_compartment(tx, door, "M", "case", AT)
            HandoverRepository.set_compartment(tx, 5, "loaded", "P-1", AT)
    finally:
        db.close()
    return config


def audits(config: Path) -> list[tuple[str, int, str]]:
    """(stage, door, via) of every ``audit.locker_open`` event in the outbox, in order."""
    db = Database(config.parent / "state" / DB_NAME)
    try:
        with db.reading() as conn:
            rows = conn.execute(
                "SELECT envelope FROM outbox WHERE type = 'audit.locker_open' ORDER BY seq"
            ).fetchall()
    finally:
        db.close()
    data = [json.loads(row[0])["data"] for row in rows]
    return [(d["stage"], d["door"], d["via"]) for d in data]


def test_a_shell_door_test_refuses_a_door_holding_a_case_and_audits_a_free_one_in_the_outbox(
    kiosk_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with LockerSimulator(port=0, boards=3, auto_pull_s=0.05) as locker:

        def staff(prompt: Prompt | None, **_kw: bool) -> None:
            if prompt is not None and prompt.kind == PROMPT_CLOSE_DOOR:
                locker.push(3)

        monkeypatch.setattr(diag_cli, "_print_prompt", staff)
        line = ["--json", "--timeout", "10", "--config", str(kiosk_config), "--locker", locker.url]
        refused = run(["diag", "test", "locker", "--name", "door-5", *line])
        refusal = capsys.readouterr().err
        tested = run(["diag", "test", "locker", "--name", "door-3", *line])
        result = json.loads(capsys.readouterr().out)
        assert (locker.pulses(5), locker.pulses(3)) == (0, 1)
    assert (refused, tested) == (EXIT_FAILED, EXIT_OK)
    assert refusal == "kiosk: door 5 is not tested: door 5 holds case P-1 (door_has_case)\n"
    assert result["detail"] == "door 3 opened and closed again"
    assert audits(kiosk_config) == [("requested", 3, "console"), ("unlock_sent", 3, "console")]
