"""A screen-test config in every installed language, with office and service names in each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.i18n.catalog import available_languages
from tests.ui.conftest import ui_config_data

OFFICE_NAMES = {
    "ja": "中央区役所",
    "en": "Chuo City Office",
    "zh": "中央区政府",
    "ko": "주오구청",
    "vi": "Ủy ban quận Chuo",
    "pt": "Prefeitura de Chuo",
    "ne": "चुओ वडा कार्यालय",
    "ja-easy": "中央区役所（ちゅうおうくやくしょ）",
}
SERVICE_NAMES = {
    "certificates": {
        "ja": "住民票・証明書",
        "en": "Certificates",
        "zh": "住民票・证明书",
        "ko": "주민표・증명서",
        "vi": "Giấy chứng nhận cư trú",
        "pt": "Atestados e certidões",
        "ne": "प्रमाणपत्रहरू",
        "ja-easy": "住民票（じゅうみんひょう）・証明書（しょうめいしょ）",
    },
    "pension": {
        "ja": "保険・年金",
        "en": "Insurance and pension",
        "zh": "保险・养老金",
        "ko": "보험・연금",
        "vi": "Bảo hiểm và lương hưu",
        "pt": "Seguro e aposentadoria",
        "ne": "बीमा र निवृत्तिभरण",
        "ja-easy": "保険（ほけん）・年金（ねんきん）",
    },
    "childcare": {
        "ja": "子育て支援",
        "en": "Childcare support",
        "zh": "育儿支援",
        "ko": "육아 지원",
        "vi": "Hỗ trợ nuôi con",
        "pt": "Apoio à criação dos filhos",
        "ne": "बाल हेरचाह सहयोग",
        "ja-easy": "子育（こそだ）ての 手伝（てつだ）い",
    },
}


def every_language_config_data(state_dir: Path) -> dict[str, Any]:
    """:func:`ui_config_data` with every installed language and names in each."""
    data = ui_config_data(state_dir)
    data["ui"]["languages"] = list(available_languages())
    data["kiosk"]["office_name"] = dict(OFFICE_NAMES)
    for service in data["services"]:
        service["name"] = dict(SERVICE_NAMES[service["id"]])
    return data
