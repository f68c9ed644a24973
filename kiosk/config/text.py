"""Texts in the config: a text per UI language (:class:`LocalText`) and ``str.format``
templates limited to named fields."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.config.schema import Table
from kiosk.i18n.languages import LANGUAGE_CODES, language

# Every language the kiosk knows; [ui] languages may list those whose catalogue is installed.
SUPPORTED_LANGUAGES = LANGUAGE_CODES
MAX_FORMAT_WIDTH = 9
"""The widest field a ticket template may ask for (``{number:03d}``; not 400,000,000)."""
MAX_TEMPLATE_CHARS = 512
MAX_NAME_CHARS = 80
"""The longest name a screen or a ticket shows (a service's, an office's) in one language."""
SHOWN_JOINERS = frozenset("\u200c\u200d")
"""Format characters a shown text may hold: ZWNJ and ZWJ shape Nepali (and emoji)."""


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


def hidden_char(char: str) -> bool:
    """True for a character that is not a visible part of a line of text: a control or
    line-break character, a bidi control or zero-width space (format characters other than
    ZWNJ and ZWJ), a surrogate, a private-use or an unassigned code point."""
    category = unicodedata.category(char)
    if category == "Cf":
        return char not in SHOWN_JOINERS
    return category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")


def shown_line_problem(text: str, limit: int) -> str:
    """Why ``text`` cannot be shown as one plain line of at most ``limit`` characters ("" if
    it can).

    NOTE: a bidi override (U+202E) reorders the sentence a name sits in, a line break makes a
    name read as a second message, and the printer refuses control characters.
    """
    if len(text) > limit:
        return f"is longer than {limit} characters"
    hidden = next((c for c in text if hidden_char(c)), None)
    if hidden is not None:
        return f"holds U+{ord(hidden):04X}, which is not shown as text (one plain line only)"
    return ""


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
        ConfigError: not a text or table, an unknown language, an empty text, a text that is
            not one plain line of at most ``MAX_NAME_CHARS`` (:func:`shown_line_problem`), or
            no text in the default (first) language.
    """
    if isinstance(value, str):
        if problem := shown_line_problem(value, MAX_NAME_CHARS):
            table.fail(name, value, problem)
        return LocalText({lang: value for lang in languages})
    if not isinstance(value, Mapping) or not value:
        table.fail(name, value, 'must be a text or a table like {ja = "…", en = "…"}')
    for lang, text in value.items():
        if lang not in SUPPORTED_LANGUAGES:
            table.fail(f"{name}.{lang}", text, f"unknown language {lang!r}")
        if not isinstance(text, str) or not text.strip():
            table.fail(f"{name}.{lang}", text, "must be a non-empty text")
        if problem := shown_line_problem(text, MAX_NAME_CHARS):
            table.fail(f"{name}.{lang}", text, problem)
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
