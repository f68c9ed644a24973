"""A TCP proxy between a kiosk and its broker that breaks the network on request.

Listens on 127.0.0.1 only and forwards to one upstream (the broker). One thread runs a
``selectors`` loop over every connection pair; the control methods hand a command to that
thread and return once it took effect, so a test knows the fault is in place.

Faults:

* ``partition()``: nothing passes in either direction, connections stay open (a pulled
  cable). Bytes are held, not lost, as TCP would retransmit them; closes are held too. New
  connections are accepted by the kernel but not connected upstream (a CONNECT gets no
  CONNACK). ``partition(drop=True)`` discards the bytes instead (a black hole).
* ``heal()``: held bytes flow again. A connection whose other end closed, or whose bytes
  were discarded, during the partition is reset (RST): after a real partition the
  survivor learns of it the same way, by a reset when it talks again.
* ``reset_all()``: RST both ends of every connection now.
* ``drop_after_publish_before_puback()``: the next client-to-broker PUBLISH with QoS > 0
  (on a matching topic) is forwarded, then the client's connection is reset before the
  PUBACK can get back. The broker side is half-closed after the PUBLISH so the broker
  surely reads it.

``counters()`` counts connections, packets and bytes; ``wait_until()`` waits for them.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import selectors
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from simulators.proxy.mqtt_framing import (
    FramingError,
    Packet,
    PacketSplitter,
    PacketType,
    PublishInfo,
    parse_publish,
)
from simulators.tcp_server import StartStop

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
_READ_SIZE = 65536


class ProxyError(RuntimeError):
    """Raised when the proxy cannot start or a control command does not finish."""


@dataclass(frozen=True)
class ProxyCounters:
    """What went through the proxy since it started.

    Attributes:
        accepted: client connections accepted.
        upstream_refused: upstream connects that failed (the client was reset).
        resets: connection ends reset by the proxy (``reset_all``, heal, cuts).
        cuts: connections cut by ``drop_after_publish_before_puback``.
        publishes_c2b: PUBLISH packets forwarded client to broker, by QoS (index 0-2).
        pubacks_b2c: PUBACK packets forwarded broker to client.
        packets_c2b: packets forwarded client to broker, by type name.
        packets_b2c: packets forwarded broker to client, by type name.
        bytes_c2b: bytes forwarded client to broker.
        bytes_b2c: bytes forwarded broker to client.
        dropped_bytes: bytes discarded by a black-hole partition.
        cut_publishes: the PUBLISHes after which a connection was cut, in order.
    """

    accepted: int = 0
    upstream_refused: int = 0
    resets: int = 0
    cuts: int = 0
    publishes_c2b: tuple[int, int, int] = (0, 0, 0)
    pubacks_b2c: int = 0
    packets_c2b: dict[str, int] = field(default_factory=dict)
    packets_b2c: dict[str, int] = field(default_factory=dict)
    bytes_c2b: int = 0
    bytes_b2c: int = 0
    dropped_bytes: int = 0
    cut_publishes: tuple[PublishInfo, ...] = ()


class _Mode(enum.Enum):
    OPEN = "open"
    HOLD = "hold"
    DROP = "drop"


@dataclass
class _Side:
    sock: socket.socket | None
    outbuf: bytearray = field(default_factory=bytearray)  # to be written to this side
    held: bytearray = field(default_factory=bytearray)  # read from this side, not yet passed
    closed: bool = False  # EOF or error seen on this side
    splitter: PacketSplitter = field(default_factory=PacketSplitter)


@dataclass
class _Pair:
    number: int
    client: _Side
    upstream: _Side
    tainted: bool = False  # bytes were discarded: the stream cannot be resumed
    cut: bool = False  # cut after a PUBLISH: broker-to-client bytes are discarded


@dataclass
class _Arm:
    topic_contains: str
    remaining: int


class FaultProxy(StartStop):
    """A fault-injecting TCP proxy on 127.0.0.1 in front of one upstream (the broker).

    Args:
        upstream_host: where to forward to (loopback in tests).
        upstream_port: the broker's port.
        listen_port: where to listen; a free port when 0.
    """

    def __init__(self, upstream_host: str, upstream_port: int, *, listen_port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._listener.bind((LOOPBACK, listen_port))
        except OSError as exc:
            self._listener.close()
            raise ProxyError(f"cannot listen on {LOOPBACK}:{listen_port}: {exc}") from exc
        self._listener.listen(128)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._cond = threading.Condition()
        self._commands: list[tuple[Callable[[], None], threading.Event]] = []
        self._pairs: dict[int, _Pair] = {}
        self._next_pair = 0
        self._mode = _Mode.OPEN
        self._arm: _Arm | None = None
        self._counters = ProxyCounters()
        self._running = False
        self._thread: threading.Thread | None = None

    # ---- life cycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:PORT`` of the proxy."""
        return f"mqtt://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Start forwarding."""
        if self._running:
            raise ProxyError("fault proxy already started")
        self._running = True
        self._sel.register(self._listener, selectors.EVENT_READ, "listen")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._loop, name=f"fault-proxy-{self.port}")
        self._thread.daemon = True
        self._thread.start()
        log.info("fault proxy %s -> %s:%d", self.url, *self.upstream)

    def stop(self) -> None:
        """Close every connection (RST) and the listener; join the thread."""
        if not self._running:
            return
        self._run(self._reset_everything)
        self._running = False
        self._wake()
        if self._thread is not None:
            self._thread.join(5)
        self._sel.close()
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()

    # ---- faults --------------------------------------------------------------------------

    def partition(self, *, drop: bool = False) -> None:
        """Stop all traffic both ways; connections stay open. ``drop``: discard the bytes."""
        self._run(lambda: self._set_mode(_Mode.DROP if drop else _Mode.HOLD))

    def heal(self) -> None:
        """End a partition: pass held bytes on, reset connections that cannot resume."""
        self._run(self._heal)

    def reset_all(self) -> None:
        """Reset (RST) both ends of every open connection now."""
        self._run(self._reset_everything)

    def drop_after_publish_before_puback(
        self, *, topic_contains: str = "/evt/", count: int = 1
    ) -> None:
        """Cut the connection right after each of the next ``count`` matching PUBLISHes.

        A PUBLISH with QoS > 0 from client to broker whose topic contains
        ``topic_contains`` is forwarded whole; then the client's end is reset before the
        broker's PUBACK can pass, and the broker's end is half-closed (it reads the PUBLISH,
        then sees the client gone and publishes its Will).
        """
        self._run(lambda: setattr(self, "_arm", _Arm(topic_contains, count)))

    # ---- observation ---------------------------------------------------------------------

    def counters(self) -> ProxyCounters:
        """A snapshot of the counters."""
        with self._cond:
            return replace(
                self._counters,
                packets_c2b=dict(self._counters.packets_c2b),
                packets_b2c=dict(self._counters.packets_b2c),
            )

    @property
    def open_connections(self) -> int:
        """Connection pairs the proxy holds now."""
        with self._cond:
            return len(self._pairs)

    def wait_until(self, predicate: Callable[[ProxyCounters], bool], timeout: float) -> bool:
        """Wait until ``predicate(counters)`` holds (checked on every counter change)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self._counters), timeout)

    # ---- plumbing ------------------------------------------------------------------------

    def _run(self, action: Callable[[], None], timeout: float = 10.0) -> None:
        if not self._running:
            raise ProxyError("fault proxy is not running")
        done = threading.Event()
        with self._cond:
            self._commands.append((action, done))
        self._wake()
        if not done.wait(timeout):
            raise ProxyError(f"fault proxy command did not finish within {timeout} s")

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError as exc:
            log.debug("fault proxy wake failed: %s", exc)

    def _count(self, **changes: object) -> None:
        with self._cond:
            self._counters = replace(self._counters, **changes)  # type: ignore[arg-type]
            self._cond.notify_all()

    def _loop(self) -> None:
        while self._running:
            for key, events in self._sel.select(timeout=1.0):
                try:
                    self._dispatch(key, events)
                except Exception:
                    # NOTE: one broken connection must not stop the proxy for the others.
                    log.exception("fault proxy failed on %r", key.data)
            with self._cond:
                commands, self._commands = self._commands, []
            for action, done in commands:
                try:
                    action()
                finally:
                    done.set()

    def _dispatch(self, key: selectors.SelectorKey, events: int) -> None:
        tag = key.data
        if tag == "wake":
            with contextlib.suppress(BlockingIOError):
                self._wake_r.recv(4096)
            return
        if tag == "listen":
            self._accept()
            return
        pair_number, which = tag
        pair = self._pairs.get(pair_number)
        if pair is None:
            return
        side = pair.client if which == "c" else pair.upstream
        if events & selectors.EVENT_WRITE:
            self._write(pair, side)
        if events & selectors.EVENT_READ and pair.number in self._pairs:
            self._read(pair, which)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except BlockingIOError:
                return
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._next_pair += 1
            pair = _Pair(self._next_pair, _Side(conn), _Side(None))
            self._pairs[pair.number] = pair
            self._count(accepted=self._counters.accepted + 1)
            if self._mode is _Mode.OPEN and not self._connect_upstream(pair):
                continue
            self._register(pair)

    def _connect_upstream(self, pair: _Pair) -> bool:
        try:
            upstream = socket.create_connection(self.upstream, timeout=2.0)
        except OSError as exc:
            log.info("fault proxy: upstream %s:%d refused: %s", *self.upstream, exc)
            self._count(upstream_refused=self._counters.upstream_refused + 1)
            self._reset_side(pair, pair.client)
            self._forget(pair)
            return False
        upstream.setblocking(False)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair.upstream.sock = upstream
        return True

    def _register(self, pair: _Pair) -> None:
        for which, side in (("c", pair.client), ("u", pair.upstream)):
            if side.sock is None or side.sock.fileno() < 0:
                continue
            mask = 0 if side.closed else selectors.EVENT_READ
            if side.outbuf:
                mask |= selectors.EVENT_WRITE
            key = self._sel.get_map().get(side.sock.fileno())
            if mask == 0:
                if key is not None:
                    self._sel.unregister(side.sock)
            elif key is None:
                self._sel.register(side.sock, mask, (pair.number, which))
            elif key.events != mask:
                self._sel.modify(side.sock, mask, (pair.number, which))

    def _read(self, pair: _Pair, which: str) -> None:
        side, _other = (
            (pair.client, pair.upstream) if which == "c" else (pair.upstream, pair.client)
        )
        assert side.sock is not None
        try:
            data = side.sock.recv(_READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            log.debug("fault proxy pair %d %s: %s", pair.number, which, exc)
            data = b""
        if not data:
            side.closed = True
            if self._mode is _Mode.OPEN:
                self._close_pair(pair)
            else:
                self._register(pair)
                if pair.client.closed and pair.upstream.closed:
                    self._close_pair(pair)
            return
        if self._mode is _Mode.DROP:
            pair.tainted = True
            self._count(dropped_bytes=self._counters.dropped_bytes + len(data))
            return
        if self._mode is _Mode.HOLD or (which == "c" and pair.upstream.sock is None):
            side.held += data
            return
        self._forward(pair, which, data)

    def _forward(self, pair: _Pair, which: str, data: bytes) -> None:
        side, other = (pair.client, pair.upstream) if which == "c" else (pair.upstream, pair.client)
        if which == "u" and pair.cut:
            return  # the PUBACK (and all after it) never reaches the client
        try:
            packets = side.splitter.feed(data)
        except FramingError as exc:
            log.warning("fault proxy pair %d: not MQTT (%s); passing bytes on", pair.number, exc)
            packets = []
        if which == "c" and self._arm is not None and self._forward_until_cut(pair, packets, data):
            return
        other.outbuf += data
        self._note(which, packets, len(data))
        self._write(pair, other)

    def _forward_until_cut(self, pair: _Pair, packets: list[Packet], data: bytes) -> bool:
        """Forward packet by packet; True when a matching PUBLISH cut the connection."""
        arm = self._arm
        assert arm is not None
        # Where each completed packet ends inside ``data``: the bytes of an incomplete
        # packet are at the end (and, when a packet completed here, all from ``data``).
        ends: list[int] = []
        end = len(data) - pair.client.splitter.pending
        for packet in reversed(packets):
            ends.append(end)
            end -= len(packet.raw)
        ends.reverse()
        for index, packet in enumerate(packets):
            sent = ends[index]
            if packet.type is not PacketType.PUBLISH or packet.qos == 0:
                continue
            info = parse_publish(packet, pair.client.splitter.protocol_level)
            if arm.topic_contains not in info.topic:
                continue
            pair.upstream.outbuf += data[:sent]
            self._note("c", packets[: index + 1], sent)
            self._cut(pair, info)
            arm.remaining -= 1
            if arm.remaining <= 0:
                self._arm = None
            return True
        return False

    def _cut(self, pair: _Pair, info: PublishInfo) -> None:
        upstream = pair.upstream.sock
        assert upstream is not None
        # NOTE: write the PUBLISH synchronously, then half-close: the broker reads it and
        # then the EOF. The PUBACK it sends back is read and discarded (pair.cut).
        upstream.setblocking(True)
        try:
            upstream.sendall(bytes(pair.upstream.outbuf))
            upstream.shutdown(socket.SHUT_WR)
        except OSError as exc:
            log.warning("fault proxy pair %d: writing the cut PUBLISH failed: %s", pair.number, exc)
        upstream.setblocking(False)
        pair.upstream.outbuf.clear()
        pair.cut = True
        self._reset_side(pair, pair.client)
        pair.client.closed = True
        self._register(pair)
        log.info(
            "fault proxy cut pair %d after PUBLISH %s (id %s)",
            pair.number,
            info.topic,
            info.packet_id,
        )
        self._count(
            cuts=self._counters.cuts + 1,
            cut_publishes=(*self._counters.cut_publishes, info),
        )

    def _note(self, which: str, packets: list[Packet], nbytes: int) -> None:
        with self._cond:
            c = self._counters
            table = dict(c.packets_c2b if which == "c" else c.packets_b2c)
            publishes = list(c.publishes_c2b)
            pubacks = c.pubacks_b2c
            for packet in packets:
                table[packet.type.name] = table.get(packet.type.name, 0) + 1
                if which == "c" and packet.type is PacketType.PUBLISH:
                    publishes[packet.qos] += 1
                if which == "u" and packet.type is PacketType.PUBACK:
                    pubacks += 1
            if which == "c":
                self._counters = replace(
                    c,
                    packets_c2b=table,
                    publishes_c2b=(publishes[0], publishes[1], publishes[2]),
                    bytes_c2b=c.bytes_c2b + nbytes,
                )
            else:
                self._counters = replace(
                    c, packets_b2c=table, pubacks_b2c=pubacks, bytes_b2c=c.bytes_b2c + nbytes
                )
            self._cond.notify_all()

    def _write(self, pair: _Pair, side: _Side) -> None:
        if side.sock is None or (side.closed and not side.outbuf):
            return
        try:
            while side.outbuf:
                sent = side.sock.send(side.outbuf)
                del side.outbuf[:sent]
        except BlockingIOError:
            pass
        except OSError as exc:
            log.debug("fault proxy pair %d: write failed: %s", pair.number, exc)
            self._close_pair(pair)
            return
        self._register(pair)

    def _set_mode(self, mode: _Mode) -> None:
        log.info("fault proxy %s: %s", self.url, mode.value)
        self._mode = mode

    def _heal(self) -> None:
        self._mode = _Mode.OPEN
        log.info("fault proxy %s: healed", self.url)
        for pair in list(self._pairs.values()):
            if pair.tainted or pair.client.closed or pair.upstream.closed:
                self._reset_pair(pair)
                continue
            if pair.upstream.sock is None and not self._connect_upstream(pair):
                continue
            for which, side in (("c", pair.client), ("u", pair.upstream)):
                held, side.held = bytes(side.held), bytearray()
                if held:
                    self._forward(pair, which, held)
            if pair.number in self._pairs:
                self._register(pair)

    def _reset_everything(self) -> None:
        for pair in list(self._pairs.values()):
            self._reset_pair(pair)

    def _reset_pair(self, pair: _Pair) -> None:
        for side in (pair.client, pair.upstream):
            self._reset_side(pair, side)
        self._forget(pair)

    def _reset_side(self, pair: _Pair, side: _Side) -> None:
        sock = side.sock
        if sock is None or sock.fileno() < 0:
            return
        if sock.fileno() in self._sel.get_map():
            self._sel.unregister(sock)
        try:
            # NOTE: SO_LINGER with a zero timeout makes close() send RST, not FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError as exc:
            log.debug("fault proxy pair %d: SO_LINGER failed: %s", pair.number, exc)
        sock.close()
        side.closed = True
        self._count(resets=self._counters.resets + 1)

    def _close_pair(self, pair: _Pair) -> None:
        for side in (pair.client, pair.upstream):
            sock = side.sock
            if sock is None or sock.fileno() < 0:
                continue
            if sock.fileno() in self._sel.get_map():
                self._sel.unregister(sock)
            if side.outbuf and not side.closed:
                try:
                    sock.setblocking(True)
                    sock.settimeout(1.0)
                    sock.sendall(bytes(side.outbuf))
                except OSError as exc:
                    log.debug("fault proxy pair %d: final write failed: %s", pair.number, exc)
            sock.close()
        self._forget(pair)

    def _forget(self, pair: _Pair) -> None:
        with self._cond:
            self._pairs.pop(pair.number, None)
            self._cond.notify_all()


__all__ = ["FaultProxy", "ProxyCounters", "ProxyError"]
