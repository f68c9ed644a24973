"""Locker: frames per door open, and ``unlock()`` call → unlock frame on the wire (our time).

1,000 unlocks across 48 doors (3 simulated KR-CU16 boards over ``socket://``). "Our own time"
is from the call of ``KerongLocker.unlock`` to the return of the transport write that carries
the 5-byte unlock frame; the board's reply (the simulator's time plus the socket) is reported
beside it. Frames per door open are counted from the simulator's record: the unlock alone, and
a whole open as the hand-over does it (read the doors, unlock, the person pulls, read again).
"""

from __future__ import annotations

import statistics
import time

from kiosk.devices.locker.kerong_driver import KerongLocker
from kiosk.devices.transport import SerialTransport
from simulators.locker.server import LockerSimulator

OPENS = 1000
BOARDS = 3


class TimingTransport(SerialTransport):
    """A serial transport that notes when the last write returned."""

    last_write_done = 0.0

    def write(self, data: bytes) -> None:
        super().write(data)
        self.last_write_done = time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    with LockerSimulator(port=0, boards=BOARDS) as sim:
        transport = TimingTransport(sim.url, baudrate=19200)
        locker = KerongLocker(transport, boards=BOARDS, reply_timeout_s=0.5)
        doors = locker.doors
        to_wire: list[float] = []
        to_reply: list[float] = []
        for i in range(OPENS):
            door = doors[i % len(doors)]
            start = time.perf_counter()
            locker.unlock(door)
            end = time.perf_counter()
            to_wire.append(transport.last_write_done - start)
            to_reply.append(end - transport.last_write_done)
        unlock_rx = len(sim.frames_received())
        unlock_tx = len(sim.frames_sent())
        assert len(sim.pulse_log) == OPENS

        before_rx, before_tx = len(sim.frames_received()), len(sim.frames_sent())
        locker.read_doors()
        locker.unlock(5)
        sim.pull(5)
        locker.read_doors()
        whole_rx = len(sim.frames_received()) - before_rx
        whole_tx = len(sim.frames_sent()) - before_tx
        locker.close()

    us = 1e6
    print(f"unlocks: {OPENS} across {len(doors)} doors on {BOARDS} boards (socket://)")
    print(
        f"frames per unlock: {unlock_rx / OPENS:.2f} to the board (5 B), "
        f"{unlock_tx / OPENS:.2f} back (9 B); wire time at 19200 8N1: "
        f"{(5 + 9) * 10 / 19200 * 1000:.1f} ms"
    )
    print(
        f"frames per whole open (read {BOARDS} boards, unlock, read {BOARDS} boards): "
        f"{whole_rx} out, {whole_tx} back"
    )
    print(
        f"unlock() -> unlock frame written (our time): p50 {percentile(to_wire, 0.5) * us:.0f} us, "
        f"p99 {percentile(to_wire, 0.99) * us:.0f} us, max {max(to_wire) * us:.0f} us"
    )
    print(
        f"frame written -> reply validated (simulator + socket): "
        f"p50 {statistics.median(to_reply) * us:.0f} us, "
        f"p99 {percentile(to_reply, 0.99) * us:.0f} us"
    )


if __name__ == "__main__":
    main()
