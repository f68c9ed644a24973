"""What voice guidance says on each screen, in the language shown (issue 13).

Every word comes from the message catalogues, so a screen is spoken in whatever language it
shows. A screen's speech is a tuple of parts, read in order and joined:

- ``"home.title"``: a catalogue text;
- ``"=checkin_title"``: a fact the screen's view-model already translated (skipped if empty);
- ``"*problem_key"``: a fact that holds a catalogue id (the printer problem's text…);
- ``"#ticket"``: the ticket number, said as "your number is A 12" (``voice.ticket``).

Staff and technicians' screens say nothing: voice guidance is for citizens.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from kiosk.i18n.catalog import Catalog

log = logging.getLogger(__name__)

TICKET_KEY = "voice.ticket"
CALL_STAFF_KEY = "voice.call_staff"

SCREEN_SPEECH: dict[str, tuple[str, ...]] = {
    "home": ("home.title",),
    "printing": ("printing.title", "=ticket_service", "printing.wait"),
    "take_ticket": ("take.title", "#ticket", "=ticket_service"),
    "printer_problem": ("problem.title", "#ticket", "*problem_key"),
    "out_of_service": ("oos.title", "*oos_key", "=opening_now"),
    "checkin_keypad": ("keypad.title", "keypad.hint"),
    "checkin_accepted": ("=checkin_title", "=checkin_body", "=checkin_detail"),
    "checkin_rejected": ("=checkin_title", "=checkin_body", "=checkin_detail"),
    "checkin_unreadable": ("checkin.unreadable.title", "checkin.unreadable.body"),
    "photo_preview": ("photo.preview.title", "*photo_guidance"),  # then each new hint
    "photo_checking": ("photo.checking.title", "photo.checking.body"),
    "photo_result": ("*photo_title", "*photo_body"),
    "photo_receipt": ("photo.receipt.take", "photo.receipt.code_label", "=photo_code"),
    "photo_unavailable": ("photo.unavailable.title", "photo.unavailable.body"),
    "handover_scan": ("handover.scan.title", "handover.scan.body"),
    "handover_pin": ("handover.enter_pin.title", "handover.enter_pin.body"),
    "handover_door": ("=handover_title", "=handover_body"),
    "handover_result": ("=handover_title", "=handover_body"),
}
"""The citizens' screens (``Main.qml`` screen names) and what is said on each."""

# NOTE: the screens' texts carry invisible line-break hints (word joiners, zero-width spaces,
# soft hyphens: kiosk/i18n/linebreak.py); a voice has no use for them.
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_NUMBER_RE = re.compile(r"([A-Za-z]*)[-\s]*0*(\d+)")


def spoken_ticket_number(number: str) -> str:
    """A ticket number as a voice should say it: ``A-012`` -> ``A 12`` (no leading zeros).

    A number of another shape is returned unchanged.
    """
    match = _NUMBER_RE.fullmatch(number.strip())
    if match is None:
        return number
    letters, digits = match.groups()
    return f"{letters} {digits}" if letters else digits


def screen_speech(screen: str, catalog: Catalog, facts: Mapping[str, str]) -> str:
    """What is said when ``screen`` shows (empty: a screen that says nothing)."""
    return compose(SCREEN_SPEECH.get(screen, ()), catalog, facts)


def compose(parts: tuple[str, ...], catalog: Catalog, facts: Mapping[str, str]) -> str:
    """Join the parts (see the module docstring) into one utterance."""
    sentences: list[str] = []
    for part in parts:
        text = _INVISIBLE_RE.sub("", _part(part, catalog, facts)).strip()
        if text:
            sentences.append(text)
    return _join(sentences, catalog.language)


def ticket_sentence(catalog: Catalog, number: str) -> str:
    """ "Your number is A 12." in the catalogue's language."""
    return catalog.text(TICKET_KEY, spoken_ticket_number(number)) if number else ""


def _part(part: str, catalog: Catalog, facts: Mapping[str, str]) -> str:
    if part.startswith("="):
        return facts.get(part[1:], "")
    if part.startswith("*"):
        key = facts.get(part[1:], "")
        return catalog.text(key) if key else ""
    if part == "#ticket":
        return ticket_sentence(catalog, facts.get("ticket_number", ""))
    return catalog.text(part)


_ENDS = ("。", ".", "!", "?", "！", "？", "」", ")", "）")


def _join(sentences: list[str], language: str) -> str:
    # NOTE: titles have no full stop; without one the engine runs the title into the next
    # sentence with no pause.
    stop = "。" if language.startswith(("ja", "zh")) else "."
    space = "" if stop == "。" else " "
    closed = [s if s.endswith(_ENDS) else s + stop for s in sentences]
    return space.join(closed)
