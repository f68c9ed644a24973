"""Signed commands from the central server: verified, run at most once, one result each.

DESIGN §4, §5. A command is a compact JWS (``alg`` pinned to EdDSA, ``kid`` header) signed
by the server with claims ``{"cmd_id","aud","action","args","iat","exp","ctr"}``. It runs
only if the signature verifies with one of the server's command keys, ``aud`` is this
kiosk, ``iat``/``exp`` are finite, sane and not passed (with a small clock-skew allowance),
``ctr`` is above the last accepted one and not too far ahead (below), and ``cmd_id`` was
never seen.

The counter ``ctr`` is time-based: the server signs each command with a ``ctr`` of at least
its clock in milliseconds since the epoch (and above its previous one), so a restarted server
keeps counting up. The kiosk refuses (``ctr_jump``) a ``ctr`` more than ``ctr_window``
(``[mqtt] command_ctr_window``, default 1,000,000, about 17 minutes of milliseconds) above
its own clock in milliseconds, and a refused command never moves the counter. A single
signed command with ``ctr = 2**53`` used to be adopted and then block every genuine command
for ever; now the most a bad counter can do is hold genuine commands back for
``ctr_window`` milliseconds. NOTE: the ceiling is the kiosk's clock, not the last accepted
``ctr``: a ceiling above the last one would let a run of commands ratchet it up a window at
a time. A kiosk clock that is behind refuses commands anyway (``iat_in_future``).

Order of work for an accepted command:

1. ``cmd_id`` is written as ``started`` in its own committed transaction (and ``ctr``
   becomes the last accepted one) - before anything is done;
2. the handler runs;
3. the state ``done``/``failed`` and the one ``cmd.result`` event
   ``{cmd_id, action, ok, error?, detail?, result?}`` are committed together.

A refused command yields a ``cmd.refused`` event ``{reason, detail, cmd_id?, action?}``.
Only commands whose signature verified are remembered (a forged command must not be able
to burn a real ``cmd_id``). After a restart, commands left ``started`` are settled as
``interrupted`` with one ``cmd.result`` and never run again.

The link calls ``handle_payload`` on its worker thread; handlers run there too.
"""

from __future__ import annotations

import enum
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.config import MqttConfig
from kiosk.core import events
from kiosk.core.clock import Clock
from kiosk.core.jws import JwsError, verify
from kiosk.core.trust import TrustList
from kiosk.errors import KioskError, StoreError
from kiosk.store.commands import CommandRepository, CommandState
from kiosk.store.database import Database, Transaction
from kiosk.store.outbox import Outbox, Priority, rfc3339

if TYPE_CHECKING:
    # NOTE: only a type here; `cryptography` loads at the first signature check (issue 14).
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

log = logging.getLogger(__name__)

CommandHandler = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]
"""``handler(args) -> result``: runs the command; raises ``CommandError`` (or anything)
when it could not be done. Runs on the link's worker thread: keep it short."""

DEFAULT_RATE_PER_MIN = 30
"""Commands per minute per action when the config names no limit."""

DEFAULT_CTR_WINDOW = 1_000_000
"""How far (in ms) a command's ``ctr`` may be above the kiosk's clock in milliseconds."""
_SQLITE_INT_MAX = 2**63 - 1

