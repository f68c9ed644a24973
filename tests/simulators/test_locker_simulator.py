"""The locker simulator as a plain TCP peer sees it: exact replies, silence, resets, commands."""

from __future__ import annotations

import io
import socket
import threading

import pytest

from kiosk.devices.locker.kerong_frames import (
    StatusReply,
    encode_status_reply,
    encode_status_request,
    encode_unlock,
)
from simulators.locker.__main__ import main
from simulators.locker.control import apply_command
from simulators.locker.server import LockerSimulator


def _ask(sock: socket.socket, request: bytes, n: int = 9) -> bytes:
    sock.sendall(request)
    sock.settimeout(5)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _silent(sock: socket.socket, request: bytes) -> bool:
    """True when the request gets no answer: a status request for board 0 answers next."""
    sock.sendall(request)
    return _ask(sock, encode_status_request(0))[:3] == bytes.fromhex("02 00 35")


def test_status_and_unlock_are_answered_with_exact_status_frames() -> None:
    with (
        LockerSimulator(port=0, boards=2) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        sim.put_item(18)
        assert _ask(client, encode_unlock(1, 2)) == encode_status_reply(
            StatusReply(0x11, 0xFFFF, 0x0002)
        )
        assert sim.pull(18)
        assert _ask(client, encode_status_request(1)) == encode_status_reply(
            StatusReply(0x10, 0xFFFD, 0x0002)
        )
        assert sim.pulses(18) == 1
        assert sim.frames_received() == [encode_unlock(1, 2), encode_status_request(1)]
        assert len(sim.frames_sent()) == 2


def test_a_bad_checksum_or_an_absent_board_gets_no_answer() -> None:
    with (
        LockerSimulator(port=0, boards=1) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        assert _silent(client, bytes.fromhex("02 00 31 03 00"))  # bad checksum
        assert _silent(client, encode_unlock(3, 1))  # no board 3
        assert sim.pulse_log == []


def test_a_silent_board_answers_nothing_and_a_reset_board_boots_then_reads_all_locked() -> None:
    with (
        LockerSimulator(port=0, boards=2) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        sim.silence(1)
        assert _silent(client, encode_status_request(1))
        sim.silence(1, False)
        sim.force_open(17)
        sim.reset_board(1)
        assert _silent(client, encode_unlock(1, 3))  # booting: ignored, nothing fired
        assert _ask(client, encode_status_request(1))[3:5] == b"\xff\xff"  # power-on reading
        assert _ask(client, encode_status_request(1))[3:5] == b"\xfe\xff"  # door 17 open
        assert sim.pulse_log == []


def test_corrupted_replies_have_exactly_one_changed_byte() -> None:
    with (
        LockerSimulator(port=0, boards=1, seed=3) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        sim.corrupt_replies(1.0)
        good = encode_status_reply(StatusReply(0x00, 0xFFFF, 0))
        for _ in range(20):
            reply = _ask(client, encode_status_request(0))
            assert sum(a != b for a, b in zip(reply, good, strict=True)) == 1
        assert sim.corrupted == 20


def test_auto_pull_opens_a_released_door_but_not_a_jammed_one() -> None:
    with (
        LockerSimulator(port=0, boards=1, auto_pull_s=0.01) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        sim.jam(2)
        _ask(client, encode_unlock(0, 1))
        _ask(client, encode_unlock(0, 2))
        assert sim.wait_until_open(1)
        assert sim.door(2).open is False
        assert [p.released for p in sim.pulse_log] == [True, False]


def test_wont_stay_shut_and_force_open_change_the_door_as_named() -> None:
    sim = LockerSimulator(port=0, boards=1)
    sim.wont_stay_shut(4)
    sim.force_open(4)
    assert sim.push(4) is False
    assert sim.door(4).open is True
    assert sim.door(4).forced == 1
    with pytest.raises(ValueError, match="no door 17"):
        sim.pull(17)
    with pytest.raises(ValueError, match="no board 1"):
        sim.silence(1)


def test_text_commands_drive_the_simulator() -> None:
    sim = LockerSimulator(port=0, boards=1)
    assert apply_command(sim, "pull 3") == "door 3 is latched"
    assert apply_command(sim, "force 3") == "door 3 forced open"
    assert apply_command(sim, "put 3") == "item in door 3"
    assert apply_command(sim, "push 3") == "door 3 shut"
    assert apply_command(sim, "jam 5") == "door 5 jammed"
    assert apply_command(sim, "corrupt 0.5") == "corrupting 50% of replies"
    assert apply_command(sim, "silence 0") == "board 0 silent"
    assert "door 3: item" in apply_command(sim, "status")
    assert apply_command(sim, "pull 99").startswith("error: no door 99")
    assert apply_command(sim, "dance").startswith("unknown command")


def test_main_serves_until_quit_is_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pull 1\nquit\n"))
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(["--port", "0", "--boards", "3"])))
    thread.start()
    thread.join(timeout=10)
    assert result == [0]


# -- how a board answers an unlock ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "reply"),
    [
        ("echo", encode_status_reply(StatusReply(0x11, 0xFFFF, 0x0002))),
        ("status", encode_status_reply(StatusReply(0x10, 0xFFFF, 0x0002))),
        ("silent", b""),
    ],
)
def test_each_reply_shape_answers_an_unlock_with_its_exact_bytes_and_fires_once(
    shape: str, reply: bytes
) -> None:
    with (
        LockerSimulator(port=0, boards=2, reply_shape={1: shape}) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        sim.put_item(18)
        if reply:
            assert _ask(client, encode_unlock(1, 2)) == reply
        else:
            assert _silent(client, encode_unlock(1, 2))
        # a status request is answered whatever the shape
        assert _ask(client, encode_status_request(1)) == encode_status_reply(
            StatusReply(0x10, 0xFFFF, 0x0002)
        )
        assert _ask(client, encode_unlock(0, 1)) == encode_status_reply(
            StatusReply(0x00, 0xFFFF, 0)
        )  # board 0 keeps the default echo
        assert sim.pulsed_doors() == [18, 1]
        assert (sim.reply_shape(0), sim.reply_shape(1)) == ("echo", shape)


def test_the_reply_shape_and_a_jam_switch_at_run_time_and_are_refused_when_unknown() -> None:
    with (
        LockerSimulator(port=0, boards=2, jammed=[3]) as sim,
        socket.create_connection(("127.0.0.1", sim.port)) as client,
    ):
        assert _ask(client, encode_unlock(0, 3))[:3] == bytes.fromhex("02 02 35")
        sim.set_reply_shape("silent")
        assert _silent(client, encode_unlock(0, 3))
        sim.set_reply_shape("status", 0)
        assert _ask(client, encode_unlock(0, 3))[:3] == bytes.fromhex("02 00 35")
        assert [p.released for p in sim.pulse_log] == [False, False, False]  # jammed throughout
        assert sim.door(3).open is False
        assert (sim.reply_shape(0), sim.reply_shape(1)) == ("status", "silent")
        with pytest.raises(ValueError, match="reply shape must be one of echo, status, silent"):
            sim.set_reply_shape("loud")
        with pytest.raises(ValueError, match="no board 2"):
            sim.set_reply_shape("echo", 2)
    with pytest.raises(ValueError, match="no door 40"):
        LockerSimulator(port=0, boards=2, jammed=[40])


def test_the_shape_command_sets_one_board_or_all_and_status_reports_it() -> None:
    sim = LockerSimulator(port=0, boards=2)
    assert apply_command(sim, "shape 1 silent") == "board 1 answers an unlock with silent"
    assert "board 1: answers an unlock with silent" in apply_command(sim, "status")
    assert "board 0:" not in apply_command(sim, "status")
    assert apply_command(sim, "shape all STATUS") == "every board answers an unlock with status"
    assert (sim.reply_shape(0), sim.reply_shape(1)) == ("status", "status")
    assert apply_command(sim, "shape 0 loud").startswith("error: reply shape must be one of")
    assert apply_command(sim, "shape 5 echo").startswith("error: no board 5")
    assert apply_command(sim, "shape 1") == "error: usage: shape BOARD|all echo|status|silent"
    assert "shape BOARD|all SHAPE" in apply_command(sim, "help")


def test_main_takes_reply_shapes_and_jammed_doors_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("status\nquit\n"))
    argv = ["--port", "0", "--boards", "3", "--reply-shape", "status", "--reply-shape", "2=silent"]
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main([*argv, "--jam", "5"])))
    thread.start()
    thread.join(timeout=10)
    assert result == [0]
    out = capsys.readouterr().out
    assert "unlock replies: board 0 status, board 1 status, board 2 silent; jammed door(s): 5" in (
        out
    )
    assert "door 5: jammed; 0 pulse(s)" in out
    assert "board 2: answers an unlock with silent" in out


def test_main_refuses_an_unknown_reply_shape_as_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--port", "0", "--reply-shape", "1=loud"])
    assert caught.value.code == 2
    assert "'1=loud': the shape must be one of echo, status, silent" in capsys.readouterr().err
