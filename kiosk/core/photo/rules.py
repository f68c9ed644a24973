"""Photo rule sets as data: one JSON file per rule set in ``rulesets/``, each rule with its source.

A rule set file holds the print size and a ``rules`` table; every rule names its allowed range
(``min`` and/or ``max``) with a unit and the document it comes from. Thresholds that no
standard gives a number for (exposure, sharpness…) say ``lobby-kiosk default`` in their source,
so a reviewer sees what is law and what is our engineering choice. A rule with
``"review": true`` cannot be decided by the machine and is shown to a person. A rule with
``"person_checked": true`` (every review rule by default) has a person's last word: staff
signed in at the kiosk may approve a photo whose only problems are on such rules (a head
covering worn for religious or medical reasons, allowed by the Ministry on application;
kiosk/core/photo/review.py). A machine-checked rule is never waived.

The loader refuses unknown rule names, ranges the wrong way round, and print geometry that
cannot add up (Japan: 45 mm = top margin + crown-to-chin + chin-to-bottom must be possible
within the three ranges).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)

MM_PER_INCH = 25.4

# Every rule the checks know how to measure; a rule set may use any subset.
KNOWN_RULES = frozenset(
    {
        "photo_aspect",
        "face_count",
        "head_height_mm",
        "head_height_ratio",
        "top_margin_mm",
        "bottom_margin_mm",
        "side_margin_mm",
        "centre_offset_ratio",
        "roll_deg",
        "eye_distance_px",
        "eyes_visible",
        "eyes_open",
        "lens_glare",
        "lens_tint",
        "background_uniformity",
        "background_luminance",
        "exposure",
        "lighting_balance",
        "sharpness",
        "head_covering",
    }
)


@dataclass(frozen=True)
class Rule:
    """One rule: the allowed range of a measured value.

    Attributes:
        name: the rule's id (``head_height_mm``).
        low: the smallest allowed value, None for no lower bound.
        high: the largest allowed value, None for no upper bound.
        unit: unit of the measured value, for people.
        source: where the rule comes from (document and clause, or ``lobby-kiosk default``).
        review: True when a person decides (the machine cannot measure it).
        person_checked: True when staff may waive it (see the module docs).
    """

    name: str
    low: float | None
    high: float | None
    unit: str
    source: str
    review: bool = False
    person_checked: bool = False

    def allows(self, value: float) -> bool:
        """True when ``value`` lies inside the range (bounds included)."""
        if math.isnan(value):
            return False
        if self.low is not None and value < self.low:
            return False
        return not (self.high is not None and value > self.high)

    def describe_range(self) -> str:
        """The range as people read it: ``32–36 mm``, ``≥ 2 mm``, ``≤ 0.15``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.review:
            return "checked by a person"
        if self.low is not None and self.high is not None:
            if self.low == self.high:
                return f"{_num(self.low)}{unit}"
            return f"{_num(self.low)}–{_num(self.high)}{unit}"
        if self.low is not None:
            return f"≥ {_num(self.low)}{unit}"
        if self.high is not None:
            return f"≤ {_num(self.high)}{unit}"
        return "any"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (events, ``kiosk photo check --json``)."""
        return {"min": self.low, "max": self.high, "unit": self.unit, "source": self.source}


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class PrintSize:
    """The printed photograph.

    Attributes:
        width_mm: print width.
        height_mm: print height.
        dpi: print resolution of the crop (600).
    """

    width_mm: float
    height_mm: float
    dpi: int

    @property
    def width_px(self) -> int:
        """Crop width in pixels at :attr:`dpi`."""
        return round(self.width_mm / MM_PER_INCH * self.dpi)

    @property
    def height_px(self) -> int:
        """Crop height in pixels at :attr:`dpi`."""
        return round(self.height_mm / MM_PER_INCH * self.dpi)


@dataclass(frozen=True)
class RuleSet:
    """A named set of rules a photograph must meet.

    Attributes:
        id: ``jp-passport``, ``icao``.
        title: for people.
        source: the document the set follows.
        print_size: the print size the crop produces.
        rules: the rules by name, in file order.
    """

    id: str
    title: str
    source: str
    print_size: PrintSize
    rules: dict[str, Rule]

    def get(self, name: str) -> Rule | None:
        """The rule called ``name``, or None when this set has no such rule."""
        return self.rules.get(name)


def _number(raw: Any, where: str, key: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ConfigError(key, raw, "expected a finite number", source=where)
    return float(raw)


def parse_rule_set(data: Any, *, where: str = "rule set") -> RuleSet:
    """Build a :class:`RuleSet` from the decoded JSON of a rule set file.

    Raises:
        ConfigError: a missing or malformed field, an unknown rule, a range the wrong way
            round, or margins that cannot add up to the print height.
    """
    if not isinstance(data, dict):
        raise ConfigError("rule set", type(data).__name__, "expected a JSON object", source=where)
    try:
        set_id = str(data["id"])
        title = str(data["title"])
        source = str(data["source"])
        print_raw = data["print"]
        rules_raw = data["rules"]
    except KeyError as exc:
        raise ConfigError(str(exc.args[0]), None, "missing", source=where) from None
    if not isinstance(rules_raw, dict) or not isinstance(print_raw, dict):
        raise ConfigError("rules", rules_raw, "expected objects for print and rules", source=where)
    width = _number(print_raw.get("width_mm"), where, "print.width_mm")
    height = _number(print_raw.get("height_mm"), where, "print.height_mm")
    dpi = _number(print_raw.get("dpi", 600), where, "print.dpi")
    if width is None or height is None or dpi is None or min(width, height, dpi) <= 0:
        raise ConfigError(
            "print", print_raw, "width_mm, height_mm and dpi must be > 0", source=where
        )
    rules: dict[str, Rule] = {}
    for name, spec in rules_raw.items():
        if name not in KNOWN_RULES:
            raise ConfigError(f"rules.{name}", spec, "unknown rule", source=where)
        if not isinstance(spec, dict):
            raise ConfigError(f"rules.{name}", spec, "expected an object", source=where)
        low = _number(spec.get("min"), where, f"rules.{name}.min")
        high = _number(spec.get("max"), where, f"rules.{name}.max")
        review = bool(spec.get("review", False))
        if low is not None and high is not None and low > high:
            raise ConfigError(f"rules.{name}", spec, "min is above max", source=where)
        if low is None and high is None and not review:
            raise ConfigError(f"rules.{name}", spec, "needs min, max or review", source=where)
        if not spec.get("source"):
            raise ConfigError(
                f"rules.{name}.source", None, "every rule names its source", source=where
            )
        person_checked = bool(spec.get("person_checked", review))
        unit, source = str(spec.get("unit", "")), str(spec["source"])
        rules[name] = Rule(name, low, high, unit, source, review, person_checked)
    rule_set = RuleSet(set_id, title, source, PrintSize(width, height, int(dpi)), rules)
    check_geometry(rule_set, where=where)
    return rule_set


def check_geometry(rule_set: RuleSet, *, where: str = "rule set") -> None:
    """Refuse a rule set whose margins and head height cannot add up to the print height.

    With top margin ``t``, crown-to-chin ``h`` and chin-to-bottom ``b`` each in its range,
    ``t + h + b`` must be able to equal the print height.

    Raises:
        ConfigError: the print height lies outside ``[sum of minima, sum of maxima]``.
    """
    parts = [rule_set.get(n) for n in ("top_margin_mm", "head_height_mm", "bottom_margin_mm")]
    if any(p is None for p in parts):
        return
    lows = [p.low for p in parts if p is not None]
    highs = [p.high for p in parts if p is not None]
    if None in lows or None in highs:
        raise ConfigError(
            "rules", rule_set.id, "margins and head height need both min and max", source=where
        )
    low_sum = sum(v for v in lows if v is not None)
    high_sum = sum(v for v in highs if v is not None)
    height = rule_set.print_size.height_mm
    if not low_sum <= height <= high_sum:
        raise ConfigError(
            "print.height_mm",
            height,
            f"top margin + head height + bottom margin can only be {low_sum:g}–{high_sum:g} mm",
            source=where,
        )


def available_rule_sets() -> list[str]:
    """The ids of the rule sets that ship with the kiosk."""
    folder = resources.files("kiosk.core.photo").joinpath("rulesets")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_rule_set(name_or_path: str | Path) -> RuleSet:
    """Load a shipped rule set by id (``jp-passport``, ``icao``) or a rule set file by path.

    Raises:
        ConfigError: no such rule set, unreadable or invalid file.
    """
    text_name = str(name_or_path)
    if isinstance(name_or_path, Path) or text_name.endswith(".json"):
        path = Path(name_or_path)
        where = str(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ConfigError("rules", where, f"cannot be read: {exc}") from None
    else:
        folder = resources.files("kiosk.core.photo").joinpath("rulesets")
        entry = folder.joinpath(f"{text_name}.json")
        where = f"rulesets/{text_name}.json"
        if not entry.is_file():
            known = ", ".join(available_rule_sets())
            raise ConfigError("rules", text_name, f"no such rule set; known: {known}")
        text = entry.read_text("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("rules", where, f"not valid JSON: {exc}") from None
    rule_set = parse_rule_set(data, where=where)
    logger.debug(
        "photo rule set %s loaded from %s (%d rules)", rule_set.id, where, len(rule_set.rules)
    )
    return rule_set
