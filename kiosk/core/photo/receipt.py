"""The photo receipt: its paper layout, and printing it.

The receipt (photo code as text and as a native QR) is printed through the
:class:`~kiosk.devices.printer.protocol.TicketPrinter` with the ticket layout. A printer
failure leaves the photo stored; the screen shows the code instead (like tickets). Either
outcome is committed (:meth:`~kiosk.core.photo.storage.PhotoStorage.record_receipt`) and the
printer's health reported.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from datetime import datetime

from kiosk.core.photo.result import AcceptedPhoto, PhotoSettings
from kiosk.core.photo.review import StaffApproval
from kiosk.core.photo.rules import RuleSet
from kiosk.core.photo.storage import PhotoStorage
from kiosk.devices.health import HealthBoard
from kiosk.devices.printer.protocol import PrinterError, Ticket, TicketPrinter
from kiosk.i18n.catalog import Catalog

logger = logging.getLogger(__name__)

PRINTER = "printer"
"""The receipt printer's name on the health board."""


def _plain_text(message_id: str, *args: object) -> str:
    """Without a catalogue: the id and its arguments (tests without translations)."""
    return " ".join([message_id, *(str(a) for a in args)])


class PhotoReceipts:
    """Lays out and prints photo receipts (see the module docs).

    Args:
        settings: the booth settings (office name, time zone); the service replaces them.
        rule_set: the rule set the photos were checked against (named on the receipt).
        storage: records each receipt's outcome.
        printer: prints the receipt; None shows the code on screen only.
        catalogs: receipt texts per language.
        health: the printer's health is reported here.
    """

    def __init__(
        self,
        settings: PhotoSettings,
        rule_set: RuleSet,
        storage: PhotoStorage,
        printer: TicketPrinter | None,
        catalogs: Mapping[str, Catalog],
        health: HealthBoard | None,
    ) -> None:
        self.settings = settings
        self._rule_set = rule_set
        self._storage = storage
        self._printer = printer
        self._catalogs = dict(catalogs)
        self._health = health
        self._printer_lock = threading.Lock()

    def _rule_set_name(self, catalog: Catalog | None) -> str:
        """The rule set's short name in the receipt's language (``photo.rules.<id>``); the
        rule set's own (English) title only when the catalogue lacks it."""
        key = f"photo.rules.{self._rule_set.id}"
        if catalog is not None and key in catalog.messages:
            return catalog.text(key)
        return self._rule_set.title

    def layout(
        self,
        photo: AcceptedPhoto,
        language: str,
        at: datetime,
        to_review: tuple[str, ...] = (),
        approval: StaffApproval | None = None,
    ) -> Ticket:
        """The receipt's paper layout in ``language`` (the ticket layout); an approved photo
        says that staff checked it, and why, instead of asking the counter to check."""
        catalog = self._catalogs.get(language)
        text = catalog.text if catalog is not None else _plain_text
        local = at.astimezone(self.settings.timezone)
        lines = [
            text("photo.receipt.taken_at", local.strftime("%Y-%m-%d %H:%M")),
            text("photo.receipt.rules", self._rule_set_name(catalog)),
        ]
        if approval is not None:
            reason = text(f"photo.review.reason.{approval.reason.value}")
            lines.append(text("photo.receipt.approved", reason, approval.staff_id))
        elif to_review:
            lines.append(text("photo.receipt.review"))
        return Ticket(
            header=self.settings.office_name.get(language, ""),
            title=text("photo.receipt.title"),
            number=photo.display_code,
            lines=tuple(lines),
            qr=photo.receipt_qr,
            footer=(text("photo.receipt.footer"),),
            language=language,  # the printer draws scripts its fonts lack
        )

    def print(
        self,
        photo: AcceptedPhoto,
        language: str,
        at: datetime,
        to_review: tuple[str, ...],
        approval: StaffApproval | None,
    ) -> AcceptedPhoto:
        """Print ``photo``'s receipt; the photo as stored, with ``printed`` and ``problem``."""
        if self._printer is None:
            self._storage.record_receipt(photo, printed=False, reason="no_printer")
            return photo
        ticket = self.layout(photo, language, at, to_review, approval)
        try:
            with self._printer_lock:
                status = self._printer.print_ticket(ticket)
        except PrinterError as exc:
            logger.warning("photo %s receipt not printed: %s (%s)", photo.code, exc, exc.health)
            if self._health is not None:
                self._health.report(PRINTER, exc.health)
            self._storage.record_receipt(photo, printed=False, reason=exc.health.reason or "error")
            return dataclasses.replace(photo, printed=False, problem=exc.health)
        if self._health is not None:
            self._health.report(PRINTER, status.health())
        self._storage.record_receipt(photo, printed=True)
        return dataclasses.replace(photo, printed=True, problem=None)


__all__ = ["PRINTER", "PhotoReceipts"]
