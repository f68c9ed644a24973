"""``make bench``'s runner: each figure against its aim, a summary, and a failing bench reported."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator

import pytest

import bench.__main__ as runner
from bench import aims


@pytest.fixture(autouse=True)
def fresh_results(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(aims, "RESULTS", [])
    yield


def fake_bench(monkeypatch: pytest.MonkeyPatch, name: str, main: Callable[[], None]) -> None:
    module = types.ModuleType(f"bench.{name}")
    module.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, f"bench.{name}", module)


def test_a_figure_within_its_aim_prints_one_line_ending_met(
    capsys: pytest.CaptureFixture[str],
) -> None:
    met = aims.check("cold start: kiosk run / empty window", 1.456, "<=", 1.5, unit="x")

    assert met is True
    assert (
        capsys.readouterr().out == "cold start: kiosk run / empty window 1.46x (aim <= 1.5x): met\n"
    )
    line = "cold start: kiosk run / empty window 1.46x (aim <= 1.5x): met"
    assert [(v.line, v.met) for v in aims.RESULTS] == [(line, True)]


def test_a_figure_beyond_its_aim_ends_missed_and_its_shown_text_replaces_the_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    met = aims.check("outbox appends", 4999.6, ">=", 5000, unit="/s", shown="4,999.6/s")

    assert met is False
    assert capsys.readouterr().out == "outbox appends 4,999.6/s (aim >= 5,000/s): MISSED\n"


def test_an_exact_aim_of_zero_is_met_only_by_zero() -> None:
    assert aims.check("wrong doors opened", 0, "=", 0, digits=0) is True
    assert aims.check("wrong doors opened", 1, "=", 0, digits=0) is False
    assert [v.line for v in aims.RESULTS] == [
        "wrong doors opened 0 (aim = 0): met",
        "wrong doors opened 1 (aim = 0): MISSED",
    ]


def test_the_run_goes_on_after_a_failing_bench_and_ends_with_every_verdict_and_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen_argv: list[list[str]] = []

    def broken() -> None:
        raise RuntimeError("no broker")

    def fine() -> None:
        seen_argv.append(list(sys.argv))
        aims.check("tap -> last ticket byte, p99", 1.8, "<", 30, unit=" ms")

    fake_bench(monkeypatch, "example_broken", broken)
    fake_bench(monkeypatch, "example_fine", fine)
    monkeypatch.setattr(
        runner, "BENCHMARKS", (("example_broken", ()), ("example_fine", ("--pickups", "3")))
    )

    status = runner.main()

    out = capsys.readouterr().out
    assert status == 1
    assert seen_argv == [["bench.example_fine", "--pickups", "3"]]
    assert "RuntimeError: no broker" in out
    summary = out[out.index("== summary") :].splitlines()
    assert summary[:3] == [
        "== summary: each figure against its aim",
        "  tap -> last ticket byte, p99 1.80 ms (aim < 30 ms): met",
        "1 aims met, 0 missed; benches that failed: 1",
    ]
    assert summary[3].startswith("  bench.example_broken: ") and summary[3].endswith(" s FAILED")
    assert summary[4].startswith("  bench.example_fine --pickups 3: ")
    assert summary[4].endswith(" s")


def test_a_missed_aim_alone_makes_the_run_end_with_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def slow() -> None:
        aims.check("cold start", 2.46, "<=", 1.5, unit="x")

    fake_bench(monkeypatch, "example_slow", slow)
    monkeypatch.setattr(runner, "BENCHMARKS", (("example_slow", ()),))

    assert runner.main() == 1
    assert "0 aims met, 1 missed; benches that failed: 0" in capsys.readouterr().out


def test_every_bench_of_the_run_exists_and_has_a_main() -> None:
    import importlib.util

    for name, _ in runner.BENCHMARKS:
        spec = importlib.util.find_spec(f"bench.{name}")
        assert spec is not None and spec.origin is not None, name
        with open(spec.origin, encoding="utf-8") as source:
            assert "\ndef main(" in source.read(), name


def test_each_bench_starts_with_logging_as_a_fresh_process_so_its_own_level_applies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    levels: list[int] = []

    def quiet() -> None:
        logging.basicConfig(level=logging.ERROR)
        levels.append(logging.getLogger().level)

    def loud() -> None:
        logging.basicConfig(level=logging.INFO)
        levels.append(logging.getLogger().level)

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    fake_bench(monkeypatch, "example_quiet", quiet)
    fake_bench(monkeypatch, "example_loud", loud)
    monkeypatch.setattr(runner, "BENCHMARKS", (("example_quiet", ()), ("example_loud", ())))

    runner.main()

    assert levels == [logging.ERROR, logging.INFO]
