"""Configuration the central server wants: ``config/desired`` -> validate -> apply -> report.

DESIGN §5, issue 3 G4. The retained ``kiosk/v1/{id}/config/desired`` holds
``{"version": N, "services": [...], "ui": {...}, "tickets": {...}}``: only the sections
that may change remotely (never the kiosk id, the state folder or the broker). Each
version is the *whole* remote part: it is merged into the configuration *file's* document
(``services`` replaces the list, ``ui`` and ``tickets`` replace the keys they name) and
validated by the same ``parse_config`` as the file.

* A valid version is handed to the app's ``ConfigApplier``; when that returns, the version
  is recorded as applied (table ``config_version``) with a ``config.applied`` event in one
  transaction, and the configuration in force is the new one.
* An invalid version, or one the applier refuses, is recorded as rejected with a
  ``config.rejected`` event; the configuration in force does not change.
* Each version is handled once: the retained message arriving again after a reconnect
  or a restart is only reported again.
* The retained ``config/reported`` says ``{"version": N, "state": "applied"|"rejected",
  "error": "…" (rejected only), "active_version": M}`` (M = the version in force, 0 for
  the file alone).
* After a restart, ``config`` is the file merged with the last applied version again.

Desired configuration that arrived while the kiosk was offline is retained by the broker
and arrives right after the next connection's SUBACK.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, parse_config
from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.errors import KioskError
from kiosk.store.config_versions import ConfigVersionRepository, ConfigVersionState
from kiosk.store.database import Database
from kiosk.store.outbox import Outbox, rfc3339

log = logging.getLogger(__name__)

# checkin: the trusted booking-token keys rotate through here (DESIGN §4).
REMOTE_SECTIONS: tuple[str, ...] = ("services", "ui", "tickets", "checkin")
"""Top-level sections the server may set; each is an attribute of ``KioskConfig``."""

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
        version: the version, when the payload had a valid one.
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


class DesiredConfigService:
    """Applies each version of the server's desired configuration once and reports it.

    Args:
        file_document: the configuration file as read (``read_config_document``).
        db: the kiosk database (table ``config_version``).
        outbox: for the ``config.applied`` / ``config.rejected`` events.
        clock: the time source.
        apply: the app's applier; None accepts every valid version without doing anything
            beyond ``config`` (for a kiosk whose services read ``config`` at use).
        source: names the file in error messages.
        base_dir: the file's folder (relative paths in the file are relative to it).
        sections: the sections the server may set.

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
        apply: ConfigApplier | None = None,
        source: str = "<memory>",
        base_dir: Path | None = None,
        sections: tuple[str, ...] = REMOTE_SECTIONS,
    ):
        self._file_document = copy.deepcopy(dict(file_document))
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._apply = apply
        self._source = source
        self._base_dir = base_dir
        self._sections = sections
        self._repo = ConfigVersionRepository(db)
        self._reporter: ConfigReporter | None = None
        self._lock = threading.RLock()
        self._config = parse_config(self._file_document, source=source, base_dir=base_dir)
        self._active_version = 0
        applied = self._repo.latest_applied()
        if applied is not None:
            try:
                self._config = self._merged(applied.version, applied.document)
                self._active_version = applied.version
            except _RejectedError as exc:
                # NOTE: the file changed under an applied version; the file wins, and the
                # server sees active_version 0 and can send a new version.
                log.error(
                    "applied desired config v%d no longer fits the file (%s); using the file",
                    applied.version,
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
        """The ``config/reported`` body for the latest version received, or None."""
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
        try:
            document = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            return self._reject(None, {}, f"not JSON: {exc}")
        if not isinstance(document, dict):
            return self._reject(None, {}, "not a JSON object")
        version = document.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            return self._reject(None, document, f"version must be a whole number >= 1: {version!r}")
        seen = self._repo.get(version)
        if seen is not None:
            if seen.document != document:
                return self._reject(
                    version, document, f"version {version} was already used for another document"
                )
            log.info("desired config v%d was %s before; reporting it again", version, seen.state)
            self._report(self._report_body(version, seen.state.value, seen.detail))
            return DesiredOutcome(version, "repeated", seen.detail or None)
        latest = self._repo.latest()
        if latest is not None and version < latest.version:
            return self._reject(
                version, document, f"version {version} is older than version {latest.version}"
            )
        try:
            new_config = self._merged(version, document)
            changed = frozenset(
                s for s in self._sections if getattr(new_config, s) != getattr(self._config, s)
            )
            if self._apply is not None:
                self._apply(new_config, changed)
        except _RejectedError as exc:
            return self._reject(version, document, exc.message)
        except KioskError as exc:
            return self._reject(version, document, f"the kiosk could not apply it: {exc}")
        with self._db.transaction() as tx:
            self._repo.record(
                tx, version, rfc3339(self._clock.now()), ConfigVersionState.APPLIED, "", document
            )
            self._outbox.append(
                tx,
                events.AUDIT,
                events.CONFIG_APPLIED,
                {"version": version, "changed": sorted(changed)},
            )
        self._config = new_config
        self._active_version = version
        log.info("desired config v%d applied (changed: %s)", version, sorted(changed) or "none")
        self._report(self._report_body(version, ConfigVersionState.APPLIED.value, ""))
        return DesiredOutcome(version, ConfigVersionState.APPLIED.value, None, changed)

    def _merged(self, version: int, document: Mapping[str, Any]) -> KioskConfig:
        unknown = sorted(set(document) - {"version", *self._sections})
        if unknown:
            raise _RejectedError(f"may not set {unknown} remotely (only {list(self._sections)})")
        merged = copy.deepcopy(self._file_document)
        for section in self._sections:
            if section not in document:
                continue
            value = document[section]
            if isinstance(merged.get(section), dict):
                if not isinstance(value, dict):
                    raise _RejectedError(f"{section} must be a table (JSON object)")
                merged[section] = {**merged[section], **copy.deepcopy(value)}
            else:
                merged[section] = copy.deepcopy(value)
        try:
            return parse_config(
                merged, source=f"config/desired v{version}", base_dir=self._base_dir
            )
        except KioskError as exc:
            raise _RejectedError(str(exc)) from None

    def _reject(self, version: int | None, document: dict[str, Any], error: str) -> DesiredOutcome:
        log.warning("desired config v%s rejected: %s", version, error)
        with self._db.transaction() as tx:
            if version is not None and self._repo.get(version) is None:
                self._repo.record(
                    tx,
                    version,
                    rfc3339(self._clock.now()),
                    ConfigVersionState.REJECTED,
                    error,
                    document,
                )
            self._outbox.append(
                tx, events.AUDIT, events.CONFIG_REJECTED, {"version": version, "error": error}
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
    "REMOTE_SECTIONS",
    "ConfigApplier",
    "ConfigReporter",
    "DesiredConfigService",
    "DesiredOutcome",
]
