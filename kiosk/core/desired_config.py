"""Configuration the central server wants: ``config/desired`` -> verify -> apply -> report.

DESIGN §5; docs/security.md. The retained ``kiosk/v1/{id}/config/desired`` holds a compact
JWS (``alg`` pinned to EdDSA, ``kid`` header) signed with a key of ``[trust.config]``, whose
claims are::

    {"aud": "<kiosk id>", "version": N, "iat": T, "exp": T2,
     "config": {"services": [...], "ui": {...}, "tickets": {...}, "checkin": {...},
                "trust": {...}}}

It changes the kiosk only if the signature verifies with a config key, ``aud`` is this
kiosk, ``iat``/``exp`` are finite and current, ``version`` is a whole number from 1 to
``MAX_VERSION`` above the version in force, and the configuration is valid. Anything else
is refused with a ``config.rejected`` event and a ``config/reported`` body that says why;
nothing changes, and a refused message never moves the version: ordering is against the
last *applied* version, so a refused version 2**62 blocks nothing.

``config`` holds only what may change remotely (never the kiosk id, the state folder, the
broker, ``tickets.status_hosts`` or the config keys themselves): each version is the whole
remote part, merged into the configuration *file's* document (``services`` replaces the
list, tables replace the keys they name) and validated by the same ``parse_config``. Key
rotation for booking, pickup, staff and command keys travels in ``config.trust``; the
config keys rotate only in the file (the root of trust stays on the kiosk's disk).

* A valid version is handed to the app's ``ConfigApplier``; when that returns, the version
  is recorded as applied (table ``config_version``) with a ``config.applied`` event in one
  transaction, and the configuration in force is the new one.
* A signed version that is invalid, or that the applier refuses, is recorded as rejected
  (so its repetition is only reported again); an unsigned or badly signed payload is not
  recorded at all (a forger must not burn version numbers) and its event is telemetry.
* After a restart, ``config`` is the file merged with the last applied *signed* version
  again; a version applied before desired configs were signed is not trusted.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, parse_config
from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.jws import JwsError, verify
from kiosk.core.trust import TrustList
from kiosk.errors import KioskError
from kiosk.store.config_versions import ConfigVersionRepository, ConfigVersionState
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox, Priority, rfc3339

log = logging.getLogger(__name__)

REMOTE_SECTIONS: tuple[str, ...] = ("services", "ui", "tickets", "checkin", "trust")
"""Top-level sections the server may set; each is an attribute of ``KioskConfig``."""

FILE_ONLY_KEYS: frozenset[tuple[str, str]] = frozenset(
    {("tickets", "status_hosts"), ("trust", "config")}
)
"""Keys inside remote sections that only the file may set (they bound what the server can)."""

MAX_BYTES = 64 * 1024
"""The largest desired config accepted: the example broker's ``message_size_limit``."""

MAX_VERSION = 2**31 - 1
"""The highest version accepted; far above any real count, far below SQLite's limit."""

CLOCK_SKEW_S = 300.0
"""Allowance for the kiosk's and the server's clocks disagreeing (``iat`` in the future)."""

MAX_LIFETIME_S = 400 * 24 * 3600.0
"""A desired config valid longer than this (``exp - iat``) is refused.

NOTE: a retained config must outlive the longest offline spell of a kiosk; the server
re-signs it (same version, same config, new ``exp``) before it expires."""

ConfigApplier = Callable[[KioskConfig, frozenset[str]], None]
"""``apply(new_config, changed_sections)``: make the running kiosk use ``new_config``.

Called on the link's worker thread. Raise a ``KioskError`` (e.g. ``ConfigError``) to
refuse: the version is then rejected with that message and the old config stays."""

ConfigReporter = Callable[[dict[str, Any]], None]
"""Publishes the retained ``config/reported`` body (the link's ``report_config``)."""


@dataclass(frozen=True)
class DesiredOutcome:
    """What ``handle_payload`` did.

    Attributes:
        version: the version, when the payload was signed and had a valid one.
        state: ``applied``, ``rejected``, ``repeated`` (handled before: only reported
            again) or ``ignored`` (empty payload: the retained message was cleared).
        error: why it was rejected.
        changed: the sections that changed when applied.
    """

    version: int | None
    state: str
    error: str | None = None
    changed: frozenset[str] = frozenset()


