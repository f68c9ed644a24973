"""One word for the passport in each language, on every screen (issue 13).

The ministry's notices for citizens say パスポート (旅券 is the legal term, used in the law and on
forms): the home button said パスポート and the pickup screens 旅券, which read as two things.
"""

from __future__ import annotations

import json
from pathlib import Path

import kiosk.i18n

CATALOGUES = Path(kiosk.i18n.__file__).parent
# language -> (the one term, the other terms that must not appear)
TERMS = {"ja": ("パスポート", ("旅券",)), "en": ("passport", ("travel document",))}


def catalogue(language: str) -> dict[str, str]:
    """The catalogue's messages by key."""
    data: dict[str, str] = json.loads((CATALOGUES / f"{language}.json").read_text("utf-8"))
    return data


def test_no_catalogue_uses_another_word_for_the_passport() -> None:
    found = {
        language: sorted(
            key
            for key, text in catalogue(language).items()
            for other in others
            if other in text.lower()
        )
        for language, (_, others) in TERMS.items()
    }

    assert found == {"ja": [], "en": []}


def test_the_home_button_and_the_pickup_screens_use_the_same_word() -> None:
    used = {
        language: [
            term in catalogue(language)[key].lower()
            for key in (
                "home.handover_button",
                "handover.take_passport.body",
                "handover.wrong_office.body",
            )
        ]
        for language, (term, _) in TERMS.items()
    }

    assert used == {"ja": [True, True, True], "en": [True, True, True]}
