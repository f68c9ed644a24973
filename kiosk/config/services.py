"""``[[services]]``: the services citizens take a ticket for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from msgspec import Meta

from kiosk.config.schema import Section, Table, convert
from kiosk.config.text import LocalText, LocalTextValue, local_text


@dataclass(frozen=True)
class ServiceConfig:
    """One service citizens can take a ticket for."""

    id: str
    prefix: str
    name: LocalText
    average_service_min: float


class _ServiceTable(Section):
    id: str
    prefix: str
    name: LocalTextValue
    average_service_min: Annotated[float, Meta(ge=0.5, le=240)] = 5.0


def parse_services(top: Table, languages: tuple[str, ...]) -> tuple[ServiceConfig, ...]:
    """Every ``[[services]]`` table: ids and ticket prefixes unique."""
    raw: Any = top.data.get("services")
    if "services" not in top.data:
        top.fail("services", None, "is missing")
    if not isinstance(raw, list) or not raw:
        top.fail("services", raw, "needs at least one [[services]] table")
    services: list[ServiceConfig] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            top.fail(f"services[{index}]", entry, "must be a table")
        table = Table(f"services[{index}]", top.source, entry)
        section = convert(table, _ServiceTable)
        if not re.fullmatch(r"[a-z0-9_-]{1,32}", section.id):
            table.fail("id", section.id, "may hold only a-z, 0-9, '_' and '-'")
        if any(s.id == section.id for s in services):
            table.fail("id", section.id, "is used by another service")
        if not re.fullmatch(r"[A-Z]{1,3}", section.prefix):
            table.fail("prefix", section.prefix, "must be 1 to 3 capital letters A-Z")
        if any(s.prefix == section.prefix for s in services):
            table.fail("prefix", section.prefix, "is used by another service; numbers would clash")
        services.append(
            ServiceConfig(
                id=section.id,
                prefix=section.prefix,
                name=local_text(table, "name", section.name, languages),
                average_service_min=section.average_service_min,
            )
        )
    return tuple(services)
