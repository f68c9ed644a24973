"""A small valid kiosk config for tests (three services, the simulator printer, offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, parse_config


def config_data(state_dir: Path) -> dict[str, Any]:
    """The TOML document as a dict; tests change what they need before parsing."""
    return {
        "kiosk": {
            "id": "test-kiosk-1",
            "office": "chuo",
            "office_name": {"ja": "中央区役所", "en": "Chuo City Office"},
            "timezone": "Asia/Tokyo",
            "state_dir": str(state_dir),
        },
        "ui": {"languages": ["ja", "en"], "fullscreen": False},
        "tickets": {
            "reset_time": "03:00",
            "number_format": "{prefix}-{number:03d}",
            "status_url": "https://queue.example.jp/{office}/t/{ticket_id}",
        },
        "services": [
            {
                "id": "certificates",
                "prefix": "A",
                "name": {"ja": "住民票・証明書", "en": "Residence certificates"},
                "average_service_min": 4,
            },
            {
                "id": "insurance",
                "prefix": "B",
                "name": {"ja": "保険・年金", "en": "Insurance and pension"},
                "average_service_min": 10,
            },
            {
                "id": "childcare",
                "prefix": "C",
                "name": {"ja": "子育て支援", "en": "Childcare support"},
                "average_service_min": 12,
            },
        ],
        "printer": {"url": "sim://", "text_mode": "kanji", "status_timeout_s": 0.5},
        "mqtt": {"broker": ""},
    }


def make_config(state_dir: Path, **sections: dict[str, Any]) -> KioskConfig:
    """A validated config; ``sections`` are merged into the named tables."""
    data = config_data(state_dir)
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return parse_config(data, source="tests/kiosk_config.py")
