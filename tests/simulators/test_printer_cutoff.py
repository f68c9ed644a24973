"""The printer simulator's "cut off the next ticket": the ticket's own bytes count, not the
status polls a driver sends between tickets."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from simulators.printer.control import apply_command
from simulators.printer.demo_faults import SimulatorFaults
from simulators.printer.server import PrinterSimulator

WAIT_S = 5.0
POLL = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"  # what the driver asks: 12 B
TICKET = b"\x1b@First line\nSecond line" + b"." * 100 + b"\n\x1dV\x01"


@pytest.fixture
def simulator() -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0) as sim:
        yield sim


def poll(conn: socket.socket) -> bytes:
    conn.sendall(POLL)
    answer = b""
    while len(answer) < 4:
        answer += conn.recv(4 - len(answer))
    return answer


def test_status_polls_do_not_use_up_the_cutoff_and_the_next_ticket_is_cut(
    simulator: PrinterSimulator,
) -> None:
    faults = SimulatorFaults(simulator)
    faults.drop_next_ticket()
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        for _ in range(10):  # 120 B of polls: more than the 40 B of the cutoff
            assert poll(conn) == b"\x12\x12\x12\x12"
        assert faults.drop_pending() is True
        conn.sendall(TICKET)
        with pytest.raises(ConnectionResetError):  # the simulator resets the link
            conn.recv(1)
    [ticket] = simulator.wait_for_tickets(1, WAIT_S)
    assert (ticket.cut, ticket.byte_count) == (False, 40)
    assert ticket.lines == ("First line", "Second line" + "." * 16)
    assert faults.drop_pending() is False
    assert simulator.received_bytes == 120 + 40


def test_after_a_cutoff_the_next_press_cuts_the_next_ticket_again(
    simulator: PrinterSimulator,
) -> None:
    faults = SimulatorFaults(simulator)
    for index in (1, 2):
        faults.drop_next_ticket()
        with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
            poll(conn)
            conn.sendall(TICKET)
            with pytest.raises(ConnectionResetError):
                conn.recv(1)
        assert simulator.wait_for_tickets(index, WAIT_S)[-1].cut is False
        assert faults.drop_pending() is False


def test_the_cutoff_control_command_arms_a_drop_in_the_next_ticket(
    simulator: PrinterSimulator,
) -> None:
    assert apply_command(simulator, "cutoff 30").startswith("ok ")
    assert simulator.drop_pending is True
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=WAIT_S) as conn:
        poll(conn)
        conn.sendall(TICKET)
        with pytest.raises(ConnectionResetError):
            conn.recv(1)
    assert simulator.wait_for_tickets(1, WAIT_S)[0].byte_count == 30
    assert apply_command(simulator, "cutoff 0").startswith("error: ")


def test_reset_faults_forgets_an_armed_cutoff(simulator: PrinterSimulator) -> None:
    simulator.drop_in_next_job(40)
    simulator.reset_faults()
    assert simulator.drop_pending is False
