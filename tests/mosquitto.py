"""A real Mosquitto broker for tests, on a free loopback port, with its log kept.

Builds on ``simulators.mosquitto.MosquittoProcess`` (which the demo uses): same config,
plus ``user`` so that a broker started as root keeps writing its log (Mosquitto 2 drops
root to the ``mosquitto`` user, which cannot write into a root-owned temporary folder).
"""

from __future__ import annotations

from pathlib import Path

from simulators.mosquitto import BrokerError, MosquittoProcess, find_mosquitto

__all__ = ["BrokerError", "MosquittoBroker", "find_mosquitto"]


class MosquittoBroker(MosquittoProcess):
    """A Mosquitto process for one test.

    Args:
        tmp_dir: folder for the config, the log and (with ``persistence``) the database.
        port: port to listen on (127.0.0.1 only); a free one when None.
        persistence: keep retained and queued messages across restarts.
        packet_log: also log every packet (``log_type all``), for tests of packet order.
        extra_config: more configuration lines (they override the ones before).

    ``start()`` polls until the broker accepts TCP connections (no fixed sleep);
    ``stop()`` (SIGTERM), ``kill()`` (SIGKILL), ``restart()`` on the same port,
    ``log_text()``.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        tmp_dir: Path,
        port: int | None = None,
        persistence: bool = False,
        *,
        packet_log: bool = False,
        extra_config: tuple[str, ...] = (),
    ):
        super().__init__(tmp_dir, port=port, persistence=persistence)
        self.packet_log = packet_log
        self.extra_config = extra_config

    def _write_config(self) -> None:
        super()._write_config()
        with self.conf_path.open("a", encoding="utf-8") as conf:
            if self.packet_log:
                conf.write("log_type all\n")
            for line in self.extra_config:
                conf.write(f"{line}\n")
