"""The ``kiosk`` command as a newcomer meets it: help, option order, exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from simulators.locker.server import LockerSimulator

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "config" / "kiosk.example.toml"


def run(argv: list[str]) -> int:
    """``main(argv)``, with argparse's SystemExit (help, usage errors) as a status."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize(
    ("argv", "usage", "option"),
    [
        (["photo"], "usage: kiosk photo ", "{check,crop,sheet}"),
        (["photo", "crop"], "usage: kiosk photo crop ", ".jpg, .jpeg, .png"),
        (["token"], "usage: kiosk token ", "certificates, insurance, childcare"),
        (["pin-verifier"], "usage: kiosk pin-verifier ", "--stdin"),
        (["sim", "printer"], "usage: kiosk sim printer ", "--control-port"),
        (["sim", "scanner"], "usage: kiosk sim scanner ", "--pty-link"),
        (["sim", "locker"], "usage: kiosk sim locker ", "--auto-pull"),
        (["sim", "camera"], "usage: kiosk sim camera ", "--video"),
        (["sim", "central"], "usage: kiosk sim central ", "--ack-interval"),
        (["sim", "fleet"], "usage: kiosk sim fleet ", "--per-process"),
        (["run"], "usage: kiosk run ", "--config"),
        (["diag", "locker", "status"], "usage: kiosk diag locker status ", "exit status: 0"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_help_of_every_command_shows_its_own_options(
    argv: list[str], usage: str, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*argv, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(usage)
    assert option in out
    assert "  args" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--config", "{missing}"],
        ["--config", "{missing}", "run"],
        ["diag", "print-test", "--config", "{missing}"],
        ["diag", "locker", "status", "--config", "{missing}"],
    ],
    ids=" ".join,
)
def test_config_is_taken_before_or_after_the_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.toml"
    status = run([part.replace("{missing}", str(missing)) for part in argv])
    assert status == EXIT_USAGE
    assert capsys.readouterr().err == f"kiosk: {missing}: file = '{missing}': does not exist\n"


def test_an_unknown_option_of_run_is_still_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["run", "--windowd"]) == EXIT_USAGE
    assert "unrecognized arguments: --windowd" in capsys.readouterr().err


def test_the_locker_simulator_starts_the_example_configs_three_boards(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simulators.locker.__main__ import _parser

    assert _parser().parse_args([]).boards == 3
    assert "boards = 3\n" in EXAMPLE_CONFIG.read_text(encoding="utf-8")


def test_locker_status_exits_0_when_every_board_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LockerSimulator(port=0, boards=3) as sim:
        status = run(
            ["diag", "locker", "status", "--config", str(EXAMPLE_CONFIG), "--locker", sim.url]
        )
    out = capsys.readouterr().out
    assert status == EXIT_OK
    assert out.count(" locked ") == 48
    assert out.splitlines()[-1] == "health: ok"


def test_locker_status_exits_1_when_boards_of_the_config_do_not_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LockerSimulator(port=0, boards=1) as sim:
        status = run(
            ["diag", "locker", "status", "--config", str(EXAMPLE_CONFIG), "--locker", sim.url]
        )
    out = capsys.readouterr().out
    assert status == EXIT_FAILED
    assert out.count(" unknown ") == 32
    assert out.splitlines()[-1].startswith("health: fault (board_silent)")


def test_a_token_for_a_service_the_demo_does_not_offer_is_refused_with_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["token", "--service", "nosuch"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "kiosk token: unknown service 'nosuch'; the demo kiosk's services are "
        "certificates, insurance, childcare\n"
    )


def test_a_token_for_a_known_service_is_printed_on_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert run(["token", "--service", "childcare"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1
    assert captured.out.count(".") == 2  # a compact JWS
    assert ", service childcare, " in captured.err


def test_a_token_is_booked_in_the_demos_book_for_the_central_simulator(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulators.booking_system.book import BookingBook

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert run(["token", "--service", "childcare"]) == EXIT_OK
    assert run(["token", "--type", "meeting", "--wait", "ja=2階 相談室前"]) == EXIT_OK
    assert run(["token", "--type", "meeting", "--wait", "nowhere"]) == EXIT_USAGE

    entries = BookingBook(tmp_path / "kiosk-demo" / "bookings.jsonl").entries()
    assert [(e.kind, e.service, e.host) for e in entries] == [
        ("booking", "childcare", ""),
        ("meeting", "", "s-042"),
    ]
    assert "--wait 'nowhere' is not LANG=PLACE" in capsys.readouterr().err
