"""The kiosk's non-visual parts, wired together from the config (used by app.py and the CLI)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.health_events import HealthEventRecorder
from kiosk.core.tickets import TicketService
from kiosk.core.waiting import WaitingBoard
from kiosk.devices.health import HealthBoard
from kiosk.devices.printer.factory import PrinterSettings, open_printer
from kiosk.devices.printer.protocol import TicketPrinter
from kiosk.i18n.catalog import Catalog, load_catalogs
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository

if TYPE_CHECKING:
    from kiosk.link.mqtt_link import MqttLink

log = logging.getLogger(__name__)

DB_NAME = "kiosk.sqlite3"


@dataclass
class KioskServices:
    """Everything below the UI: store, devices, core services and the link."""

    config: KioskConfig
    db: Database
    session: int
    outbox: Outbox
    health: HealthBoard
    printer: TicketPrinter
    waiting: WaitingBoard
    tickets: TicketService
    catalogs: dict[str, Catalog]
    printer_poll_s: float = 30.0
    link: MqttLink | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _poller: threading.Thread | None = None

    def start(self, on_link_status: Callable[[bool, str], None] | None = None) -> None:
        """Start the link (when a broker is configured) and the periodic printer poll.

        Args:
            on_link_status: gets ``(online, reason)`` on every change of the link.
        """
        if self.config.mqtt.broker:
            # NOTE: built here, not in build_services: paho and the network are not needed
            # for the first screen, and the kiosk starts faster without them.
            from kiosk.link.mqtt_link import MqttLink

            self.link = MqttLink(
                self.config.mqtt,
                kiosk_id=self.config.kiosk_id,
                office=self.config.office,
                session=self.session,
                outbox=self.outbox,
                health=self.health,
                waiting=self.waiting,
                version=__version__,
            )
            self.db.add_commit_listener(self.link.notify_outbox)
            if on_link_status is not None:
                self.link.subscribe_status(on_link_status)
            self.link.start()
        self._poller = threading.Thread(target=self._poll_printer, name="printer-poll", daemon=True)
        self._poller.start()

    def _poll_printer(self) -> None:
        # NOTE: one poll at a time by construction (one thread); a poll never overlaps a
        # ticket (TicketService holds the printer lock). Waits on an Event: no busy polling.
        while not self._stop.is_set():
            try:
                self.tickets.poll_printer()
            except Exception:
                log.exception("printer status poll failed")
            self._stop.wait(self.printer_poll_s)

    def stop(self) -> None:
        """Stop cleanly: the link says ``online:false, reason: shutdown`` first."""
        self._stop.set()
        if self.link is not None:
            self.link.stop()
        if self._poller is not None:
            self._poller.join(timeout=5)
        self.printer.close()
        self.db.close()


def build_services(
    config: KioskConfig,
    *,
    printer_url: str | None = None,
    clock: Clock | None = None,
    printer_poll_s: float = 30.0,
) -> KioskServices:
    """Wire the kiosk's services from a validated config.

    Args:
        config: the validated configuration.
        printer_url: overrides ``config.printer.url`` (the demo resolves ``sim://`` to the
            simulator it started; a technician names a real printer).
        clock: the time source (tests cross midnight with their own).
        printer_poll_s: seconds between printer status polls.
    """
    clock = clock or SystemClock()
    db = Database(Path(config.state_dir) / DB_NAME)
    session = begin_session(db)
    outbox = Outbox(db, kiosk_id=config.kiosk_id, session=session)
    health = HealthBoard()
    HealthEventRecorder(health, db, outbox)
    printer = open_printer(
        PrinterSettings(
            url=printer_url or config.printer.url,
            text_mode=config.printer.text_mode,
            paper_width_dots=config.printer.paper_width_dots,
            status_timeout_s=config.printer.status_timeout_s,
            connect_timeout_s=config.printer.connect_timeout_s,
            raster_font=config.printer.raster_font,
        )
    )
    catalogs = load_catalogs(config.ui.languages)
    waiting = WaitingBoard(config, TicketRepository(db), clock)
    tickets = TicketService(config, db, outbox, printer, health, waiting, catalogs, clock)
    tickets.settle_interrupted()
    log.info("kiosk %s session %d, state in %s", config.kiosk_id, session, config.state_dir)
    return KioskServices(
        config=config,
        db=db,
        session=session,
        outbox=outbox,
        health=health,
        printer=printer,
        waiting=waiting,
        tickets=tickets,
        catalogs=catalogs,
        printer_poll_s=printer_poll_s,
    )
