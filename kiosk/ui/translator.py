"""QML translations from our own message catalogues (``kiosk/i18n/<lang>.json``).

QML writes ``qsTr("home.title")``: the *source text* is our message id. This translator looks
the id up in the catalogue of the current language, so the screen and the printed ticket read
one catalogue and there are no ``.ts``/``.qm`` files to keep in step. ``qsTr(id, "", n)`` picks
the plural form of ``n`` (Qt's numerus forms: :data:`kiosk.i18n.catalog.PLURAL_MESSAGES`)
and, in easy Japanese, the reading of a counter after ``%1`` for ``n`` (``%1人（ひとり）`` for
1: :mod:`kiosk.i18n.counters`); so a counted text is looked up with its count,
``qsTr("home.waiting", "", n).arg(n)``.

Texts come back with word joiners inside each phrase (:func:`kiosk.i18n.linebreak.phrased`),
so Qt breaks Japanese and Chinese lines between phrases and Korean between words.
"""

# ruff: noqa: N802 - Qt and QML names are camelCase

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QObject, QTranslator, qWarning

from kiosk.i18n.catalog import Catalog
from kiosk.i18n.linebreak import phrased

log = logging.getLogger(__name__)

MESSAGE_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
"""What our message ids look like (``home.title``); Qt's own strings never do."""


class CatalogTranslator(QTranslator):
    """A ``QTranslator`` that answers message ids from the current language's catalogue.

    Args:
        catalogs: one catalogue per language, the first is the default.
        language: the language to start with (the first catalogue's when empty).
        parent: Qt parent.
        line_breaks: mark phrases with word joiners (see :mod:`kiosk.i18n.linebreak`).
    """

    def __init__(
        self,
        catalogs: dict[str, Catalog],
        language: str = "",
        parent: QObject | None = None,
        *,
        line_breaks: bool = True,
    ) -> None:
        super().__init__(parent)
        self._line_breaks = line_breaks
        if not catalogs:
            raise ValueError("CatalogTranslator needs at least one catalogue")
        self._catalogs = dict(catalogs)
        self._language = language or next(iter(self._catalogs))
        self._missing_reported: set[tuple[str, str]] = set()
        self.set_language(self._language)

    @property
    def current_language(self) -> str:
        """The language texts are looked up in."""
        return self._language

    def set_language(self, language: str) -> None:
        """Look texts up in ``language`` from now on (call ``engine.retranslate()`` after).

        Raises:
            ValueError: no catalogue for ``language``.
        """
        if language not in self._catalogs:
            raise ValueError(f"no catalogue for language {language!r}")
        self._language = language

    def isEmpty(self) -> bool:
        """Never empty: Qt then sends ``LanguageChange`` when it is installed."""
        return False

    def translate(
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str:
        """The catalogue text for a message id; any other text is returned unchanged.

        Qt asks every installed translator for its own strings too (``QIODevice`` errors…);
        only texts that look like our message ids are looked up, and a missing one is logged
        (and shown as its id, so the gap is visible).
        """
        if not source_text or not MESSAGE_ID_RE.match(source_text):
            # NOTE: returned unchanged rather than None (= "not mine"): Qt's own strings stay
            # as they are. Install a Qt translator *after* this one to translate them.
            return source_text
        text = self._catalogs[self._language].template(source_text, n if n >= 0 else None)
        if text is None:
            key = (self._language, source_text)
            if key not in self._missing_reported:
                self._missing_reported.add(key)
                message = (
                    f"missing {self._language} text for message id {source_text!r} "
                    f"(QML context {context})"
                )
                log.warning("%s", message)
                # NOTE: also a Qt warning, so pytest-qt's qt_log_level_fail catches the gap.
                qWarning(message)
            return source_text
        return phrased(text, self._language) if self._line_breaks else text
