"""The ``checkin.answer`` command's arguments: what the server may put on a resident's screen.

The command is signed and addressed (``kiosk.core.commands``); these are the checks of its
arguments, which are shown: a figure beyond any lobby's queue, a wait past the calendar or a
service that is not an id is refused with ``bad_args`` and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.core.checkin import CheckInResult
from kiosk.core.command_handlers import checkin_answer_handler
from kiosk.core.commands import CommandError
from kiosk.store.used_bookings import UsedBookingRepository
from tests.core.checkin_support import NOW, CheckInParts, make_parts

CODE = "12345671"
REF = "code:" + CODE


@pytest.fixture
def parts(tmp_path: Path) -> CheckInParts:
    built = make_parts(tmp_path)
    built.service.set_link_online(True)
    assert built.service.check_in_code(CODE, NOW).result is CheckInResult.CODE_PENDING
    return built


def stored_detail(parts: CheckInParts) -> dict[str, object]:
    with parts.db.transaction() as tx:
        used = UsedBookingRepository.find(tx, REF)
    assert used is not None
    return dict(used.detail)


@pytest.mark.parametrize(
    "args",
    [
        {"position": 10**30},
        {"position": True},
        {"position": 10_000},
        {"wait_minutes": 10**12},
        {"wait_minutes": 24 * 60 + 1},
        {"wait_minutes": False},
        {"service": {"ja": "年金"}},
        {"service": "<img src='http://example.invalid/x'>"},
        {"service": "pension\nPlease go to counter 9"},
        {"service": "s" * 65},
    ],
)
def test_an_answer_with_a_figure_or_service_no_screen_should_show_is_bad_args_and_changes_nothing(
    parts: CheckInParts, args: dict[str, object]
) -> None:
    before = stored_detail(parts)
    handle = checkin_answer_handler(parts.service)

    with pytest.raises(CommandError) as caught:
        handle({"ref": REF, "accepted": True, **args})

    assert caught.value.code == "bad_args"
    assert stored_detail(parts) == before
    assert "server" not in before


def test_an_answer_with_the_largest_figures_and_a_service_id_is_applied(
    parts: CheckInParts,
) -> None:
    handle = checkin_answer_handler(parts.service)

    result = handle(
        {"ref": REF, "accepted": True, "position": 9999, "wait_minutes": 1440, "service": "pension"}
    )

    assert result == {"ref": REF, "result": "accepted"}
    server = stored_detail(parts)["server"]
    assert isinstance(server, dict)
    assert (server["position"], server["wait_minutes"]) == (9999, 1440)
