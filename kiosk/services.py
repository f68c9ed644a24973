"""The kiosk's non-visual parts, wired together from the config (used by app.py and the CLI)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

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
from kiosk.link.mqtt_link import MqttLink
from kiosk.store.database import Database
from kiosk.store.kv import begin_session
from kiosk.store.outbox import Outbox
from kiosk.store.tickets import TicketRepository

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
    link: MqttLink | None
    printer_poll_s: float = 30.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _poller: threading.Thread | None = None

    def start(self) -> None:
        """Start the link and the periodic printer status poll."""
        if self.link is not None:
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
    link = None
    if config.mqtt.broker:
        link = MqttLink(
            config.mqtt,
            kiosk_id=config.kiosk_id,
            office=config.office,
            session=session,
            outbox=outbox,
            health=health,
            waiting=waiting,
            version=__version__,
        )
        db.add_commit_listener(link.notify_outbox)
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
        link=link,
        printer_poll_s=printer_poll_s,
    )
