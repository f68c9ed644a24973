"""Message catalogues: ``kiosk/i18n/<lang>.json`` maps message ids to texts.

Placeholders are Qt style (``%1``, ``%2``) so QML's ``qsTr("id").arg(x)`` and Python's
``Catalog.text("id", x)`` read the same catalogue. Japanese is the default language.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from importlib import resources

log = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile(r"%(\d)")


@dataclass(frozen=True)
class Catalog:
    """The texts of one language."""

    language: str
    messages: dict[str, str]

    def text(self, message_id: str, *args: object) -> str:
        """The text for ``message_id`` with ``%1``… replaced by ``args``.

        A missing id is logged and returned as the id itself, so a gap is visible on screen
        and in the logs instead of crashing a citizen's journey.
        """
        template = self.messages.get(message_id)
        if template is None:
            log.warning("missing %s translation for %r", self.language, message_id)
            return message_id
        return PLACEHOLDER_RE.sub(lambda m: _arg(args, int(m.group(1))), template)


def _arg(args: tuple[object, ...], number: int) -> str:
    return str(args[number - 1]) if 0 < number <= len(args) else f"%{number}"


def placeholders(text: str) -> set[str]:
    """The placeholders (``%1``…) used in a text."""
    return set(PLACEHOLDER_RE.findall(text))


def load_catalogs(languages: tuple[str, ...] = ("ja", "en")) -> dict[str, Catalog]:
    """Load the bundled catalogue of each language."""
    catalogs: dict[str, Catalog] = {}
    for language in languages:
        raw = resources.files("kiosk.i18n").joinpath(f"{language}.json").read_text("utf-8")
        catalogs[language] = Catalog(language, dict(json.loads(raw)))
    return catalogs
