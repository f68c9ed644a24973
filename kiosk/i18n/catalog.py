"""Message catalogues: ``kiosk/i18n/<lang>.json`` maps message ids to texts.

Placeholders are Qt style (``%1``, ``%2``) so QML's ``qsTr("id").arg(x)`` and Python's
``Catalog.text("id", x)`` read the same catalogue. Japanese is the default language and the
reference: every catalogue has exactly its ids, with the same placeholders in each text.

What Qt's ``.ts``/``.qm`` tooling would give us, and how the catalogue does it:

- **one source for screens and tickets**: QML's ``qsTr("home.title")`` is answered from the
  catalogue by :class:`kiosk.ui.translator.CatalogTranslator`, the printed ticket reads the
  same file; there is no ``lupdate``/``lrelease`` step to forget on the install.
- **plural forms per language** (Qt's numerus forms): a message listed in
  :data:`PLURAL_MESSAGES` takes its count as ``%1``; its plain id is the ``other`` form and
  ``<id>#<category>`` (``handover.pin_wrong.body#one``) each further CLDR category of the
  language (:mod:`kiosk.i18n.languages`). English has ``#one``, Japanese none.
- **counted readings**: easy Japanese's counters that read differently by number (1人（ひとり）,
  3分（ぷん）, 5日（いつか）) are read for the number each placeholder holds
  (:mod:`kiosk.i18n.counters`), which plural categories could not tell apart.
- **placeholders** that must match across languages (``lrelease`` warns; we refuse).
- **no silent fallback**: ``lrelease`` leaves an untranslated text in the source language; a
  catalogue here with a missing or extra id, a different placeholder or a missing plural form
  is refused when loaded (:class:`~kiosk.errors.CatalogError`), so a test fails instead of a
  visitor reading Japanese in the middle of Korean.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TypeGuard

from kiosk.errors import CatalogError
from kiosk.i18n.counters import read_counts
from kiosk.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, PLURAL_CATEGORIES, language

log = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile(r"%(\d)")

PLURAL_MESSAGES = frozenset({"handover.pin_wrong.body", "diag.outbox.depth"})
"""Messages whose wording depends on a count (their ``%1``): one form per plural category."""

_PLURAL_SEPARATOR = "#"


@dataclass(frozen=True)
class Catalog:
    """The texts of one language.

    Attributes:
        language: the language code (``ja``, ``zh``, ``ja-easy``…).
        messages: text per message id (a plural message's ``other`` form).
        plurals: a plural message's further forms, by CLDR category (``{"one": "…"}``).
    """

    language: str
    messages: dict[str, str]
    plurals: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, message_id: str, *args: object) -> str:
        """The text for ``message_id`` with ``%1``… replaced by ``args``.

        A plural message takes the form of its count, ``args[0]``. A missing id is logged and
        returned as the id itself, so a gap is visible on screen and in the logs instead of
        crashing a citizen's journey (a loaded catalogue has every id: see :func:`check`).
        """
        counts = {number: arg for number, arg in enumerate(args, 1) if _is_count(arg)}
        template = self._template(message_id, args[0] if args else None, counts)
        if template is None:
            log.warning("missing %s translation for %r", self.language, message_id)
            return message_id
        return PLACEHOLDER_RE.sub(lambda m: _arg(args, int(m.group(1))), template)

    def template(self, message_id: str, count: object = None) -> str | None:
        """The text with its placeholders, in the plural form of ``count`` (when it is one).

        ``count`` is also the number ``%1`` will hold: easy Japanese reads its counter for it
        (``%1人（ひとり）`` for 1, :mod:`kiosk.i18n.counters`).
        """
        return self._template(message_id, count, {1: count} if _is_count(count) else {})

    def _template(self, message_id: str, count: object, counts: Mapping[int, int]) -> str | None:
        forms = self.plurals.get(message_id)
        text: str | None = None
        if forms and _is_count(count):
            text = forms.get(language(self.language).plural(count))
        if text is None:
            text = self.messages.get(message_id)
        if text is not None and counts and language(self.language).reads_counts:
            text = read_counts(text, counts)
        return text


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _arg(args: tuple[object, ...], number: int) -> str:
    return str(args[number - 1]) if 0 < number <= len(args) else f"%{number}"


def placeholders(text: str) -> set[str]:
    """The placeholders (``%1``…) used in a text."""
    return set(PLACEHOLDER_RE.findall(text))


def _catalogue_file(code: str) -> resources.abc.Traversable:
    return resources.files("kiosk.i18n").joinpath(f"{code}.json")


def available_languages() -> tuple[str, ...]:
    """The known languages whose catalogue is installed, in the chooser's order."""
    return tuple(lang.code for lang in LANGUAGES if _catalogue_file(lang.code).is_file())


def parse_catalog(code: str, data: Mapping[str, object]) -> Catalog:
    """A catalogue from its JSON object (plural forms split off their ``#category`` ids).

    Raises:
        CatalogError: a text that is not a string, or an unknown plural category.
    """
    messages: dict[str, str] = {}
    plurals: dict[str, dict[str, str]] = {}
    for key, text in data.items():
        if not isinstance(text, str):
            raise CatalogError(f"{code}.json: {key!r} is not a text: {text!r}")
        message_id, _, category = key.partition(_PLURAL_SEPARATOR)
        if not category:
            messages[message_id] = text
        elif category in PLURAL_CATEGORIES and category != "other":
            plurals.setdefault(message_id, {})[category] = text
        else:
            raise CatalogError(f"{code}.json: {key!r} names no plural category")
    return Catalog(code, messages, plurals)


def read_catalog(code: str) -> Catalog:
    """The installed catalogue of one language, as it is (see :func:`check`).

    Raises:
        CatalogError: the language is unknown, or its file is missing or not a JSON object.
    """
    try:
        language(code)
    except KeyError:
        raise CatalogError(f"unknown language {code!r}") from None
    path = _catalogue_file(code)
    if not path.is_file():
        raise CatalogError(f"no catalogue for language {code!r} (kiosk/i18n/{code}.json)")
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise CatalogError(f"{code}.json is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{code}.json must hold one JSON object")
    return parse_catalog(code, data)


def problems(catalog: Catalog, reference: Catalog) -> list[str]:
    """What keeps ``catalog`` from matching the reference (Japanese); empty when it does.

    Every id of the reference and no other, the same placeholders in each text (and in each
    plural form), no empty text, and exactly the plural forms the language's rule needs.
    """
    name = f"{catalog.language}.json"
    ids, reference_ids = set(catalog.messages), set(reference.messages)
    found = [f"{name}: missing {key!r}" for key in sorted(reference_ids - ids)]
    found += [f"{name}: unknown {key!r}" for key in sorted(ids - reference_ids)]
    for key, text in sorted(catalog.messages.items()):
        if not text.strip():
            found.append(f"{name}: {key!r} is empty")
        expected = placeholders(reference.messages.get(key, text))
        if placeholders(text) != expected:
            found.append(
                f"{name}: {key!r} has placeholders {sorted(placeholders(text))}, "
                f"Japanese {sorted(expected)}"
            )
    needed = language(catalog.language).plural_categories() - {"other"}
    for key in sorted(PLURAL_MESSAGES | set(catalog.plurals)):
        forms = catalog.plurals.get(key, {})
        if key not in PLURAL_MESSAGES:
            found.append(f"{name}: {key!r} is not a plural message ({sorted(forms)})")
            continue
        if set(forms) != needed:
            found.append(
                f"{name}: {key!r} has plural forms {sorted(forms)}, needs {sorted(needed)}"
            )
        for category, text in forms.items():
            if placeholders(text) != placeholders(reference.messages.get(key, "")):
                found.append(f"{name}: {key}#{category} has other placeholders than {key!r}")
    return found


def check(catalogs: Mapping[str, Catalog]) -> None:
    """Refuse catalogues that differ from the Japanese one (ids, placeholders, plural forms).

    Raises:
        CatalogError: naming every problem found.
    """
    reference = catalogs.get(DEFAULT_LANGUAGE) or read_catalog(DEFAULT_LANGUAGE)
    found = [problem for catalog in catalogs.values() for problem in problems(catalog, reference)]
    if found:
        raise CatalogError("message catalogues do not match: " + "; ".join(found))


def load_catalogs(languages: Iterable[str] | None = ("ja", "en")) -> dict[str, Catalog]:
    """Load and check the bundled catalogue of each language (``None``: every installed one).

    Raises:
        CatalogError: a language is unknown or has no catalogue, or a catalogue is incomplete
            (see :func:`check`).
    """
    codes = tuple(available_languages() if languages is None else languages)
    catalogs = {code: read_catalog(code) for code in codes}
    check(catalogs)
    return catalogs
