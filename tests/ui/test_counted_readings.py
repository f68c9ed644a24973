"""Easy Japanese reads counted numbers right (issue 13, a reviewer's finding): 1人（ひとり）,
2人（ふたり）, 3分（ぷん）, 5日（いつか）, on the screen, the ticket and the diagnostics.

The tables below are written out from the rules of Japanese counters, not computed by the
code under test (kiosk/i18n/counters.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtQuick import QQuickItem
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import kiosk.i18n
from kiosk.config import KioskConfig, parse_config
from kiosk.i18n.catalog import Catalog, load_catalogs
from kiosk.i18n.counters import read_counts
from kiosk.i18n.linebreak import plain
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.translator import CatalogTranslator
from kiosk.ui.window import KioskUi
from tests.ui.conftest import KioskParts, UiFactory
from tests.ui.language_support import every_language_config_data

# 人: ひとり and ふたり for 1 and 2, にん for every other count (0 included: ぜろにん).
PEOPLE = {count: "にん" for count in range(61)} | {1: "ひとり", 2: "ふたり"}

# 分: ぷん after a number ending in 1, 3, 4, 6, 8 or 0 (いっぷん, さんぷん, よんぷん,
# ろっぷん, はっぷん, じゅっぷん, じゅういっぷん…), ふん after 2, 5, 7, 9 (にふん, ごふん…)
# and after 0 itself.
MINUTES_PUN = frozenset(
    {1, 3, 4, 6, 8, 10, 11, 13, 14, 16, 18, 20, 21, 23, 24, 26, 28, 30}
    | {31, 33, 34, 36, 38, 40, 41, 43, 44, 46, 48, 50, 51, 53, 54, 56, 58, 60}
)
MINUTES = {count: "ぷん" if count in MINUTES_PUN else "ふん" for count in range(61)}

# 日 as the day of a month.
DAYS = {day: "にち" for day in range(1, 32)} | {
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

PEOPLE_KEYS = ("ticket.people_ahead", "home.waiting", "card.people_ahead", "checkin.position")
MINUTE_KEYS = ("ticket.wait", "ticket.wait_estimated", "home.wait", "card.wait")
MINUTE_KEYS += ("card.wait_estimated",)

COUNTED_RE = re.compile(r"(?<![%\d])(\d+)(人|分|日)（([^）]+)）")  # a number, not %1


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    """The screen-test config in every installed language (overrides tests/ui/conftest.py)."""
    return parse_config(every_language_config_data(tmp_path / "state"), source="counted")


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return load_catalogs(None)


def counted(text: str, counter: str) -> list[tuple[int, str]]:
    """Each number counted with ``counter`` in ``text``, with the reading written after it."""
    return [(int(n), reading) for n, kanji, reading in COUNTED_RE.findall(text) if kanji == counter]


def test_the_tables_say_what_the_reviewer_said() -> None:
    assert " ".join(MINUTES[n] for n in range(14)) == (
        "ふん ぷん ふん ぷん ぷん ふん ぷん ふん ぷん ふん ぷん ぷん ふん ぷん"
    )
    assert sum(1 for reading in PEOPLE.values() if reading != "にん") == 2
    assert sum(1 for reading in DAYS.values() if reading != "にち") == 13


@pytest.mark.parametrize("key", PEOPLE_KEYS)
def test_easy_japanese_counts_people_as_hitori_futari_then_nin_from_0_to_60(
    catalogs: dict[str, Catalog], key: str
) -> None:
    easy = catalogs["ja-easy"]

    read = {n: counted(easy.text(key, n), "人") for n in range(61)}

    assert read == {n: [(n, PEOPLE[n])] for n in range(61)}
    assert easy.text("home.waiting", 1) == "待（ま）っている 人（ひと） 1人（ひとり）"
    assert easy.text("checkin.position", 2) == "前（まえ）に 2人（ふたり） 待（ま）って います"
    assert (
        easy.text("ticket.people_ahead", 3)
        == "前（まえ）に 待（ま）っている 人（ひと） 3人（にん）"
    )


@pytest.mark.parametrize("key", MINUTE_KEYS)
def test_easy_japanese_reads_minutes_as_pun_or_fun_by_the_last_digit_from_0_to_60(
    catalogs: dict[str, Catalog], key: str
) -> None:
    easy = catalogs["ja-easy"]

    read = {n: counted(easy.text(key, n), "分") for n in range(61)}

    assert read == {n: [(n, MINUTES[n])] for n in range(61)}
    assert easy.text("home.wait", 10) == "だいたい 10分（ぷん）"
    assert easy.text("home.wait", 5) == "だいたい 5分（ふん）"


def test_easy_japanese_durations_read_their_minutes_whichever_placeholder_holds_them(
    catalogs: dict[str, Catalog],
) -> None:
    easy = catalogs["ja-easy"]

    as_minutes = {n: counted(easy.text("diag.duration.minutes", n, 7), "分") for n in range(61)}
    as_hours = {n: counted(easy.text("diag.duration.hours", 2, n), "分") for n in range(61)}

    assert as_minutes == {n: [(n, MINUTES[n])] for n in range(61)}
    assert as_hours == {n: [(n, MINUTES[n])] for n in range(61)}
    assert easy.text("diag.duration.minutes", 1, 7) == "1分（ぷん）7秒（びょう）"
    assert easy.text("diag.duration.hours", 4, 3) == "4時間（じかん）3分（ぷん）"


def test_easy_japanese_reads_each_day_of_a_month_from_the_1st_to_the_31st(
    catalogs: dict[str, Catalog],
) -> None:
    easy = catalogs["ja-easy"]
    december = easy.text("checkin.month.12")

    dates = {day: easy.text("checkin.date", december, day) for day in range(1, 32)}

    assert dates == {day: f"12月（がつ）{day}日（{DAYS[day]}）" for day in range(1, 32)}
    assert dates[1] == "12月（がつ）1日（ついたち）"
    assert dates[20] == "12月（がつ）20日（はつか）"
    assert dates[31] == "12月（がつ）31日（にち）"


def test_qml_lookups_with_n_give_easy_japanese_the_reading_of_n(qapp: QApplication) -> None:
    translator = CatalogTranslator(load_catalogs(("ja", "ja-easy")), "ja-easy", line_breaks=False)
    qapp.installTranslator(translator)
    try:
        waiting = {
            n: QCoreApplication.translate("HomeScreen", "home.waiting", None, n) for n in range(61)
        }
        wait = {
            n: QCoreApplication.translate("HomeScreen", "home.wait", None, n) for n in range(61)
        }
        card = QCoreApplication.translate("TicketNumberBlock", "card.wait_estimated", None, 1)
        without_n = QCoreApplication.translate("HomeScreen", "home.waiting")
    finally:
        qapp.removeTranslator(translator)

    assert waiting == {n: f"待（ま）っている 人（ひと） %1人（{PEOPLE[n]}）" for n in range(61)}
    assert wait == {n: f"だいたい %1分（{MINUTES[n]}）" for n in range(61)}
    assert card == "待（ま）つ 時間（じかん） だいたい %1分（ぷん）（目安（めやす））"
    assert without_n == "待（ま）っている 人（ひと） %1人（にん）"


def test_other_languages_are_not_read_for_counts(catalogs: dict[str, Catalog]) -> None:
    assert catalogs["ja"].text("home.waiting", 1) == "お待ち 1人"
    assert catalogs["ja"].text("home.wait", 1) == "約1分"
    assert catalogs["ja"].text("checkin.date", "12月", 1) == "12月1日"
    assert catalogs["en"].text("home.waiting", 1) == "1 waiting"
    assert catalogs["zh"].text("checkin.date", "12月", 1) == "12月1日"
    # The step alone would read them: only the language's flag turns it on.
    assert read_counts("%1分（ふん）", {1: 1}) == "%1分（ぷん）"


def test_counts_written_out_in_the_easy_japanese_catalogue_are_read_right() -> None:
    raw = json.loads((Path(kiosk.i18n.__file__).parent / "ja-easy.json").read_text("utf-8"))
    tables = {"人": PEOPLE, "分": MINUTES, "日": DAYS}

    written = [
        (key, int(n), kanji, reading)
        for key, text in raw.items()
        for n, kanji, reading in COUNTED_RE.findall(text)
    ]

    assert written  # 10分（ぷん）, 1人（ひとり）… in the demo and photo texts
    assert [w for w in written if tables[w[2]].get(w[1]) != w[3]] == []


def _texts(item: QQuickItem) -> list[str]:
    text = item.property("text")
    found = [plain(text)] if isinstance(text, str) and item.isVisible() else []
    for child in item.childItems():
        found.extend(_texts(child))
    return found


def _screen_texts(ui: KioskUi) -> list[str]:
    return [text for text in _texts(ui.window.contentItem()) if text]


def test_the_easy_japanese_screens_and_ticket_say_one_person_as_hitori(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts
) -> None:
    ui = make_ui()
    vm = ui.view_model
    vm.setLanguage("ja-easy")
    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=10_000)
    vm.done()

    vm.setLanguage("ja-easy")
    assert "待（ま）っている 人（ひと） 1人（ひとり）" in _screen_texts(ui)
    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=10_000)
    [_, second] = parts.printer_sim.wait_for_tickets(2, timeout=5)

    assert "前（まえ）に 待（ま）っている 人（ひと） 1人（ひとり）" in _screen_texts(ui)
    assert "前（まえ）に 待（ま）っている 人（ひと） 1人（ひとり）" in second.lines
    vm.done()
