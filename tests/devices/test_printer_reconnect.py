"""A printer unplugged (the simulator closes its socket) comes back healthy by itself.

The real ESC/POS driver on its real transports (``tcp://`` and the serial path, ``socket://``)
against the printer simulator. While the printer is gone its transport re-opens with back-off
(:class:`~kiosk.devices.transport.ReopenBackoff`, a fake clock here), and the kiosk's status
poll asks for a disconnected printer every second, so a printer plugged back in is found
within seconds rather than at the next 30 s poll.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.tickets import PRINTER
from kiosk.devices.health import HealthState
from kiosk.devices.printer.escpos_printer import EscPosPrinter
from kiosk.devices.transport import ReopenBackoff, SerialTransport, TcpTransport
from kiosk.services import KioskServices, build_services
from simulators.printer.server import PrinterSimulator
from tests.kiosk_config import make_config
from tests.link.link_support import wait_until


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0, out_dir=tmp_path / "printed") as simulator:
        yield simulator


def make_transport(kind: str, port: int, backoff: ReopenBackoff) -> TcpTransport | SerialTransport:
    if kind == "tcp":
        return TcpTransport("127.0.0.1", port, connect_timeout=2.0, reopen_backoff=backoff)
    return SerialTransport(f"socket://127.0.0.1:{port}", write_timeout=2.0, reopen_backoff=backoff)


def state_of(printer: EscPosPrinter) -> tuple[str, str]:
    health = printer.health()
    return health.state.value, health.reason


@pytest.mark.parametrize("kind", ["tcp", "socket"])
def test_an_unplugged_printer_is_disconnected_retried_with_back_off_and_healthy_when_back(
    sim: PrinterSimulator, kind: str
) -> None:
    clock = FakeClock()
    transport = make_transport(kind, sim.port, ReopenBackoff(0.5, 10.0, clock=clock))
    printer = EscPosPrinter(transport, status_timeout_s=0.5)
    try:
        assert state_of(printer) == ("ok", "")
        assert (transport.connection_count, transport.failed_opens) == (1, 0)

        sim.unplug()
        # The loss is found by the first status read; the first re-open goes at once (tcp
        # finds the peer gone before writing, the serial path when reading the reply).
        for _ in range(2):
            assert state_of(printer) == ("fault", "disconnected")
            if transport.failed_opens:
                break
        assert transport.failed_opens == 1
        # Polls within the back-off do not touch the port.
        for _ in range(5):
            assert state_of(printer) == ("fault", "disconnected")
        assert transport.failed_opens == 1
        assert "next attempt in 0.5 s" in printer.health().detail
        clock.advance(0.5)
        assert state_of(printer) == ("fault", "disconnected")
        assert transport.failed_opens == 2  # tried, still unplugged: now 1 s
        clock.advance(1.0)
        assert state_of(printer) == ("fault", "disconnected")
        assert transport.failed_opens == 3  # then 2 s

        sim.plug_in()
        clock.advance(1.99)
        assert state_of(printer) == ("fault", "disconnected")  # back, but not asked yet
        assert transport.failed_opens == 3
        clock.advance(0.01)
        assert state_of(printer) == ("ok", "")
        assert (transport.connection_count, transport.reopen_backoff.failures) == (2, 0)

        sim.unplug()  # a new loss starts the back-off from nothing: the first try is at once
        sim.plug_in()
        assert state_of(printer) in {("ok", ""), ("fault", "disconnected")}
        assert state_of(printer) == ("ok", "")
        assert transport.failed_opens == 3
    finally:
        printer.close()


def test_the_back_off_doubles_to_its_longest_and_a_success_resets_it() -> None:
    clock = FakeClock()
    backoff = ReopenBackoff(0.5, 10.0, clock=clock)
    waits = [backoff.failed("refused") for _ in range(8)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert backoff.wait_s() == 10.0
    clock.advance(10.0)
    assert backoff.wait_s() == 0.0
    backoff.succeeded()
    assert (backoff.failed("refused"), backoff.failures) == (0.5, 1)
    with pytest.raises(ValueError, match="0 < first <= longest"):
        ReopenBackoff(2.0, 1.0)


@pytest.fixture
def kiosk(tmp_path: Path, sim: PrinterSimulator) -> Iterator[KioskServices]:
    # NOTE: a regular poll far away, so only the reconnect polling can find the printer.
    services = build_services(
        make_config(tmp_path / "state"), printer_url=sim.url, printer_poll_s=600
    )
    services.start()
    yield services
    services.stop()


def test_a_printer_lost_at_a_ticket_is_printing_again_by_itself_within_seconds(
    kiosk: KioskServices, sim: PrinterSimulator
) -> None:
    wait_until(lambda: kiosk.health.get(PRINTER).state is HealthState.OK, 15, "the first poll")
    sim.unplug()
    outcome = kiosk.tickets.issue("certificates", "ja")
    assert outcome.printed is False
    assert outcome.problem is not None and outcome.problem.reason == "disconnected"
    assert kiosk.health.get(PRINTER).reason == "disconnected"

    sim.plug_in()
    back_from = time.monotonic()
    # Nobody does anything: the status poll asks every second, the transport's back-off
    # (0.5 s doubling to 10 s) says when it really tries.
    wait_until(lambda: kiosk.health.get(PRINTER).state is HealthState.OK, 20, "printer ok")
    assert time.monotonic() - back_from < 12.0
    outcome = kiosk.tickets.issue("certificates", "ja")
    assert (outcome.printed, outcome.ticket.number) == (True, "A-002")
    assert "A-002" in sim.wait_for_tickets(1, timeout=10)[-1].text
