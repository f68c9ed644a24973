"""Text commands for a running printer simulator (stdin or a TCP control port).

Commands, one per line::

    paper ok | near | out        cover open | closed       offline on | off
    cutter jam | ok              corrupt on | off          drop N   (after N more bytes)
    cutoff [N]  (N bytes into the next ticket, 40 by default; status polls do not count)
    reset                        status                    tickets  help
"""

from __future__ import annotations

import logging
import socketserver
import threading

from simulators.printer.server import PrinterSimulator

logger = logging.getLogger(__name__)

HELP = (
    "commands: paper ok|near|out, cover open|closed, offline on|off, cutter jam|ok, "
    "corrupt on|off, drop N, cutoff [N], reset, status, tickets, help"
)
_ON = {"on": True, "open": True, "jam": True, "off": False, "closed": False, "close": False,
       "ok": False}  # fmt: skip
_PAPER = {"ok": "ok", "near": "near_end", "near_end": "near_end", "out": "out"}
CUTOFF_JOB_BYTES = 40


def apply_command(simulator: PrinterSimulator, line: str) -> str:
    """Apply one command line to the simulator; returns the reply (``ok …`` or ``error: …``)."""
    words = line.strip().lower().split()
    if not words:
        return ""
    verb, args = words[0], words[1:]
    arg = args[0] if args else ""
    if verb == "help":
        return HELP
    if verb == "status":
        return simulator.describe()
    if verb == "tickets":
        tickets = simulator.tickets[-5:]
        if not tickets:
            return "no tickets printed"
        return "\n".join(
            f"#{t.index} {t.byte_count} B {'cut' if t.cut else 'NOT CUT'}: "
            + " | ".join(t.lines[:4])
            for t in tickets
        )
    if verb == "reset":
        simulator.reset_faults()
        return "ok " + simulator.describe()
    if verb == "paper" and arg in _PAPER:
        simulator.set_paper(_PAPER[arg])
    elif verb == "cover" and arg in ("open", "closed", "close"):
        simulator.set_cover_open(_ON[arg])
    elif verb == "offline" and arg in ("on", "off"):
        simulator.set_offline(_ON[arg])
    elif verb == "cutter" and arg in ("jam", "ok"):
        simulator.set_cutter_error(_ON[arg])
    elif verb == "corrupt" and arg in ("on", "off"):
        simulator.set_corrupt_replies(_ON[arg])
    elif verb == "drop" and arg.isdigit():
        simulator.drop_connection_after(int(arg))
    elif verb == "cutoff" and (not arg or (arg.isdigit() and int(arg) > 0)):
        simulator.drop_in_next_job(int(arg) if arg else CUTOFF_JOB_BYTES)
    else:
        return f"error: cannot understand {line.strip()!r}; {HELP}"
    return "ok " + simulator.describe()


class _ControlHandler(socketserver.StreamRequestHandler):
    server: _ControlTcpServer

    def handle(self) -> None:
        for raw in self.rfile:
            reply = apply_command(self.server.simulator, raw.decode("utf-8", errors="replace"))
            if reply:
                self.wfile.write(reply.encode("utf-8") + b"\n")


class _ControlTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: PrinterSimulator) -> None:
        self.simulator = simulator
        super().__init__(address, _ControlHandler)


class ControlServer:
    """A line-based control port (``nc 127.0.0.1 PORT``, then ``paper out``).

    Args:
        simulator: the simulator to control.
        port: TCP port on the loopback address; 0 picks a free one.
    """

    def __init__(self, simulator: PrinterSimulator, port: int = 0) -> None:
        self._server = _ControlTcpServer(("127.0.0.1", port), simulator)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="printer-sim-control", daemon=True
        )

    @property
    def port(self) -> int:
        """The port listened on."""
        port: int = self._server.server_address[1]
        return port

    def start(self) -> ControlServer:
        """Serve on a background thread; returns self."""
        self._thread.start()
        logger.info("printer simulator control on 127.0.0.1:%d", self.port)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
