"""What a reader's pass over the eight catalogues found, kept from coming back (issue 13).

The texts were written by three writers and read by none; these are the slips a reader found
that a machine can keep finding: a word said twice once a date is filled in, two words for one
device, a missing reading in easy Japanese, a voice that promised more than the screen.
"""

from __future__ import annotations

import re

import pytest

from kiosk.i18n.catalog import Catalog, available_languages, load_catalogs

KANJI_RUN_RE = re.compile(r"[\u4e00-\u9fff々]+(?:[ぁ-ん]*[\u4e00-\u9fff々]+)*")
DOUBLED_WORD_RE = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return load_catalogs(available_languages())


def test_every_kanji_word_in_easy_japanese_is_followed_by_its_reading(
    catalogs: dict[str, Catalog],
) -> None:
    unread = sorted(
        f"{key}: {match.group()}"
        for key, text in catalogs["ja-easy"].messages.items()
        if key != "language.switch"  # the name of Japanese, written as Japanese writes it
        for match in KANJI_RUN_RE.finditer(text)
        if not text.startswith("（", match.end())
    )

    assert unread == []


def test_the_wrong_day_title_with_its_date_says_no_word_twice_in_any_language(
    catalogs: dict[str, Catalog],
) -> None:
    # Vietnamese said "Lịch hẹn này là ngày ngày 5 tháng 12": the date brings its own "ngày".
    doubled = {}
    for language, catalog in catalogs.items():
        date = catalog.text("checkin.date", catalog.text("checkin.month.12"), 5)
        title = catalog.text("checkin.wrong_day.title", date)
        if DOUBLED_WORD_RE.search(title):
            doubled[language] = title

    assert doubled == {}
    assert catalogs["vi"].text("checkin.wrong_day.title", "ngày 5 tháng 12") == (
        "Lịch hẹn này vào ngày 5 tháng 12"
    )


def test_the_scanner_has_one_name_in_each_language(catalogs: dict[str, Catalog]) -> None:
    other_names = {"ja": ("読み取り部", "読み取り機"), "zh": ("扫码器",), "ko": ("판독기",)}

    found = {
        language: sorted(
            key
            for key, text in catalogs[language].messages.items()
            if any(name in text for name in names)
        )
        for language, names in other_names.items()
    }

    assert found == {"ja": [], "zh": [], "ko": []}


def test_the_pickup_notice_has_one_name_in_japanese(catalogs: dict[str, Catalog]) -> None:
    texts = catalogs["ja"].messages

    assert sorted(k for k, t in texts.items() if "受け取り通知" in t or "受取通知書" in t) == []
    assert texts["handover.scan.title"] == "受取通知のQRコードをかざしてください"


def test_the_call_staff_voice_says_staff_were_called_not_that_they_are_on_the_way(
    catalogs: dict[str, Catalog],
) -> None:
    said = {language: catalogs[language].text("voice.call_staff") for language in catalogs}

    assert said == {
        "ja": "職員を呼びました。このままお待ちください。",
        "en": "Staff have been called. Please wait here.",
        "zh": "已呼叫工作人员。请在此稍候。",
        "ko": "직원을 호출했습니다. 이곳에서 잠시 기다려 주십시오.",
        "vi": "Đã gọi nhân viên. Xin vui lòng chờ ở đây.",
        "pt": "Um funcionário foi chamado. Aguarde aqui, por favor.",
        "ne": "कर्मचारीलाई बोलाइएको छ। कृपया यहीँ पर्खनुहोस्।",
        "ja-easy": "係（かかり）の 人（ひと）を 呼（よ）びました。ここで 待（ま）って ください。",
    }


def test_a_printed_date_and_time_takes_em_in_portuguese_not_as(
    catalogs: dict[str, Catalog],
) -> None:
    pt = catalogs["pt"]

    assert pt.text("ticket.issued_at", "2026-12-05 09:00") == "Emitida em 2026-12-05 09:00"
    assert pt.text("photo.receipt.taken_at", "2026-12-05 09:00") == "Tirada em 2026-12-05 09:00"


def test_the_photo_countdown_says_seconds_where_the_number_stands_alone_otherwise(
    catalogs: dict[str, Catalog],
) -> None:
    assert catalogs["vi"].text("photo.countdown", 3) == "Chụp ảnh sau 3 giây"
    assert catalogs["ne"].text("photo.countdown", 3) == "3 सेकेन्डमा फोटो खिचिनेछ"


def test_the_pin_attempts_left_read_as_a_count_not_a_number_in_korean(
    catalogs: dict[str, Catalog],
) -> None:
    # "1번 더" also reads "number 1 again"; 회 is only ever a count.
    assert catalogs["ko"].text("handover.pin_wrong.body", 1) == (
        "비밀번호가 일치하지 않습니다. 1회 더 입력할 수 있습니다."
    )


def test_the_meeting_place_sits_in_the_nepali_sentence_not_after_a_colon(
    catalogs: dict[str, Catalog],
) -> None:
    ne = catalogs["ne"]

    assert ne.text("checkin.meeting.wait_at", ne.text("checkin.meeting.default_place")) == (
        "कृपया प्रतीक्षा स्थलमा पर्खनुहोस्।"
    )
