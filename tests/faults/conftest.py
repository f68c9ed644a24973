"""Fixtures of the fault tests: a contract monitor and a fault proxy on the test's broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.proxy import FaultProxy
from tests.contract.monitor import ContractMonitor
from tests.mosquitto import MosquittoBroker


@pytest.fixture
def monitor(mosquitto: MosquittoBroker) -> Iterator[ContractMonitor]:
    """Checks every message on the test's broker against the contract."""
    with ContractMonitor(mosquitto.host, mosquitto.port) as running:
        yield running


@pytest.fixture
def proxy(mosquitto: MosquittoBroker) -> Iterator[FaultProxy]:
    """A fault proxy on 127.0.0.1 in front of the test's broker."""
    with FaultProxy(mosquitto.host, mosquitto.port) as running:
        yield running
