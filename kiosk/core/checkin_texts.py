"""What a check-in says: each outcome's screen text in each language, and the printed slip.

Times are shown in the office's time zone, rounded as the check-in decided; a booked service
is named as the config names it; an office is never shown by its code; a meeting says who is
being told and where to wait (``kiosk.core.checkin``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from kiosk.config import KioskConfig
from kiosk.core.booking_codes import format_booking_code
from kiosk.core.booking_tokens import BookingToken, Meeting
from kiosk.core.checkin_outcome import CheckInOutcome, CheckInResult, ScreenText
from kiosk.devices.printer.protocol import Ticket
from kiosk.errors import ConfigError
from kiosk.i18n.catalog import Catalog


class CheckInWording:
    """The texts of check-in outcomes and slips.

    Args:
        config: the kiosk config (offices, services, time zone, status URL).
        catalogs: one message catalogue per configured language.
    """

    def __init__(self, config: KioskConfig, catalogs: Mapping[str, Catalog]):
        self.config = config
        self._catalogs = dict(catalogs)

    def screen(
        self,
        result: CheckInResult,
        language: str,
        *,
        token: BookingToken | None,
        service_id: str,
        expected: datetime | None,
        office: str,
        used_at: datetime | None,
        position: int | None,
        confirmed: bool,
        meeting: Meeting | None = None,
        host_notified: bool = False,
        online: bool = False,
    ) -> ScreenText:
        """The screen text of an outcome in ``language``."""
        catalog = self._catalog(language)
        key = f"checkin.{result.value}"
        title = catalog.text(f"{key}.title")
        args: tuple[object, ...] = ()
        if result is CheckInResult.ACCEPTED and meeting is not None:
            return self._meeting_text(catalog, language, meeting, host_notified, online)
        if result is CheckInResult.ACCEPTED:
            service = self.service_name(service_id, language)
            when = self._hhmm(expected) if expected else ""
            if confirmed:
                title = catalog.text("checkin.confirmed.title")
            if service and when:
                return ScreenText(
                    title,
                    catalog.text("checkin.accepted.body", service, when),
                    catalog.text("checkin.position", position) if position else "",
                )
            body = (
                catalog.text("checkin.accepted.body_no_service", when)
                if when
                else catalog.text("checkin.accepted.body_seat")
            )
            detail = catalog.text("checkin.position", position) if position else ""
            return ScreenText(title, body, detail)
        if token is not None and result in (CheckInResult.TOO_EARLY, CheckInResult.TOO_LATE):
            window = token.window or self.config.checkin.window_for(token.service)
            if result is CheckInResult.TOO_EARLY:
                args = (self._hhmm(token.slot - timedelta(minutes=window.before_min)),)
            else:
                args = (self._hhmm(token.slot + timedelta(minutes=window.after_min)),)
        elif token is not None and result is CheckInResult.WRONG_DAY:
            args = (self._date(token.slot, catalog),)
        elif result is CheckInResult.WRONG_OFFICE:
            names = self.config.checkin.office_names
            if office in names:
                args = (names[office].get(language),)
            else:
                # NOTE: never an office code on screen ("shisui" means nothing to a resident).
                key = "checkin.wrong_office_unnamed"
        elif result is CheckInResult.ALREADY_USED:
            args = (self._hhmm(used_at) if used_at else "",)
        return ScreenText(
            catalog.text(f"{key}.title", *args),
            catalog.text(f"{key}.body", *args),
        )

    def _meeting_text(
        self,
        catalog: Catalog,
        language: str,
        meeting: Meeting,
        host_notified: bool,
        online: bool,
    ) -> ScreenText:
        """Who was told (or will be, or could not be) and where to wait."""
        place = meeting.place(language) or catalog.text("checkin.meeting.default_place")
        if host_notified:
            body = catalog.text("checkin.meeting.notified", meeting.host_name)
        elif online:
            body = catalog.text("checkin.meeting.notifying", meeting.host_name)
        else:
            # NOTE: offline the event waits in the outbox: the host may not know for a while,
            # so the resident is sent to the counter rather than left waiting unseen.
            body = catalog.text("checkin.meeting.offline", meeting.host_name)
        return ScreenText(
            catalog.text("checkin.meeting.title"),
            body,
            catalog.text("checkin.meeting.wait_at", place),
        )

    def slip(self, outcome: CheckInOutcome, language: str) -> Ticket:
        """The check-in slip: office, service, expected time large, booking details."""
        catalog = self._catalog(language)
        expected = outcome.expected or outcome.at
        lines = [
            catalog.text("checkin.slip.expected"),
            catalog.text("checkin.slip.checked_in", self._hhmm(outcome.at)),
        ]
        if outcome.slot is not None:
            lines.append(catalog.text("checkin.slip.slot", self._hhmm(outcome.slot)))
        if outcome.code:
            lines.append(catalog.text("checkin.slip.code", format_booking_code(outcome.code)))
        if outcome.meeting is not None:
            title = catalog.text("checkin.meeting.slip_title", outcome.meeting.host_name)
        else:
            title = self.service_name(outcome.service_id, language) or catalog.text(
                "checkin.slip.title"
            )
        return Ticket(
            header=self.config.office_name.get(language),
            title=title,
            number=self._hhmm(expected),
            lines=tuple(lines),
            qr=self.config.tickets.status_url.format(
                office=self.config.office,
                ticket_id=outcome.booking_id or outcome.ref,
                number=outcome.code,
                service=outcome.service_id,
            ),
            footer=(catalog.text("checkin.slip.footer"),),
            language=language,  # the printer draws scripts its fonts lack
        )

    def _catalog(self, language: str) -> Catalog:
        return self._catalogs.get(language) or next(iter(self._catalogs.values()))

    def service_name(self, service_id: str, language: str) -> str:
        """A service's name in ``language`` (its id when the config does not name it)."""
        if not service_id:
            return ""
        try:
            return self.config.service(service_id).name.get(language)
        except ConfigError:
            return service_id  # NOTE: a booked service need not be one with tickets

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.config.timezone)

    def _hhmm(self, moment: datetime) -> str:
        return self._local(moment).strftime("%H:%M")

    def _date(self, moment: datetime, catalog: Catalog) -> str:
        local = self._local(moment)
        month = catalog.text(f"checkin.month.{local.month}")
        return catalog.text("checkin.date", month, local.day)
