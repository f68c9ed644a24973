"""Line breaks that read naturally: Japanese and Chinese break between phrases, not anywhere.

Qt follows Unicode's line breaking (UAX #14), which lets a line break between any two kanji or
kana, and between any two Hangul syllables: 「ご用件を選ん／でください」, 「QRコー／ド」. We mark
where a line must *not* break by putting WORD JOINER (U+2060, invisible, zero width) between the
characters of each phrase; between phrases we add nothing, so Qt's own rules still decide there,
and they keep the kinsoku rules (no line starts with 。、」ー or a small kana, none ends with
「（).

- ``ja``, ``zh``: phrases from BudouX, its ``ja`` and ``zh-hans`` models
  (「ご用件を｜選んでください」).
- easy Japanese: BudouX's phrases too, each kanji's reading （よみ） kept with its kanji, and
  the spaces written between its phrases.
- ``ko``: words are written with spaces between them, so each word is kept whole (Korean's
  "keep-all"), and lines break at the spaces.
- Latin and Devanagari scripts: Qt already breaks at spaces only; the text is left as it is.

A phrase wider than its label still breaks (QML's ``Text.Wrap`` falls back to breaking
anywhere), so nothing is ever cut off.

Placeholders (``%1``) are never split, so ``qsTr(id).arg(x)`` keeps working on marked text.
"""

from __future__ import annotations

import functools
import logging
import re

import budoux

from kiosk.i18n.languages import Breaks, language

log = logging.getLogger(__name__)

WORD_JOINER = "\u2060"
ZERO_WIDTH_SPACE = "\u200b"
BREAK_CONTROLS = (WORD_JOINER, ZERO_WIDTH_SPACE)
_ATOM_RE = re.compile(r"%\d|.", re.DOTALL)
_SPACE_RE = re.compile(r"(\s+)")
# A kanji's reading in easy Japanese: 番号（ばんごう）
_READING_RE = re.compile(r"（[\u3041-\u309f\u30a0-\u30ffー]+）")


@functools.cache
def _parser(model: str) -> budoux.Parser:
    if model == "ja":
        return budoux.load_default_japanese_parser()
    if model == "zh-hans":
        return budoux.load_default_simplified_chinese_parser()
    raise ValueError(f"no BudouX model {model!r}")


def plain(text: str) -> str:
    """``text`` without the break controls this module adds (what a person reads)."""
    return text.replace(WORD_JOINER, "").replace(ZERO_WIDTH_SPACE, "")


def _join(chunk: str) -> str:
    """A chunk whose characters may not be parted by a line break (spaces still may)."""
    atoms = _ATOM_RE.findall(chunk)
    out: list[str] = []
    for atom in atoms:
        if out and not out[-1].isspace() and not atom.isspace():
            out.append(WORD_JOINER)
        out.append(atom)
    return "".join(out)


def segments(text: str, code: str) -> list[str]:
    """The units of ``text`` that a line break may not part, in order (joined: ``text``).

    Phrases for ``ja``/``zh``, space-separated words (with their spaces) for ``ko`` and easy
    Japanese, the whole text for languages Qt already breaks well.
    """
    lang = language(code)
    if not text:
        return []
    if lang.breaks is Breaks.PHRASES:
        # NOTE: a newline is a segment of its own (BudouX would glue it to a phrase).
        parser = _parser(lang.budoux_model)
        return [
            chunk
            for part in re.split(r"(\n)", text)
            if part
            for chunk in ([part] if part == "\n" else _phrases(part, parser))
        ]
    if lang.breaks is Breaks.WORDS:
        return [part for part in _SPACE_RE.split(text) if part]
    return [text]


def _phrases(text: str, parser: budoux.Parser) -> list[str]:
    """BudouX's phrases of ``text``, each kanji's reading kept with it: 「番号（ばんごう）を」.

    NOTE: BudouX reads 「住民票（じゅう｜みんひょう）」 as if the reading were running text,
    so the phrases are found on the text without its readings and the cuts mapped back.
    """
    kept: list[int] = []  # where each character of the text without readings came from
    position = 0
    for match in _READING_RE.finditer(text):
        kept.extend(range(position, match.start()))
        position = match.end()
    kept.extend(range(position, len(text)))
    base = "".join(text[index] for index in kept)
    cuts: list[int] = []
    offset = 0
    for chunk in parser.parse(base):
        offset += len(chunk)
        if offset < len(base):
            cuts.append(kept[offset])
    # A line may also end after a middle dot between two words: 「住民票・｜証明書」.
    cuts.extend(match.end() for match in re.finditer("・", text) if 0 < match.end() < len(text))
    cuts = sorted(set(cuts))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


@functools.lru_cache(maxsize=4096)
def phrased(text: str, code: str) -> str:
    """``text`` with word joiners inside each phrase or word, for a label of language ``code``.

    Languages that Qt breaks well come back unchanged; so does text already marked.
    """
    lang = language(code)
    if lang.breaks is Breaks.SPACES or not text or WORD_JOINER in text:
        return text
    if lang.breaks is Breaks.WORDS:
        return "".join(_join(part) for part in _SPACE_RE.split(text))
    return "".join(_join(part) for part in segments(text, code))


def allowed_breaks(text: str, code: str) -> frozenset[int]:
    """Offsets in the plain ``text`` where a line may start: between its segments, after a
    space, and at the start; what a screenshot test compares Qt's lines with."""
    offsets = {0}
    position = 0
    for part in segments(text, code):
        position += len(part)
        offsets.add(position)
    offsets.update(match.end() for match in re.finditer(r"[\s\-/–—]+", text))
    return frozenset(offsets)
