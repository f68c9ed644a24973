"""Shared fixtures of the test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.central.server import CentralSimulator
from simulators.printer.server import PrinterSimulator
from tests.mosquitto import BrokerError, MosquittoBroker
from tests.trust_keys import central_keys

# Every event the kiosk's code emits in any test must keep its message of the MQTT contract.
pytest_plugins = ("tests.contract.event_check",)

# ---- MQTT broker for tests (kiosk/link, simulators/central) ------------------------------
# A real Mosquitto per test: the `mosquitto` fixture. Its log is attached to the report of a
# test that fails while using it. A missing mosquitto FAILS the test (CI installs it).


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A running Mosquitto on a free 127.0.0.1 port (stopped after the test)."""
    try:
        broker = MosquittoBroker(tmp_path / "mosquitto")
    except BrokerError as exc:
        pytest.fail(
            f"{exc}. The broker tests need the real mosquitto binary "
            "(/usr/sbin/mosquitto, Debian package 'mosquitto'); they are never skipped.",
            pytrace=False,
        )
    try:
        broker.start()
    except BrokerError as exc:
        pytest.fail(f"mosquitto did not start: {exc}", pytrace=False)
    yield broker
    broker.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the broker's log to the report of a test that failed while using it."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and report.when in ("call", "teardown"):
        broker = getattr(item, "funcargs", {}).get("mosquitto")
        if isinstance(broker, MosquittoBroker):
            report.sections.append(("mosquitto log", broker.log_text()))


# ---- end of the MQTT broker block ---------------------------------------------------------


# ---- the simulators most end-to-end tests stand on -----------------------------------------


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[PrinterSimulator]:
    """The ESC/POS printer simulator on a free TCP port, rendering into ``tmp_path/printed``."""
    with PrinterSimulator(port=0, out_dir=tmp_path / "printed") as sim:
        yield sim


@pytest.fixture
def central(mosquitto: MosquittoBroker) -> Iterator[CentralSimulator]:
    """The central-server simulator on the test's Mosquitto, signing with the tests' keys."""
    sim = CentralSimulator("127.0.0.1", mosquitto.port, **central_keys())
    sim.start()
    assert sim.wait_ready(10)
    yield sim
    sim.stop()
