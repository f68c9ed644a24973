"""What voice guidance says: the texts from the catalogues, the ticket number as spoken."""

from __future__ import annotations

import pytest

from kiosk.core.voice import SCREEN_SPEECH, screen_speech, spoken_ticket_number
from kiosk.i18n.catalog import load_catalogs

CATALOGS = load_catalogs(("ja", "en"))


@pytest.mark.parametrize(
    ("number", "spoken"),
    [("A-012", "A 12"), ("A012", "A 12"), ("B7", "B 7"), ("0042", "42"), ("A-000", "A 0")],
)
def test_a_ticket_number_is_said_without_leading_zeros(number: str, spoken: str) -> None:
    assert spoken_ticket_number(number) == spoken


def test_a_number_of_another_shape_is_said_as_it_is() -> None:
    assert spoken_ticket_number("受付-3") == "受付-3"


def test_the_printer_problem_screen_says_the_number_and_the_problem_in_english() -> None:
    facts = {"ticket_number": "A-012", "problem_key": "problem.paper_out"}

    text = screen_speech("printer_problem", CATALOGS["en"], facts)

    assert text == (
        "Your ticket could not be printed. Your number is A 12. "
        + CATALOGS["en"].text("problem.paper_out")
    )


def test_a_result_the_view_model_translated_is_said_as_it_is_and_empty_facts_are_skipped() -> None:
    facts = {"checkin_title": "受付しました", "checkin_body": "お掛けになってお待ちください。"}

    text = screen_speech("checkin_accepted", CATALOGS["ja"], facts)

    assert text == "受付しました。お掛けになってお待ちください。"


def test_staff_and_technician_screens_say_nothing() -> None:
    for screen in ("handover_staff", "handover_cases", "diagnostics", "diagnostics_sign_in"):
        assert screen_speech(screen, CATALOGS["ja"], {}) == ""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_catalogue_text_a_screen_says_exists_in_every_catalogue(language: str) -> None:
    keys = {part for parts in SCREEN_SPEECH.values() for part in parts if part[0] not in "=*#"} | {
        "voice.ticket",
        "voice.call_staff",
    }

    missing = sorted(k for k in keys if k not in CATALOGS[language].messages)

    assert missing == []


def test_line_break_hints_in_a_screen_text_are_not_spoken() -> None:
    facts = {"ticket_service": "住\u2060民\u2060票\u200b・証\u2060明\u2060書"}

    text = screen_speech("printing", CATALOGS["ja"], facts)

    assert text == "整理券を発券しています。住民票・証明書。しばらくお待ちください。"