_CMD_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_ACTION_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class CommandError(KioskError):
    """Raised by a handler when it could not carry out its command.

    ``code`` is a stable error code for the result event (``printer_fault``, ``bad_args``…).
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class RefusalReason(enum.StrEnum):
    """Why a command was not run (the ``reason`` of ``cmd.refused``).

    The JWS reasons (``malformed``, ``bad_header``, ``alg_not_allowed``, ``unknown_key``,
    ``bad_signature``, ``bad_payload``, ``too_long``) come from ``kiosk.core.jws``.
    """

    MALFORMED = "malformed"
    BAD_HEADER = "bad_header"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    BAD_PAYLOAD = "bad_payload"
    TOO_LONG = "too_long"
    BAD_CLAIMS = "bad_claims"
    WRONG_AUD = "wrong_aud"
    DUPLICATE = "duplicate"
    IAT_IN_FUTURE = "iat_in_future"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    EXPIRED = "expired"
    REPLAYED_CTR = "replayed_ctr"
    CTR_JUMP = "ctr_jump"
    UNKNOWN_ACTION = "unknown_action"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class CommandOutcome:
    """What ``handle_payload`` did with one payload.

    Attributes:
        state: ``done``, ``failed`` or ``refused`` (``interrupted`` only from a restart).
        cmd_id: the command's id if its signature verified, else None.
        action: the action if the signature verified, else None.
        reason: the refusal reason or the handler's error code; None when done.
        result: the handler's result when done.
    """

    state: CommandState
    cmd_id: str | None
    action: str | None
    reason: str | None = None
    result: Mapping[str, Any] | None = None


class ActionRateLimiter:
    """At most N accepted commands per action in any 60 s window (in memory).

    NOTE: a restart forgets the window; the ``ctr``/``cmd_id`` checks still hold, and a
    restart is itself slower than any limit worth setting.
    """

    def __init__(
        self,
        per_min: Mapping[str, int],
        default_per_min: int = DEFAULT_RATE_PER_MIN,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._limits = dict(per_min)
        self._default = int(self._limits.pop("default", default_per_min))
        self._monotonic = monotonic
        self._accepted: dict[str, deque[float]] = {}

    def limit(self, action: str) -> int:
        """Commands per minute allowed for ``action``."""
        return self._limits.get(action, self._default)

    def allow(self, action: str) -> bool:
        """True (and counted) if one more ``action`` fits in the window."""
        now = self._monotonic()
        window = self._accepted.setdefault(action, deque())
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= self.limit(action):
            return False
        window.append(now)
        return True


class _RefusalError(Exception):
    def __init__(self, reason: RefusalReason, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class CommandProcessor:
    """Verifies server commands and runs each accepted one once through its handler.

    Args:
        kiosk_id: this kiosk's id; a command's ``aud`` must equal it.
        keys: the server's command keys: a ``TrustList`` (retiring keys stop at their
            ``until``) or a plain mapping by ``kid``.
        db: the kiosk database (table ``command``).
        outbox: where ``cmd.result`` / ``cmd.refused`` events go.
        clock: the time source for ``iat``/``exp``.
        rate_per_min: commands per minute per action (``default`` for the others).
        clock_skew_s: allowance for the kiosk's and the server's clocks disagreeing.
        max_lifetime_s: a command valid for longer than this (``exp - iat``) is refused.
        monotonic: time source of the rate limiter (tests pass their own).
        ctr_window: a ``ctr`` more than this above the clock in milliseconds is refused.
    """

    def __init__(
        self,
        *,
        kiosk_id: str,
        keys: TrustList | Mapping[str, Ed25519PublicKey],
        db: Database,
        outbox: Outbox,
        clock: Clock,
        rate_per_min: Mapping[str, int] | None = None,
        clock_skew_s: float = 30.0,
        max_lifetime_s: float = 24 * 3600.0,
        monotonic: Callable[[], float] = time.monotonic,
        ctr_window: int = DEFAULT_CTR_WINDOW,
    ):
        self.kiosk_id = kiosk_id
        self._keys = keys if isinstance(keys, TrustList) else dict(keys)
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._repo = CommandRepository(db)
        self._limiter = ActionRateLimiter(rate_per_min or {}, monotonic=monotonic)
        self._skew_s = clock_skew_s
        self._max_lifetime_s = max_lifetime_s
        self._ctr_window = ctr_window
        self._handlers: dict[str, CommandHandler] = {}
        self._lock = threading.Lock()  # one command at a time
        if not self._current_keys(None):
            log.warning("no [trust.commands] keys: every server command will be refused")

    @classmethod
    def from_config(
        cls,
        mqtt: MqttConfig,
        keys: TrustList,
        *,
        kiosk_id: str,
        db: Database,
        outbox: Outbox,
        clock: Clock,
    ) -> CommandProcessor:
        """A processor with the command keys (``[trust.commands]``) and ``[mqtt]`` limits."""
        return cls(
            kiosk_id=kiosk_id,
            keys=keys,
            db=db,
            outbox=outbox,
            clock=clock,
            rate_per_min=mqtt.command_rate_per_min,
            ctr_window=mqtt.command_ctr_window,
        )

    def _current_keys(self, now: datetime | None) -> Mapping[str, Ed25519PublicKey]:
        if isinstance(self._keys, TrustList):
            return self._keys.keys(now)
        return self._keys

    def register(self, action: str, handler: CommandHandler) -> None:
        """Run ``handler`` for commands with this ``action``.

        Raises:
            ValueError: the action name is not ``[a-z0-9._-]`` or already registered.
        """
        if not _ACTION_RE.fullmatch(action):
            raise ValueError(f"command action {action!r} may hold only a-z, 0-9, '.', '_', '-'")
        with self._lock:
            if action in self._handlers:
                raise ValueError(f"command action {action!r} is already registered")
            self._handlers[action] = handler

    @property
    def actions(self) -> tuple[str, ...]:
        """The registered actions, sorted."""
        return tuple(sorted(self._handlers))

    # ---- after a restart ----------------------------------------------------------------

    def settle_interrupted(self) -> int:
        """Settle commands a crash left ``started``: ``interrupted``, one result, never re-run.

        Call once at start, before the link connects. Returns how many were settled.
        """
        settled = 0
        for row in self._repo.in_state(CommandState.STARTED):
            log.warning("command %s (%s) was interrupted by a restart", row.cmd_id, row.action)
            body = {
                "cmd_id": row.cmd_id,
                "action": row.action,
                "ok": False,
                "error": "interrupted",
                "detail": "the kiosk restarted while the command ran; it is not run again",
            }
            with self._db.transaction() as tx:
                self._repo.finish(tx, row.cmd_id, CommandState.INTERRUPTED, body)
                self._outbox.append(tx, events.CMD, events.CMD_RESULT, body)
            settled += 1
        return settled

    # ---- one payload from the cmd topic -------------------------------------------------

    def handle_payload(self, payload: bytes) -> CommandOutcome:
        """Verify one payload from ``kiosk/v1/{id}/cmd`` and run it if it may run.

        Never raises for bad input (that is a refusal); a ``StoreError`` means nothing was
        run (the command could not be remembered) or the result could not be stored (the
        command is then settled as ``interrupted`` at the next start).
        """
        with self._lock:
            return self._handle(payload)

    def _handle(self, payload: bytes) -> CommandOutcome:
        now = self._clock.now()
        try:
            token = payload.decode("ascii")
            verified = verify(token, self._current_keys(now))
        except UnicodeDecodeError:
            return self._refuse_unverified(RefusalReason.MALFORMED, "the payload is not ASCII")
        except JwsError as exc:
            return self._refuse_unverified(RefusalReason(exc.reason), str(exc))
        claims = verified.claims
        cmd_id = claims.get("cmd_id")
        if not isinstance(cmd_id, str) or not _CMD_ID_RE.fullmatch(cmd_id):
            return self._refuse_unverified(
                RefusalReason.BAD_CLAIMS, "signed, but without a valid cmd_id"
            )
        raw_action = claims.get("action")
        action = raw_action if isinstance(raw_action, str) else ""
        received_at = rfc3339(now)
        with self._db.transaction() as tx:
            seen = self._repo.get_in(tx, cmd_id)
            if seen is not None:
                return self._refuse_duplicate(tx, cmd_id, action, seen.state)
            try:
                ctr, args = self._check(tx, claims, action, now.timestamp())
            except _RefusalError as refusal:
                return self._refuse_verified(tx, cmd_id, claims, action, received_at, refusal)
            self._repo.insert(tx, cmd_id, action, ctr, received_at, CommandState.STARTED)
        log.info("command %s (%s, ctr %d) started", cmd_id, action, ctr)
        return self._run(cmd_id, action, args)

    def _check(
        self, tx: Transaction, claims: Mapping[str, Any], action: str, now_s: float
    ) -> tuple[int, Mapping[str, Any]]:
        aud, iat, exp, ctr = (claims.get(k) for k in ("aud", "iat", "exp", "ctr"))
        args = claims.get("args", {})
        if not isinstance(aud, str):
            raise _RefusalError(RefusalReason.BAD_CLAIMS, "aud is missing or not a text")
        if not _ACTION_RE.fullmatch(action):
            raise _RefusalError(RefusalReason.BAD_CLAIMS, f"action {action!r} is not a valid name")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise _RefusalError(RefusalReason.BAD_CLAIMS, "iat and exp must be NumericDates")
        if isinstance(iat, bool) or isinstance(exp, bool):
            raise _RefusalError(RefusalReason.BAD_CLAIMS, "iat and exp must be NumericDates")
        if not (math.isfinite(iat) and math.isfinite(exp)):
            # NOTE: strict JSON already refuses NaN; this keeps the rule here too (a NaN
            # compares false with everything, so a NaN exp would never expire).
            raise _RefusalError(RefusalReason.BAD_CLAIMS, "iat and exp must be finite")
        if not isinstance(ctr, int) or isinstance(ctr, bool) or ctr < 1:
            raise _RefusalError(
                RefusalReason.BAD_CLAIMS, f"ctr must be a whole number >= 1: {ctr!r}"
            )
        if not isinstance(args, Mapping):
            raise _RefusalError(RefusalReason.BAD_CLAIMS, "args must be a JSON object")
        if aud != self.kiosk_id:
            raise _RefusalError(
                RefusalReason.WRONG_AUD, f"addressed to {aud!r}, not {self.kiosk_id!r}"
            )
        if iat > now_s + self._skew_s:
            raise _RefusalError(
                RefusalReason.IAT_IN_FUTURE, f"issued {iat - now_s:.0f} s in the future"
            )
        if exp <= iat:
            raise _RefusalError(RefusalReason.BAD_CLAIMS, "exp is not after iat")
        if exp - iat > self._max_lifetime_s:
            raise _RefusalError(
                RefusalReason.LIFETIME_TOO_LONG,
                f"valid for {exp - iat:.0f} s, more than {self._max_lifetime_s:.0f} s",
            )
        if now_s > exp + self._skew_s:
            raise _RefusalError(RefusalReason.EXPIRED, f"expired {now_s - exp:.0f} s ago")
        last_ctr = self._repo.last_ctr(tx)
        if ctr <= last_ctr:
            raise _RefusalError(
                RefusalReason.REPLAYED_CTR, f"ctr {ctr} is not above the last accepted {last_ctr}"
            )
        ceiling = int(now_s * 1000) + self._ctr_window
        if ctr > ceiling:
            raise _RefusalError(
                RefusalReason.CTR_JUMP,
                f"ctr {str(ctr)[:30]} is more than {self._ctr_window} above the clock in ms; "
                f"not adopted (the last accepted stays {last_ctr})",
            )
        if action not in self._handlers:
            raise _RefusalError(RefusalReason.UNKNOWN_ACTION, f"no handler for action {action!r}")
        if not self._limiter.allow(action):
            raise _RefusalError(
                RefusalReason.RATE_LIMITED,
                f"more than {self._limiter.limit(action)} {action!r} commands in a minute",
            )
        return ctr, args

    def _run(self, cmd_id: str, action: str, args: Mapping[str, Any]) -> CommandOutcome:
        handler = self._handlers[action]
        body: dict[str, Any] = {"cmd_id": cmd_id, "action": action}
        try:
            result = handler(args)
        except CommandError as exc:
            log.warning("command %s (%s) failed: %s (%s)", cmd_id, action, exc, exc.code)
            body.update(ok=False, error=exc.code, detail=str(exc))
        except Exception as exc:
            # NOTE: a failing handler is reported, never fatal (the worker must go on).
            log.exception("command %s (%s) handler raised", cmd_id, action)
            body.update(ok=False, error="handler_error", detail=f"{type(exc).__name__}: {exc}")
        else:
            body.update(ok=True, result=dict(result or {}))
        state = CommandState.DONE if body["ok"] else CommandState.FAILED
        try:
            with self._db.transaction() as tx:
                self._repo.finish(tx, cmd_id, state, body)
                self._outbox.append(tx, events.CMD, events.CMD_RESULT, body)
        except StoreError:
            log.exception(
                "result of command %s not stored; it reads 'interrupted' at restart", cmd_id
            )
            raise
        log.info("command %s (%s) %s", cmd_id, action, state.value)
        return CommandOutcome(state, cmd_id, action, body.get("error"), body.get("result"))

    # ---- refusals -----------------------------------------------------------------------

    def _refuse_unverified(self, reason: RefusalReason, detail: str) -> CommandOutcome:
        log.warning("command refused (%s): %s", reason.value, detail)
        with self._db.transaction() as tx:
            self._outbox.append(
                tx,
                events.CMD,
                events.CMD_REFUSED,
                {"reason": reason.value, "detail": detail},
                priority=Priority.TELEMETRY,
            )
        return CommandOutcome(CommandState.REFUSED, None, None, reason.value)

    def _refuse_duplicate(
        self, tx: Transaction, cmd_id: str, action: str, seen: CommandState
    ) -> CommandOutcome:
        detail = f"cmd_id {cmd_id} was seen before ({seen.value}); not run again"
        log.warning("command %s refused: %s", cmd_id, detail)
        self._outbox.append(
            tx,
            events.CMD,
            events.CMD_REFUSED,
            {
                "cmd_id": cmd_id,
                "action": action,
                "reason": RefusalReason.DUPLICATE.value,
                "detail": detail,
            },
            priority=Priority.TELEMETRY,
        )
        return CommandOutcome(CommandState.REFUSED, cmd_id, action, RefusalReason.DUPLICATE.value)

    def _refuse_verified(
        self,
        tx: Transaction,
        cmd_id: str,
        claims: Mapping[str, Any],
        action: str,
        received_at: str,
        refusal: _RefusalError,
    ) -> CommandOutcome:
        log.warning("command %s (%s) refused (%s): %s", cmd_id, action, refusal.reason, refusal)
        body = {
            "cmd_id": cmd_id,
            "action": action,
            "reason": refusal.reason.value,
            "detail": refusal.detail,
        }
        ctr = claims.get("ctr")
        stored_ctr = ctr if isinstance(ctr, int) and not isinstance(ctr, bool) else 0
        if not 0 <= stored_ctr <= _SQLITE_INT_MAX:
            stored_ctr = 0  # NOTE: SQLite holds 64 bits; the refusal's detail keeps the value
        # NOTE: remembered so that the same signed command can never run later (the
        # signature verified, so this cmd_id really is the server's).
        self._repo.insert(tx, cmd_id, action, stored_ctr, received_at, CommandState.REFUSED, body)
        self._outbox.append(tx, events.CMD, events.CMD_REFUSED, body)
        return CommandOutcome(CommandState.REFUSED, cmd_id, action, refusal.reason.value)


__all__ = [
    "DEFAULT_CTR_WINDOW",
    "DEFAULT_RATE_PER_MIN",
    "ActionRateLimiter",
    "CommandError",
    "CommandHandler",
    "CommandOutcome",
    "CommandProcessor",
    "RefusalReason",
]
