"""How easy Japanese reads a counted number: 1人（ひとり）, 3分（ぷん）, 5日（いつか）.

Easy Japanese (やさしい日本語) writes a reading after each kanji, and some counters read
differently with the number before them, which CLDR's plural categories cannot tell apart
(days alone have thirteen readings). So ``ja-easy.json`` writes each counted placeholder with
its usual reading (``%1人（にん）``, ``%1分（ふん）``, ``%2日（にち）``) and
:func:`read_counts` puts the reading of the actual number in its place, once the number is
known: in :meth:`kiosk.i18n.catalog.Catalog.text` (every argument) and for QML's
``qsTr(id, "", n)`` (the count ``n`` is ``%1``).

Only the counters whose own reading changes are read here; a counter read the same after any
number (回（かい）, 秒（びょう）, 時間（じかん）: the number's own reading changes, 4時間 よじかん,
but the ruby is on the counter) is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_PEOPLE = {1: "ひとり", 2: "ふたり"}

# NOTE: 分 reads ぷん after a number ending in 1, 3, 4, 6, 8 or 0 (いっぷん, さんぷん, よんぷん,
# ろっぷん, はっぷん, じゅっぷん, ひゃっぷん), never after 0 itself (ぜろふん).
_MINUTES_PUN_LAST_DIGITS = frozenset({0, 1, 3, 4, 6, 8})

_DAYS = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}


def people_reading(count: int) -> str:
    """The reading of 人 counting ``count`` people: ひとり, ふたり, else にん."""
    return _PEOPLE.get(count, "にん")


def minutes_reading(count: int) -> str:
    """The reading of 分 after ``count`` minutes: ぷん or ふん."""
    return "ぷん" if count != 0 and count % 10 in _MINUTES_PUN_LAST_DIGITS else "ふん"


def day_reading(day: int) -> str:
    """The reading of 日 as the ``day`` of a month: ついたち… とおか, はつか, else にち."""
    return _DAYS.get(day, "にち")


_READINGS: dict[tuple[str, str], Callable[[int], str]] = {
    ("人", "にん"): people_reading,
    ("分", "ふん"): minutes_reading,
    ("日", "にち"): day_reading,
}
"""Each counter as the catalogue writes it (kanji, usual reading) and its reading by number."""

_COUNTED_RE = re.compile(
    "%(\\d)(" + "|".join(f"{kanji}（{reading}）" for kanji, reading in _READINGS) + ")"
)


def read_counts(template: str, counts: Mapping[int, int]) -> str:
    """``template`` with each counter after a placeholder read for that placeholder's number.

    Args:
        template: a text with ``%1``… placeholders (not yet replaced).
        counts: the number each placeholder will hold (``{1: 3}``); a placeholder not given
            keeps the counter's usual reading.
    """

    def read(match: re.Match[str]) -> str:
        count = counts.get(int(match.group(1)))
        if count is None:
            return match.group(0)
        kanji, _, rest = match.group(2).partition("（")
        reading = _READINGS[(kanji, rest.removesuffix("）"))](count)
        return f"%{match.group(1)}{kanji}（{reading}）"

    return _COUNTED_RE.sub(read, template)
