"""Texts in the config: a text per UI language (:class:`LocalText`) and ``str.format``
templates limited to named fields."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.config.schema import Table
from kiosk.i18n.languages import LANGUAGE_CODES, language

# Every language the kiosk knows; [ui] languages may list those whose catalogue is installed.
SUPPORTED_LANGUAGES = LANGUAGE_CODES
MAX_FORMAT_WIDTH = 9
"""The widest field a ticket template may ask for (``{number:03d}``; not 400,000,000)."""
MAX_TEMPLATE_CHARS = 512


@dataclass(frozen=True)
class LocalText:
    """A text in every UI language (``{ja = "…", en = "…"}`` in the file)."""

    values: Mapping[str, str]

    def get(self, language: str) -> str:
        """The text in ``language``, else in the language it reads as (easy Japanese: the
        Japanese name), else in English, else in the first language that has one."""
        if language in self.values:
            return self.values[language]
        reads_as = _reads_as(language)
        if reads_as in self.values:
            return self.values[reads_as]
        if "en" in self.values:
            return self.values["en"]
        return next(iter(self.values.values()))


def _reads_as(code: str) -> str:
    try:
        return language(code).reads_as
    except KeyError:
        return ""


# A LocalText's shape in a schema: one text for every language, or a table of them.
LocalTextValue = str | dict[str, object]


def local_text(table: Table, name: str, value: object, languages: tuple[str, ...]) -> LocalText:
    """``name = "…"`` (every language) or ``name = {ja = "…", en = "…"}``.

    Raises:
        ConfigError: not a text or table, an unknown language, an empty text, or no text in
            the default (first) language.
    """
    if isinstance(value, str):
        return LocalText({lang: value for lang in languages})
    if not isinstance(value, Mapping) or not value:
        table.fail(name, value, 'must be a text or a table like {ja = "…", en = "…"}')
    for lang, text in value.items():
        if lang not in SUPPORTED_LANGUAGES:
            table.fail(f"{name}.{lang}", text, f"unknown language {lang!r}")
        if not isinstance(text, str) or not text.strip():
            table.fail(f"{name}.{lang}", text, "must be a non-empty text")
    if languages[0] not in value:
        table.fail(name, value, f"needs a text in the default language {languages[0]!r}")
    return LocalText({str(lang): str(text) for lang, text in value.items()})


def template(
    table: Table, name: str, text: str, fields: tuple[str, ...], *, widths: bool = False
) -> str:
    """A ``str.format`` template using only ``fields``, no conversions, tiny widths at most.

    NOTE: a template comes from the file or from the server's desired config; a format
    spec such as ``{office:>400000000}`` would allocate 400 MB on every ticket.

    Raises:
        ConfigError: too long, not a template, or a field, conversion or spec not allowed.
    """
    if len(text) > MAX_TEMPLATE_CHARS:
        table.fail(name, text, f"is longer than {MAX_TEMPLATE_CHARS} characters")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        table.fail(name, text, f"is not a valid template: {exc}")
    allowed = ", ".join("{" + f + "}" for f in fields)
    for _literal, field_name, spec, conversion in parts:
        if field_name is None:
            continue
        if field_name not in fields:
            table.fail(name, text, f"may use only {allowed}, not {{{field_name}}}")
        if conversion or (spec and not widths):
            table.fail(name, text, f"{{{field_name}}} may not have a format spec")
        if spec and not re.fullmatch(r"0?[1-9]?d?", spec):
            table.fail(
                name, text, f"{{{field_name}:{spec}}}: only a width up to {MAX_FORMAT_WIDTH}"
            )
    return text
