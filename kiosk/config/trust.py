"""``[trust]``: the public keys the kiosk trusts, one table per purpose (kiosk.core.trust)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta

from kiosk.config.schema import Section, Table, convert
from kiosk.core.trust import KeyPurpose, TrustedKey, TrustError, check_key, check_one_purpose

KID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True)
class TrustConfig:
    """The public keys the kiosk trusts, one list per purpose (``[trust]``, kiosk.core.trust).

    Attributes:
        lists: purpose -> ``kid`` -> key. A key appears under one purpose only.
        issued: when the central server issued these lists (None: unknown).
        max_age_days: lists older than this are reported as degraded health.
    """

    lists: Mapping[KeyPurpose, Mapping[str, TrustedKey]] = field(default_factory=dict)
    issued: datetime | None = None
    max_age_days: float = 30.0

    def keys(self, purpose: KeyPurpose) -> Mapping[str, TrustedKey]:
        """The keys of one purpose (empty when none are configured)."""
        return self.lists.get(purpose, {})


class _TrustTable(Section):
    issued: str = ""
    max_age_days: Annotated[float, Meta(ge=1, le=3650)] = 30.0


class _RetiringKey(Section):
    key: str
    until: str


def parse_trust(table: Table, *, demo: bool) -> TrustConfig:
    """``[trust]``: one table of keys per purpose, plus when the lists were issued.

    A key is ``kid = "base64url"`` or ``kid = { key = "base64url", until = "RFC 3339" }``
    (a retiring key, trusted until then: the rotation's overlap window). Only ``kiosk demo``'s
    own configuration (``demo``) may trust the public demo keys.
    """
    purposes = {purpose.value for purpose in KeyPurpose}
    plain = Table(
        table.prefix, table.source, {k: v for k, v in table.data.items() if k not in purposes}
    )
    section = convert(plain, _TrustTable)
    lists: dict[KeyPurpose, dict[str, TrustedKey]] = {}
    for purpose in KeyPurpose:
        keys_table = table.sub(purpose.value)
        keys: dict[str, TrustedKey] = {}
        for kid, raw in keys_table.data.items():
            keys[kid] = _key(keys_table, kid, raw, purpose, demo=demo)
        if keys:
            lists[purpose] = keys
    try:
        check_one_purpose(lists)
    except TrustError as exc:
        table.fail("", "…", str(exc))
    return TrustConfig(
        lists=lists,
        issued=rfc3339(plain, "issued", section.issued),
        max_age_days=section.max_age_days,
    )


def _key(table: Table, kid: str, raw: Any, purpose: KeyPurpose, *, demo: bool) -> TrustedKey:
    if not KID_RE.fullmatch(kid):
        table.fail(kid, raw, "a key id may hold only A-Z, a-z, 0-9, '.', '_', ':', '-'")
    if isinstance(raw, str):
        key = TrustedKey(kid, raw.strip())
    elif isinstance(raw, Mapping):
        entry = table.sub(kid)
        retiring = convert(entry, _RetiringKey)
        until = rfc3339(entry, "until", retiring.until)
        if until is None:
            entry.fail("until", retiring.until, "must be an RFC 3339 time with an offset")
        key = TrustedKey(kid, retiring.key.strip(), until)
    else:
        table.fail(kid, raw, 'must be "base64url key" or { key = "…", until = "…" }')
    try:
        check_key(key, purpose, allow_demo=demo)
    except TrustError as exc:
        table.fail(kid, raw, str(exc))
    return key


def rfc3339(table: Table, name: str, text: str) -> datetime | None:
    """An RFC 3339 time with an offset (``Z`` or ``+09:00``); None for an empty text.

    Raises:
        ConfigError: not such a time.
    """
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        table.fail(name, text, "must be an RFC 3339 time with an offset")
    if value.tzinfo is None:
        table.fail(name, text, "must be an RFC 3339 time with an offset")
    return value
