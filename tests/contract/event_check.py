"""Every event the kiosk's own code appends to its outbox, in every test of the suite, is
checked against its own message of the contract: the envelope (``docs/schemas/envelope.json``),
its ``type``'s data schema (``docs/schemas/events/<type>.json``, the message's payload in
``docs/asyncapi.yaml``) and its category (the ``evt/{category}`` topic it will travel on).

Registered for the whole suite by ``tests/conftest.py``: a test during which kiosk code
emitted an event its message does not allow fails in its teardown, naming the event and the
violation. An event appended by test code itself (a made-up event that drives the link) is
not the kiosk's and is not checked; nor are events of child processes a test starts.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.link.contract import Contract
from kiosk.store import outbox as outbox_module
from kiosk.store.outbox import OutboxEvent

log = logging.getLogger(__name__)

_lock = threading.Lock()
_violations: list[str] = []
checked: Counter[str] = Counter()
"""How many events of each type the kiosk's code emitted in this run and were checked."""

_original = outbox_module.Outbox.append
_contract: Contract | None = None


def _kiosk_code_called(depth: int) -> bool:
    """True when the caller ``depth`` frames up is the kiosk's code, not a test's."""
    caller = sys._getframe(depth).f_globals.get("__name__", "")
    return isinstance(caller, str) and (caller == "kiosk" or caller.startswith("kiosk."))


def problems_of(category: str, event: OutboxEvent) -> list[str]:
    """What the contract says about one appended event (empty: it keeps its message)."""
    global _contract
    if _contract is None:
        _contract = Contract.load()
    kiosk = event.payload.get("kiosk", "unknown")
    topic = f"kiosk/v1/{kiosk}/evt/{category}"
    payload = event.envelope.encode("utf-8")
    return [str(p) for p in _contract.check(topic, payload, retain=False, qos=1)]


def _checked_append(self: outbox_module.Outbox, *args: Any, **kwargs: Any) -> OutboxEvent | None:
    event = _original(self, *args, **kwargs)
    if event is not None and _kiosk_code_called(2):
        try:
            problems = problems_of(event.category, event)
        except Exception as exc:
            # NOTE: the check must never break the kiosk's code under test: it fails the test.
            log.exception("checking %s against its message failed", event.type)
            problems = [f"the check itself failed: {exc!r}"]
        with _lock:
            checked[event.type] += 1
            _violations.extend(f"{event.type} (seq {event.seq}): {p}" for p in problems)
    return event


def pytest_configure(config: pytest.Config) -> None:
    """Check every append from now on."""
    outbox_module.Outbox.append = _checked_append  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Put the outbox back as it was."""
    outbox_module.Outbox.append = _original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _emitted_events_keep_their_messages() -> Iterator[None]:
    """Fails the test whose kiosk code emitted an event its message does not allow."""
    with _lock:
        start = len(_violations)
    yield
    with _lock:
        found = _violations[start:]
    if found:
        pytest.fail(
            "the kiosk emitted events that break their messages in docs/asyncapi.yaml "
            "(tests/contract/event_check.py):\n  " + "\n  ".join(found[:10]),
            pytrace=False,
        )
