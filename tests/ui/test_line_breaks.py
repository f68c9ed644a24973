"""Line breaks that read naturally (issue 13): Qt broke Japanese anywhere,
「ご用件を選ん／でください」; with word joiners inside each phrase it breaks between phrases,
Chinese between words and Korean between words."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QTextOption

from kiosk.i18n.linebreak import WORD_JOINER, phrased, plain, segments
from tests.ui.line_breaks import _line_starts

WRAP = QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere


def lines(text: str, width_chars: float, family: str = "IPAPGothic") -> list[str]:
    """``text`` laid out by Qt in a box ``width_chars`` full-width characters wide."""
    font = QFont(family)
    font.setPixelSize(30)
    width = QFontMetricsF(font).horizontalAdvance("あ") * width_chars
    starts = _line_starts(text, font, width, WRAP)
    return [plain(text[a:b]) for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def test_qt_alone_splits_a_japanese_phrase_and_the_joiners_keep_it_whole(
    qapp: QGuiApplication,
) -> None:
    raw = "ご用件を選んでください"

    assert lines(raw, 7.5) == ["ご用件を選んで", "ください"]  # what visitors saw
    assert lines(phrased(raw, "ja"), 7.5) == ["ご用件を", "選んでください"]


def test_the_issues_other_splits_are_gone(qapp: QGuiApplication) -> None:
    assert lines("この画面を窓口でお見せください。", 6.5) == [
        "この画面を窓",
        "口でお見せく",
        "ださい。",
    ]
    assert lines(phrased("この画面を窓口でお見せください。", "ja"), 6.5) == [
        "この画面を",
        "窓口でお見せ",
        "ください。",
    ]
    assert lines("3 秒後に撮影します", 5.5) == ["3 秒後に撮", "影します"]
    assert lines(phrased("3 秒後に撮影します", "ja"), 5.5) == ["3 秒後に", "撮影します"]
    assert lines("QRコードをかざしてください", 8.5) == ["QRコードをかざし", "てください"]
    assert lines(phrased("QRコードをかざしてください", "ja"), 8.5) == [
        "QRコードを",
        "かざしてください",
    ]


def test_kinsoku_still_holds_no_line_starts_with_a_full_stop_or_ends_with_an_opening_bracket(
    qapp: QGuiApplication,
) -> None:
    text = phrased("窓口へお越しください。「決定」を押してください。", "ja")
    for width in (3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5):
        shown = lines(text, width)
        assert not any(line.startswith(("。", "」", "、")) for line in shown[1:]), shown
        assert not any(line.endswith("「") for line in shown[:-1]), shown


def test_korean_breaks_between_words_not_inside_one(qapp: QGuiApplication) -> None:
    marked = phrased("번호표를 받아 주십시오", "ko")

    assert marked == "번⁠호⁠표⁠를 받⁠아 주⁠십⁠시⁠오".replace("⁠", WORD_JOINER)
    assert lines(marked, 4.5, "Noto Sans CJK KR") == ["번호표를 ", "받아 ", "주십시오"]


def test_chinese_breaks_between_words(qapp: QGuiApplication) -> None:
    text = "请选择您要办理的业务"

    assert segments(text, "zh") == ["请", "选择", "您", "要", "办理", "的", "业务"]
    assert lines(text, 3.5, "Noto Sans CJK SC") == ["请选择", "您要办", "理的业", "务"]
    assert lines(phrased(text, "zh"), 3.5, "Noto Sans CJK SC") == [
        "请选择",
        "您要",
        "办理的",
        "业务",
    ]


def test_placeholders_survive_so_qml_can_still_fill_them() -> None:
    marked = phrased("約%1分", "ja")

    assert "%1" in marked
    assert marked.replace("%1", "15") == f"約{WORD_JOINER}15{WORD_JOINER}分"
    assert phrased("about %1 min", "en") == "about %1 min"  # Qt already breaks English well


def test_easy_japanese_keeps_each_reading_with_its_kanji() -> None:
    # BudouX alone cut 「住民票（じゅう｜みんひょう）」 and 「入｜（い）れて」.
    assert segments("住民票（じゅうみんひょう）・証明書（しょうめいしょ）", "ja-easy") == [
        "住民票（じゅうみんひょう）・",
        "証明書（しょうめいしょ）",
    ]
    assert segments("予約（よやく）の 番号（ばんごう）を 入（い）れて ください", "ja-easy") == [
        "予約（よやく）の",
        " 番号（ばんごう）を",
        " 入（い）れて",
        " ください",
    ]
