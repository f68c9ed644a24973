"""Every device simulator of one kiosk on loopback, and a config for ``kiosk run`` on them.

Used by the idle soak (``bench.idle_soak``) and the systemd tests: the kiosk runs as its own
process (``kiosk --config FILE run``), exactly as systemd starts it, so what is measured or
watched is the kiosk alone; the simulators run in the caller's process::

    with SimulatorRig(work_dir, broker=True) as rig:
        config = rig.write_config(work_dir / "kiosk.toml")
        subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(config), "run"])

The config is ``config/kiosk.example.toml`` (the file a technician starts from) with only the
state folder, the device URLs and the broker changed: each replacement must find its line,
so an example that changed shape fails here loudly instead of testing something else.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path

from simulators.locker.server import LockerSimulator
from simulators.printer.server import PrinterSimulator
from simulators.scanner.server import ScannerSimulator
from simulators.tcp_server import StartStop

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "kiosk.example.toml"
LOCKER_BOARDS = 3  # as the example config's [locker] boards


class SimulatorRig(StartStop):
    """Printer, scanner and lock-board chain simulators, optionally a broker and a server.

    Args:
        work_dir: folder for printed tickets, the broker and the server's store.
        broker: also start a private Mosquitto and the central-server simulator.
    """

    def __init__(self, work_dir: Path, *, broker: bool = False) -> None:
        self.work_dir = work_dir
        self.with_broker = broker
        self.printer = PrinterSimulator(port=0, out_dir=work_dir / "printed")
        self.scanner = ScannerSimulator(port=0, suffix="cr")
        self.locker = LockerSimulator(port=0, boards=LOCKER_BOARDS)
        self.broker_url = ""
        self._stack = ExitStack()

    def start(self) -> SimulatorRig:
        """Start every simulator; returns self."""
        with ExitStack() as stack:
            for sim in (self.printer, self.scanner, self.locker):
                sim.start()
                stack.callback(sim.stop)
            if self.with_broker:
                from simulators.central.server import CentralSimulator
                from simulators.mosquitto import MosquittoProcess

                mosquitto = MosquittoProcess(self.work_dir / "broker")
                mosquitto.start()
                stack.callback(mosquitto.stop)
                self.broker_url = mosquitto.url
                central = CentralSimulator(
                    "127.0.0.1", mosquitto.port, store_path=self.work_dir / "central.sqlite3"
                )
                central.start()
                stack.callback(central.stop)
            self._stack = stack.pop_all()
        logger.info(
            "simulator rig: printer %s, scanner %s, locker %s, broker %s",
            self.printer_url,
            self.scanner.url,
            self.locker.url,
            self.broker_url or "none",
        )
        return self

    def stop(self) -> None:
        """Stop everything started, in reverse order."""
        self._stack.close()

    @property
    def printer_url(self) -> str:
        """The printer as a serial line over TCP (``socket://``), as a USB-serial printer is."""
        return f"socket://127.0.0.1:{self.printer.port}"

    def config_text(self, state_dir: Path) -> str:
        """The example config pointed at these simulators and ``state_dir``.

        Raises:
            ValueError: a line to replace is not in the example any more.
        """
        text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
        replacements = [
            ('state_dir = "/var/lib/kiosk"', f'state_dir = "{state_dir}"'),
            ('url = "serial:///dev/kiosk-printer?baudrate=38400"', f'url = "{self.printer_url}"'),
            ('url = "serial:///dev/kiosk-scanner?baudrate=9600"', f'url = "{self.scanner.url}"'),
            ('url = "serial:///dev/kiosk-locker?baudrate=19200"', f'url = "{self.locker.url}"'),
            ('broker = "mqtts://mqtt.example.jp:8883"', f'broker = "{self.broker_url}"'),
        ]
        for old, new in replacements:
            if text.count(old) != 1:
                raise ValueError(f"{EXAMPLE_CONFIG}: expected the line {old!r} once")
            text = text.replace(old, new)
        return text

    def write_config(self, path: Path, state_dir: Path | None = None) -> Path:
        """Write :meth:`config_text` to ``path`` (state in ``state_dir``, default beside it)."""
        state = state_dir or path.parent / "state"
        path.write_text(self.config_text(state), encoding="utf-8")
        return path