class _RejectedError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Signed:
    """A desired config whose signature, audience and version checked out."""

    kid: str
    version: int
    iat: float
    exp: float
    config: dict[str, Any]

    @property
    def document(self) -> dict[str, Any]:
        """What is stored: enough to merge it again after a restart, and who signed it."""
        return {"version": self.version, "kid": self.kid, "config": self.config}


class DesiredConfigService:
    """Applies each signed version of the server's desired configuration once and reports it.

    Args:
        file_document: the configuration file as read (``read_config_document``).
        db: the kiosk database (table ``config_version``).
        outbox: for the ``config.applied`` / ``config.rejected`` events.
        clock: the time source.
        kiosk_id: this kiosk's id; a desired config's ``aud`` must equal it.
        keys: the ``[trust.config]`` keys (default: built from the file's config).
        apply: the app's applier; None accepts every valid version without doing anything
            beyond ``config`` (for a kiosk whose services read ``config`` at use).
        source: names the file in error messages.
        base_dir: the file's folder (relative paths in the file are relative to it).
        sections: the sections the server may set.
        demo: the file is ``kiosk demo``'s (only it may trust the public demo keys).

    Raises:
        ConfigError: the file document itself is invalid.
    """

    def __init__(
        self,
        *,
        file_document: Mapping[str, Any],
        db: Database,
        outbox: Outbox,
        clock: Clock,
        kiosk_id: str | None = None,
        keys: TrustList | None = None,
        apply: ConfigApplier | None = None,
        source: str = "<memory>",
        base_dir: Path | None = None,
        sections: tuple[str, ...] = REMOTE_SECTIONS,
        demo: bool = False,
    ):
        from kiosk.core.trust import KeyPurpose, trust_list

        self._file_document = copy.deepcopy(dict(file_document))
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._apply = apply
        self._source = source
        self._base_dir = base_dir
        self._sections = sections
        self._demo = demo
        self._repo = ConfigVersionRepository(db)
        self._reporter: ConfigReporter | None = None
        self._lock = threading.RLock()
        self._config = parse_config(
            self._file_document, source=source, base_dir=base_dir, demo=demo
        )
        # NOTE: the hosts a remote status_url may name are the FILE's, also when the file
        # lets them default to its own status_url's host (else a remote URL brings its own).
        self._status_hosts = list(self._config.tickets.status_hosts)
        self._kiosk_id = kiosk_id or self._config.kiosk_id
        self._keys = keys or trust_list(self._config.trust, KeyPurpose.CONFIG, allow_demo=demo)
        if not self._keys.kids:
            log.warning("no [trust.config] keys: every desired configuration will be refused")
        self._active_version = 0
        applied = self._repo.latest_applied()
        if applied is not None:
            self._restore(applied.version, applied.document)

    def _restore(self, version: int, document: Mapping[str, Any]) -> None:
        config = document.get("config")
        if not isinstance(config, dict) or not document.get("kid"):
            # NOTE: applied before desired configs were signed: anyone on the broker could
            # have written it, so it is not put back in force.
            log.error("applied desired config v%d was not signed; using the file alone", version)
            return
        try:
            self._config = self._merged(version, config)
            self._active_version = version
        except _RejectedError as exc:
            # NOTE: the file changed under an applied version; the file wins, and the
            # server sees active_version 0 and can send a new version.
            log.error(
                "applied desired config v%d no longer fits the file (%s); using the file",
                version,
                exc.message,
            )

    @property
    def config(self) -> KioskConfig:
        """The configuration in force: the file merged with the last applied version."""
        with self._lock:
            return self._config

    @property
    def active_version(self) -> int:
        """The desired version in force (0: the file alone)."""
        with self._lock:
            return self._active_version

    def set_applier(self, apply: ConfigApplier) -> None:
        """Set (or replace) the app's applier."""
        with self._lock:
            self._apply = apply

    def set_reporter(self, reporter: ConfigReporter) -> None:
        """Publish ``config/reported`` through ``reporter`` from now on; the last report
        (from before a restart) is handed to it at once."""
        with self._lock:
            self._reporter = reporter
            body = self.reported()
        if body is not None:
            reporter(body)

    def reported(self) -> dict[str, Any] | None:
        """The ``config/reported`` body for the latest signed version received, or None."""
        latest = self._repo.latest()
        if latest is None:
            return None
        return self._report_body(latest.version, latest.state.value, latest.detail)

    def handle_payload(self, payload: bytes) -> DesiredOutcome:
        """Handle one ``config/desired`` payload (the link's worker thread calls this)."""
        if not payload.strip():
            log.info("desired config cleared on the broker; the config in force stays")
            return DesiredOutcome(None, "ignored")
        with self._lock:
            return self._handle(payload)

    def _handle(self, payload: bytes) -> DesiredOutcome:
        now_s = self._clock.now().timestamp()
        try:
            signed = self._verified(payload, now_s)
        except _RejectedError as exc:
            return self._reject_unverified(exc.message)
        version = signed.version
        seen = self._repo.get(version)
        if seen is not None:
            if seen.document.get("config") != signed.config:
                return self._reject(
                    signed, f"version {version} was already used for another configuration"
                )
            log.info("desired config v%d was %s before; reporting it again", version, seen.state)
            self._report(self._report_body(version, seen.state.value, seen.detail))
            return DesiredOutcome(version, "repeated", seen.detail or None)
        try:
            self._check_time(signed, now_s)
        except _RejectedError as exc:
            return self._reject(signed, exc.message)
        if version <= self._active_version:
            return self._reject(
                signed, f"version {version} is not above version {self._active_version} in force"
            )
        try:
            new_config = self._merged(version, signed.config)
            changed = frozenset(
                s for s in self._sections if getattr(new_config, s) != getattr(self._config, s)
            )
            if self._apply is not None:
                self._apply(new_config, changed)
        except _RejectedError as exc:
            return self._reject(signed, exc.message)
        except KioskError as exc:
            return self._reject(signed, f"the kiosk could not apply it: {exc}")
        with self._db.transaction() as tx:
            self._repo.record(
                tx,
                version,
                rfc3339(self._clock.now()),
                ConfigVersionState.APPLIED,
                "",
                signed.document,
            )
            self._outbox.append(
                tx,
                events.AUDIT,
                events.CONFIG_APPLIED,
                {"version": version, "kid": signed.kid, "changed": sorted(changed)},
            )
        self._config = new_config
        self._active_version = version
        log.info("desired config v%d applied (changed: %s)", version, sorted(changed) or "none")
        self._report(self._report_body(version, ConfigVersionState.APPLIED.value, ""))
        return DesiredOutcome(version, ConfigVersionState.APPLIED.value, None, changed)

    def _verified(self, payload: bytes, now_s: float) -> _Signed:
        """Signature, audience and version; raises ``_RejectedError`` saying what is wrong."""
        try:
            token = payload.decode("ascii").strip()
        except UnicodeDecodeError:
            raise _RejectedError("unsigned: not a compact JWS (not ASCII)") from None
        if not token.startswith("eyJ") or token.count(".") != 2:
            raise _RejectedError("unsigned: a desired config must be a compact JWS")
        try:
            verified = verify(token, self._keys.keys(self._clock.now()), max_length=MAX_BYTES)
        except JwsError as exc:
            raise _RejectedError(f"{exc.reason}: {exc}") from None
        claims = verified.claims
        aud = claims.get("aud")
        if aud != self._kiosk_id:
            raise _RejectedError(f"wrong_aud: addressed to {aud!r:.80}, not {self._kiosk_id!r}")
        version = claims.get("version")
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not 1 <= version <= MAX_VERSION
        ):
            raise _RejectedError(f"bad_version: must be a whole number 1..{MAX_VERSION}")
        iat, exp = claims.get("iat"), claims.get("exp")
        for name, value in (("iat", iat), ("exp", exp)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise _RejectedError(f"bad_claims: {name} must be a finite NumericDate")
        config = claims.get("config")
        if not isinstance(config, dict):
            raise _RejectedError("bad_claims: config must be a JSON object")
        assert isinstance(iat, int | float) and isinstance(exp, int | float)
        return _Signed(verified.kid, version, float(iat), float(exp), config)

    def _check_time(self, signed: _Signed, now_s: float) -> None:
        if signed.iat > now_s + CLOCK_SKEW_S:
            raise _RejectedError(f"iat_in_future: issued {signed.iat - now_s:.0f} s ahead")
        if signed.exp <= signed.iat:
            raise _RejectedError("bad_claims: exp is not after iat")
        if signed.exp - signed.iat > MAX_LIFETIME_S:
            raise _RejectedError(f"lifetime_too_long: more than {MAX_LIFETIME_S:.0f} s")
        if now_s > signed.exp + CLOCK_SKEW_S:
            raise _RejectedError(f"expired: {now_s - signed.exp:.0f} s ago")

    def _merged(self, version: int, document: Mapping[str, Any]) -> KioskConfig:
        unknown = sorted(set(document) - set(self._sections))
        if unknown:
            raise _RejectedError(f"may not set {unknown} remotely (only {list(self._sections)})")
        merged = copy.deepcopy(self._file_document)
        for section in self._sections:
            if section not in document:
                continue
            value = document[section]
            if isinstance(merged.get(section), dict) or section == "trust":
                if not isinstance(value, dict):
                    raise _RejectedError(f"{section} must be a table (JSON object)")
                for key in value:
                    if (section, key) in FILE_ONLY_KEYS:
                        raise _RejectedError(f"{section}.{key} is set in the file only")
                merged[section] = {**merged.get(section, {}), **copy.deepcopy(value)}
            else:
                merged[section] = copy.deepcopy(value)
        merged.setdefault("tickets", {})["status_hosts"] = list(self._status_hosts)
        try:
            return parse_config(
                merged,
                source=f"config/desired v{version}",
                base_dir=self._base_dir,
                demo=self._demo,
            )
        except KioskError as exc:
            raise _RejectedError(str(exc)) from None

    def _reject_unverified(self, error: str) -> DesiredOutcome:
        """A payload that is not a signed config for us: reported, never recorded."""
        log.warning("desired config refused: %s", error)
        with self._db.transaction() as tx:
            self._outbox.append(
                tx,
                events.AUDIT,
                events.CONFIG_REJECTED,
                {"version": None, "error": error[:500]},
                priority=Priority.TELEMETRY,
            )
        self._report(self._report_body(None, ConfigVersionState.REJECTED.value, error[:500]))
        return DesiredOutcome(None, ConfigVersionState.REJECTED.value, error)

    def _reject(self, signed: _Signed, error: str) -> DesiredOutcome:
        version = signed.version
        log.warning("desired config v%s rejected: %s", version, error)
        with self._db.transaction() as tx:
            if self._repo.get(version) is None:
                self._repo.record(
                    tx,
                    version,
                    rfc3339(self._clock.now()),
                    ConfigVersionState.REJECTED,
                    error,
                    signed.document,
                )
            self._outbox.append(
                tx,
                events.AUDIT,
                events.CONFIG_REJECTED,
                {"version": version, "kid": signed.kid, "error": error[:500]},
            )
        self._report(self._report_body(version, ConfigVersionState.REJECTED.value, error))
        return DesiredOutcome(version, ConfigVersionState.REJECTED.value, error)

    def _report_body(self, version: int | None, state: str, error: str) -> dict[str, Any]:
        body: dict[str, Any] = {"version": version, "state": state}
        if state == ConfigVersionState.REJECTED.value:
            body["error"] = error
        body["active_version"] = self._active_version
        return body

    def _report(self, body: dict[str, Any]) -> None:
        reporter = self._reporter
        if reporter is None:
            return
        try:
            reporter(body)
        except Exception:
            log.exception("config/reported could not be handed to the link")


__all__ = [
    "FILE_ONLY_KEYS",
    "MAX_VERSION",
    "REMOTE_SECTIONS",
    "ConfigApplier",
    "ConfigReporter",
    "DesiredConfigService",
    "DesiredOutcome",
]
