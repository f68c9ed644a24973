"""The message catalogues and the QML files agree: same keys, same placeholders, no gaps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from kiosk.i18n.catalog import Catalog, load_catalogs, placeholders
from kiosk.ui.demo_panel import DEMO_CAMERA, DEMO_SCANS, PAPER_STATES
from kiosk.ui.kiosk_view_model import OUT_OF_SERVICE_REASONS, PROBLEM_REASONS
from kiosk.ui.translator import CatalogTranslator
from kiosk.ui.window import QML_DIR

QSTR_RE = re.compile(r"""qsTr\(\s*"([^"]+)"\s*[,)]""")  # qsTr("id") and qsTr("id", "", n)
QSTR_PREFIX_RE = re.compile(r"""qsTr\(\s*"([^"]+)"\s*\+""")


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return load_catalogs(("ja", "en"))


def qml_message_ids() -> dict[str, set[str]]:
    """Literal ``qsTr("id")`` ids per QML file."""
    return {
        path.name: set(QSTR_RE.findall(path.read_text("utf-8")))
        for path in sorted(QML_DIR.glob("*.qml"))
    }


def test_japanese_and_english_catalogues_have_the_same_keys(
    catalogs: dict[str, Catalog],
) -> None:
    ja, en = catalogs["ja"].messages, catalogs["en"].messages
    assert sorted(set(ja) - set(en)) == []
    assert sorted(set(en) - set(ja)) == []


def test_japanese_and_english_texts_use_the_same_placeholders(
    catalogs: dict[str, Catalog],
) -> None:
    ja, en = catalogs["ja"].messages, catalogs["en"].messages
    differing = {
        key: (sorted(placeholders(ja[key])), sorted(placeholders(en[key])))
        for key in ja
        if placeholders(ja[key]) != placeholders(en.get(key, ""))
    }
    assert differing == {}


def test_no_catalogue_text_is_empty(catalogs: dict[str, Catalog]) -> None:
    empty = [
        (lang, key)
        for lang, cat in catalogs.items()
        for key, text in cat.messages.items()
        if not text.strip()
    ]
    assert empty == []


def test_every_qstr_id_in_the_qml_files_exists_in_both_catalogues(
    catalogs: dict[str, Catalog],
) -> None:
    ids = qml_message_ids()
    assert sum(len(found) for found in ids.values()) >= 25  # the regex still finds them
    missing = {
        (name, message_id, lang)
        for name, found in ids.items()
        for message_id in found
        for lang, catalog in catalogs.items()
        if message_id not in catalog.messages
    }
    assert missing == set()


def test_ids_built_at_run_time_exist_in_both_catalogues(catalogs: dict[str, Catalog]) -> None:
    prefixes = {
        prefix
        for path in QML_DIR.glob("*.qml")
        for prefix in QSTR_PREFIX_RE.findall(path.read_text("utf-8"))
    }
    assert prefixes == {"demo.paper.", "demo.scan_", "demo.camera_"}
    dynamic = (
        {f"problem.{reason}" for reason in PROBLEM_REASONS}
        | {"problem.other"}
        | {f"oos.body.{reason}" for reason in OUT_OF_SERVICE_REASONS}
        | {f"demo.paper.{state}" for state in PAPER_STATES}
        | {f"demo.scan_{kind}" for kind in DEMO_SCANS}
        | {f"demo.camera_{kind}" for kind in DEMO_CAMERA}
    )
    for catalog in catalogs.values():
        assert sorted(dynamic - set(catalog.messages)) == []


def test_the_translator_answers_message_ids_and_leaves_qts_own_strings_alone(
    catalogs: dict[str, Catalog],
) -> None:
    translator = CatalogTranslator(catalogs)

    # Word joiners (U+2060) inside each phrase: Qt breaks the line between 「ご用件を」 and
    # 「選んでください」 only (kiosk/i18n/linebreak.py).
    assert translator.translate("HomeScreen", "home.title") == (
        "ご\u2060用\u2060件\u2060を選\u2060ん\u2060で\u2060く\u2060だ\u2060さ\u2060い"
    )
    translator.set_language("en")
    assert translator.translate("HomeScreen", "home.wait") == "about %1 min"
    assert translator.translate("QIODevice", "No such file or directory") == (
        "No such file or directory"
    )
    with pytest.raises(ValueError, match="fr"):
        translator.set_language("fr")


@pytest.mark.qt_log_level_fail("CRITICAL")
def test_a_missing_message_id_is_a_qt_warning_that_fails_the_tests(
    qapp: QApplication, qtlog: Any, catalogs: dict[str, Catalog]
) -> None:
    translator = CatalogTranslator(catalogs)
    qapp.installTranslator(translator)
    try:
        text = QCoreApplication.translate("HomeScreen", "home.no_such_text")
    finally:
        qapp.removeTranslator(translator)

    assert text == "home.no_such_text"  # visible on screen instead of a blank
    warnings = [r.message for r in qtlog.records if "home.no_such_text" in r.message]
    assert warnings == [
        "missing ja text for message id 'home.no_such_text' (QML context HomeScreen)"
    ]


def test_qml_files_hold_no_plain_text_for_people() -> None:
    # A quoted word next to `text:` or `title:` is a string that skipped qsTr().
    plain = {
        (path.name, line.strip())
        for path in QML_DIR.glob("*.qml")
        for line in path.read_text("utf-8").splitlines()
        if re.search(r"""^\s*(text|title):\s*"[^"]*[A-Za-z\u3040-\u30ff\u4e00-\u9fff]""", line)
    }
    assert plain == set()


def test_qml_dir_is_packaged() -> None:
    assert Path(QML_DIR / "Main.qml").is_file()
