"""``[tickets]``: the daily reset, the number's format and the queue-status URL in the QR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from urllib.parse import urlsplit

from kiosk.config.schema import Section, Table, convert
from kiosk.config.text import template

STATUS_FIELDS = ("office", "ticket_id", "number", "service")


@dataclass(frozen=True)
class TicketConfig:
    """Numbering and the ticket's QR.

    Attributes:
        reset_time: local time the numbers start again each day.
        number_format: ``{prefix}`` and ``{number}`` (with a small width such as ``03d``).
        status_url: the queue-status page in the ticket's QR: ``https://`` only.
        status_hosts: the hosts ``status_url`` may name; set in the file only (the server's
            desired config cannot widen it). Default: the host of the file's own status_url.
    """

    reset_time: time
    number_format: str
    status_url: str
    status_hosts: tuple[str, ...] = ()


class _TicketsTable(Section):
    reset_time: str = "00:00"
    number_format: str = "{prefix}-{number:03d}"
    status_url: str = "https://queue.example.jp/{office}/{ticket_id}"
    status_hosts: list[str] | None = None


def parse_tickets(table: Table) -> TicketConfig:
    """``[tickets]``: a local reset time, tiny templates, an https status URL on a listed host."""
    section = convert(table, _TicketsTable)
    try:
        reset_time = time.fromisoformat(section.reset_time)
    except ValueError:
        table.fail("reset_time", section.reset_time, "must be a local time HH:MM, e.g. 03:00")
    number_format = template(
        table, "number_format", section.number_format, ("prefix", "number"), widths=True
    )
    url = template(table, "status_url", section.status_url, STATUS_FIELDS)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or "{" in parts.netloc or parts.username:
        table.fail(
            "status_url", url, "must be https://host/… with a fixed host (the QR opens on phones)"
        )
    hosts_raw = [host] if section.status_hosts is None else section.status_hosts
    if not hosts_raw or not all(hosts_raw):
        table.fail("status_hosts", hosts_raw, "must list host names")
    hosts = tuple(h.lower() for h in hosts_raw)
    if host not in hosts:
        table.fail("status_url", url, f"host {host!r} is not in status_hosts {list(hosts)}")
    return TicketConfig(reset_time, number_format, url, hosts)
