"""The languages the kiosk speaks: codes, names in themselves, plural rules, line breaking.

A language exists for the kiosk when it is listed here *and* its catalogue
``kiosk/i18n/<code>.json`` is installed (:func:`kiosk.i18n.catalog.available_languages`): a
catalogue dropped in is picked up with no other change. Japanese is the default and the
reference every other catalogue is checked against.

Plural rules are CLDR's cardinal rules for whole numbers (the only counts the kiosk shows:
people, minutes, attempts, doors). Japanese, Chinese, Korean and Vietnamese have one form;
English and Nepali say "one" for 1 only; Portuguese (Brazil's, the residents' variety) for 0
and 1.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories; a catalogue's plural variants are named by them."""


class Breaks(enum.StrEnum):
    """Where a line of this language may break (:mod:`kiosk.i18n.linebreak`)."""

    PHRASES = "phrases"  # no spaces between words: break between phrases (BudouX)
    WORDS = "words"  # spaces between words, but Qt would break inside one (Hangul): keep-all
    SPACES = "spaces"  # Qt's own rules already break at spaces only


def _one_form(_count: int) -> str:
    return "other"


def _one_for_1(count: int) -> str:
    return "one" if count == 1 else "other"


def _one_for_0_and_1(count: int) -> str:
    return "one" if count in (0, 1) else "other"


@dataclass(frozen=True)
class Language:
    """One language of the screens and the tickets.

    Attributes:
        code: the catalogue's name (``kiosk/i18n/<code>.json``) and the key in config texts.
        native_name: the language named in itself, as the chooser shows it.
        locale: the BCP 47 tag of the written language (fonts, voices, Qt locale).
        plural: CLDR category (``one``, ``other``…) of a whole-number count.
        breaks: how lines of this language break.
        budoux_model: BudouX's model for phrase breaking (``ja``, ``zh-hans``), when it has one.
        reads_as: a language whose config texts (office and service names) serve when this
            one has none (easy Japanese reads the Japanese names); never for catalogue texts.
        font_family: the screen's font for this language (fontconfig family): Chinese and
            Korean need their own glyph forms and Hangul, Vietnamese its stacked accents.
        reads_counts: its texts write readings of counters that change with the number
            (easy Japanese: 1人（ひとり）, 3分（ぷん）), read by :mod:`kiosk.i18n.counters`.
    """

    code: str
    native_name: str
    locale: str
    plural: Callable[[int], str]
    breaks: Breaks = Breaks.SPACES
    budoux_model: str = ""
    reads_as: str = ""
    font_family: str = "IPAPGothic"
    reads_counts: bool = False

    def plural_categories(self) -> frozenset[str]:
        """The categories this language's counts fall into (checked over 0-200)."""
        return frozenset(self.plural(count) for count in range(201))


# NOTE: fonts from bootstrap.sh: IPA P Gothic (fonts-ipafont-gothic) as before for Japanese
# and English; Noto Sans CJK (fonts-noto-cjk) for Chinese, Korean and the Latin of Vietnamese
# and Portuguese; Lohit Devanagari (fonts-lohit-deva) for Nepali.
_NOTO_LATIN = "Noto Sans CJK JP"
LANGUAGES: tuple[Language, ...] = (
    Language("ja", "日本語", "ja-JP", _one_form, Breaks.PHRASES, "ja"),
    Language("en", "English", "en", _one_for_1),
    Language(
        "zh",
        "中文",
        "zh-Hans-CN",
        _one_form,
        Breaks.PHRASES,
        "zh-hans",
        font_family="Noto Sans CJK SC",
    ),
    Language("ko", "한국어", "ko-KR", _one_form, Breaks.WORDS, font_family="Noto Sans CJK KR"),
    Language("vi", "Tiếng Việt", "vi-VN", _one_form, font_family=_NOTO_LATIN),
    Language("pt", "Português", "pt-BR", _one_for_0_and_1, font_family=_NOTO_LATIN),
    Language("ne", "नेपाली", "ne-NP", _one_for_1, font_family="Lohit Devanagari"),
    # NOTE: easy Japanese is written with spaces between phrases (分かち書き), as the guidelines
    # for やさしい日本語 ask, and readings after kanji; its lines break between BudouX's
    # phrases (which the spaces also separate), never between a kanji and its reading.
    Language(
        "ja-easy",
        "やさしい にほんご",
        "ja-JP",
        _one_form,
        Breaks.PHRASES,
        "ja",
        reads_as="ja",
        reads_counts=True,
    ),
)
"""Every language the kiosk knows, in the order the chooser lists them; the first is the default."""

DEFAULT_LANGUAGE = LANGUAGES[0].code
LANGUAGE_CODES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)
_BY_CODE = {language.code: language for language in LANGUAGES}


def language(code: str) -> Language:
    """The language with this code.

    Raises:
        KeyError: the kiosk knows no such language.
    """
    return _BY_CODE[code]
