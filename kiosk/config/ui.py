"""``[ui]``: the languages offered and the screen timings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

from kiosk.config.schema import Section, Table, convert
from kiosk.i18n.catalog import available_languages


@dataclass(frozen=True)
class UiConfig:
    """Screen timings and languages."""

    languages: tuple[str, ...]
    inactivity_s: float
    take_ticket_s: float
    fullscreen: bool


class _UiTable(Section):
    # NOTE: without the key, every language whose catalogue is installed (in the chooser's
    # order); a catalogue added later is picked up with no config change.
    languages: list[str] | None = None
    inactivity_s: Annotated[float, Meta(ge=5, le=600)] = 30.0
    take_ticket_s: Annotated[float, Meta(ge=2, le=120)] = 8.0
    fullscreen: bool = True


def parse_ui(table: Table) -> UiConfig:
    """``[ui]``: languages whose catalogues are installed (the first is the default)."""
    section = convert(table, _UiTable)
    installed = available_languages()
    languages = tuple(installed if section.languages is None else section.languages)
    if not languages or any(lang not in installed for lang in languages):
        table.fail("languages", list(languages), f"must list languages from {installed}")
    return UiConfig(
        languages=languages,
        inactivity_s=section.inactivity_s,
        take_ticket_s=section.take_ticket_s,
        fullscreen=section.fullscreen,
    )
