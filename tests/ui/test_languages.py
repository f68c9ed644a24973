"""Eight languages (issue 13): catalogues that match Japanese exactly, plural forms per
language, the chooser a foreign visitor finds, reset when the kiosk goes idle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import kiosk.i18n
from kiosk.config import KioskConfig, parse_config
from kiosk.errors import CatalogError
from kiosk.i18n.catalog import (
    PLURAL_MESSAGES,
    Catalog,
    available_languages,
    check,
    load_catalogs,
    parse_catalog,
    placeholders,
    problems,
    read_catalog,
)
from kiosk.i18n.languages import LANGUAGE_CODES, LANGUAGES, language
from kiosk.i18n.linebreak import plain
from kiosk.ui.kiosk_view_model import Screen
from kiosk.ui.translator import CatalogTranslator
from kiosk.ui.window import KioskUi
from tests.ui.conftest import KioskParts, UiFactory, ui_config_data
from tests.ui.language_support import every_language_config_data
from tests.ui.screen_support import find_item, item_text, tap

CATALOGUES = Path(kiosk.i18n.__file__).parent


def language_chooser(ui: KioskUi) -> QObject:
    """The chooser (a Popup: a QObject of the window, its items on the window's overlay)."""
    chooser = ui.window.findChild(QObject, "languageChooser")
    assert chooser is not None
    return chooser


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    """The screen-test config in every installed language (overrides tests/ui/conftest.py)."""
    return parse_config(every_language_config_data(tmp_path / "state"), source="test_languages")


def test_the_kiosk_knows_eight_languages_each_named_in_itself() -> None:
    assert LANGUAGE_CODES == ("ja", "en", "zh", "ko", "vi", "pt", "ne", "ja-easy")
    assert [lang.native_name for lang in LANGUAGES] == [
        "日本語",
        "English",
        "中文",
        "한국어",
        "Tiếng Việt",
        "Português",
        "नेपाली",
        "やさしい にほんご",
    ]


def test_every_language_has_a_catalogue_and_every_catalogue_a_language() -> None:
    assert available_languages() == LANGUAGE_CODES
    assert LANGUAGE_CODES == ("ja", "en", "zh", "ko", "vi", "pt", "ne", "ja-easy")
    assert sorted(path.stem for path in CATALOGUES.glob("*.json")) == sorted(LANGUAGE_CODES)


def test_every_installed_catalogue_has_every_japanese_key_with_the_same_placeholders() -> None:
    catalogs = load_catalogs(None)  # raises CatalogError naming every difference
    reference = catalogs["ja"]

    assert set(catalogs) == set(available_languages())
    for catalog in catalogs.values():
        assert problems(catalog, reference) == []
        assert set(catalog.messages) == set(reference.messages)
        differing = [
            key
            for key, text in catalog.messages.items()
            if placeholders(text) != placeholders(reference.messages[key])
        ]
        assert differing == []


def test_a_catalogue_missing_a_key_is_refused_instead_of_falling_back_to_japanese() -> None:
    ja = read_catalog("ja")
    zh = read_catalog("zh")
    messages = dict(zh.messages)
    del messages["home.title"]
    gappy = Catalog("zh", messages, zh.plurals)

    assert problems(gappy, ja) == ["zh.json: missing 'home.title'"]
    with pytest.raises(CatalogError, match=r"zh\.json: missing 'home\.title'"):
        check({"ja": ja, "zh": gappy})


def test_a_catalogue_with_other_placeholders_or_an_extra_key_is_refused() -> None:
    ja = read_catalog("ja")
    ko = read_catalog("ko")
    messages = dict(ko.messages) | {"home.wait": "약 분", "home.extra": "더"}

    assert problems(Catalog("ko", messages), ja) == [
        "ko.json: unknown 'home.extra'",
        "ko.json: 'home.wait' has placeholders [], Japanese ['1']",
    ]


def test_plural_forms_follow_each_languages_rule() -> None:
    catalogs = load_catalogs(None)
    en, ja = catalogs["en"], catalogs["ja"]

    assert en.text("handover.pin_wrong.body", 1) == "The PIN does not match. 1 attempt left."
    assert en.text("handover.pin_wrong.body", 2) == "The PIN does not match. 2 attempts left."
    assert en.text("diag.outbox.depth", 1) == "1 event"
    assert en.text("diag.outbox.depth", 0) == "0 events"
    assert ja.text("handover.pin_wrong.body", 1) == "暗証番号が一致しません。あと1回入力できます。"
    # CLDR: Portuguese says "one" for 0 and 1, Nepali and English for 1, the others never.
    assert [language("pt").plural(n) for n in (0, 1, 2)] == ["one", "one", "other"]
    assert [language("ne").plural(n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert {code: sorted(language(code).plural_categories()) for code in LANGUAGE_CODES} == {
        "ja": ["other"],
        "en": ["one", "other"],
        "zh": ["other"],
        "ko": ["other"],
        "vi": ["other"],
        "pt": ["one", "other"],
        "ne": ["one", "other"],
        "ja-easy": ["other"],
    }
    assert {"handover.pin_wrong.body", "diag.outbox.depth"} == PLURAL_MESSAGES


def test_a_missing_or_needless_plural_form_is_refused() -> None:
    ja = read_catalog("ja")
    raw = json.loads((CATALOGUES / "en.json").read_text("utf-8"))
    del raw["diag.outbox.depth#one"]
    assert problems(parse_catalog("en", raw), ja) == [
        "en.json: 'diag.outbox.depth' has plural forms [], needs ['one']"
    ]
    raw_ja = json.loads((CATALOGUES / "ja.json").read_text("utf-8"))
    raw_ja["diag.outbox.depth#one"] = "%1件"
    assert problems(parse_catalog("ja", raw_ja), ja) == [
        "ja.json: 'diag.outbox.depth' has plural forms ['one'], needs []"
    ]
    with pytest.raises(CatalogError, match="names no plural category"):
        parse_catalog("en", {"home.title#single": "x"})


def test_qml_plural_lookups_pick_the_form_of_n(qapp: QApplication) -> None:
    translator = CatalogTranslator(load_catalogs(("ja", "en")), "en")
    qapp.installTranslator(translator)
    try:
        one = QCoreApplication.translate("HandoverPinScreen", "handover.pin_wrong.body", None, 1)
        two = QCoreApplication.translate("HandoverPinScreen", "handover.pin_wrong.body", None, 2)
    finally:
        qapp.removeTranslator(translator)

    assert (one, two) == (
        "The PIN does not match. %1 attempt left.",
        "The PIN does not match. %1 attempts left.",
    )


def test_without_a_languages_key_the_config_offers_every_installed_language(
    tmp_path: Path,
) -> None:
    data = ui_config_data(tmp_path)
    del data["ui"]["languages"]

    config = parse_config(data, source="test")

    assert config.ui.languages == available_languages()
    assert config.ui.languages[0] == "ja"


def test_office_and_service_names_come_from_config_in_each_language(tmp_path: Path) -> None:
    config = parse_config(every_language_config_data(tmp_path), source="test")
    plain_config = parse_config(ui_config_data(tmp_path), source="test")

    assert config.office_name.get("zh") == "中央区政府"
    assert config.service("pension").name.get("ko") == "보험・연금"
    assert config.service("pension").name.get("ja-easy") == "保険（ほけん）・年金（ねんきん）"
    # Names a config does not give: easy Japanese reads the Japanese one, others English.
    assert plain_config.office_name.get("ja-easy") == "中央区役所"
    assert plain_config.office_name.get("zh") == "Chuo City Office"


def test_a_foreign_visitor_finds_the_chooser_and_reads_the_kiosk_in_their_language(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    ui = make_ui()
    vm = ui.view_model
    catalogs = load_catalogs(None)
    chooser = language_chooser(ui)
    assert item_text(ui, "languageButton") == "言語 / Language"
    assert chooser.property("visible") is False

    tap(qtbot, ui, "languageButton")
    qtbot.waitUntil(lambda: chooser.property("opened") is True)

    names = {code: item_text(ui, f"language_{code}") for code in available_languages()}
    assert names == {code: language(code).native_name for code in available_languages()}
    fonts = {
        code: find_item(ui, f"language_{code}").property("font").family()
        for code in available_languages()
    }
    assert fonts["zh"] == "Noto Sans CJK SC"
    assert fonts["ko"] == "Noto Sans CJK KR"

    tap(qtbot, ui, "language_ko")
    qtbot.waitUntil(lambda: chooser.property("visible") is False)

    assert vm.current_language == "ko"
    assert (
        item_text(ui, "homeTitle")
        == catalogs["ko"].messages["home.title"]
        == ("용건을 선택해 주십시오")
    )
    assert item_text(ui, "officeName") == "주오구청"
    assert ui.window.property("font").family() == "Noto Sans CJK KR"
    assert plain(str(ui.services.row_of("pension")["name"])) == "보험・연금"


def test_the_chosen_language_holds_for_the_session_and_the_idle_return_resets_it(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    ui = make_ui(inactivity_s=0.5)
    vm = ui.view_model
    chooser = language_chooser(ui)
    tap(qtbot, ui, "languageButton")
    qtbot.waitUntil(lambda: chooser.property("opened") is True)
    tap(qtbot, ui, "language_zh")
    assert vm.current_language == "zh"
    tap(qtbot, ui, "languageButton")  # opened again and left open: the visitor walked away
    qtbot.waitUntil(lambda: chooser.property("opened") is True)

    qtbot.waitUntil(lambda: vm.current_language == "ja", timeout=5000)

    qtbot.waitUntil(lambda: chooser.property("visible") is False)
    assert vm.current_screen is Screen.HOME
    assert item_text(ui, "homeTitle") == "ご用件を選んでください"
    assert ui.window.property("font").family() == "IPAPGothic"


def test_a_ticket_issued_in_chinese_stays_chinese_until_the_journey_ends(
    qtbot: QtBot, make_ui: UiFactory
) -> None:
    ui = make_ui()
    vm = ui.view_model
    vm.setLanguage("zh")

    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=10_000)

    assert item_text(ui, "ticketService") == "住民票・证明书"
    assert vm.current_language == "zh"
    vm.done()
    assert vm.current_language == "ja"  # the next person starts in Japanese


@pytest.mark.parametrize(
    ("language", "drawn_lines"),
    [
        ("ja", 0),
        ("en", 0),
        ("zh", 7),
        ("ko", 7),
        ("ne", 7),
        ("vi", None),
        ("pt", None),
        ("ja-easy", 0),
    ],
)
def test_a_ticket_taken_in_a_language_is_printed_in_it_with_a_japanese_line_for_staff(
    qtbot: QtBot, make_ui: UiFactory, parts: KioskParts, language: str, drawn_lines: int | None
) -> None:
    ui = make_ui()
    vm = ui.view_model
    vm.setLanguage(language)

    vm.requestTicket("certificates")
    qtbot.waitUntil(lambda: vm.current_screen is Screen.TAKE_TICKET, timeout=10_000)
    [ticket] = parts.printer_sim.wait_for_tickets(1, timeout=5)

    staff_line = "職員用: 住民票・証明書 A-001"
    assert (staff_line in ticket.lines) is (language not in ("ja", "ja-easy"))
    # The office, the service, the issue time, people ahead, the wait and the two footer
    # lines are drawn where the printer's Kanji ROM has no glyphs for the script.
    if drawn_lines is None:  # Vietnamese, Portuguese: the lines with a letter outside Shift_JIS
        assert len(ticket.raster) > 0
    else:
        assert len(ticket.raster) == drawn_lines
    if language == "ja-easy":
        assert "住民票（じゅうみんひょう）・証明書（しょうめいしょ）" in ticket.lines
    vm.done()
