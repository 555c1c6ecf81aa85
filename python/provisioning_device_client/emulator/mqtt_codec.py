"""MQTT 3.1.1 packets for the DPS subset the emulator serves (pure, no I/O).

Server side only: CONNECT, SUBSCRIBE, PUBLISH, PUBACK, PINGREQ and DISCONNECT are parsed;
CONNACK, SUBACK, PUBLISH, PUBACK and PINGRESP are built. Sizes are bounded (MAX_PACKET_SIZE)
and every malformed input raises MqttError: it faces untrusted bytes (fuzzed in the tests).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

MAX_PACKET_SIZE = 128 * 1024  # DPS messages are at most 96 KB

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 8, 9, 10, 11
PINGREQ, PINGRESP, DISCONNECT = 12, 13, 14

# CONNACK return codes
ACCEPTED, REFUSED_PROTOCOL, REFUSED_IDENTIFIER, REFUSED_UNAVAILABLE, REFUSED_BAD_CREDENTIALS, REFUSED_NOT_AUTHORIZED = range(6)


class MqttError(Exception):
    """A malformed or unsupported packet: the connection must be closed."""


@dataclass
class Connect:
    client_id: str
    username: Optional[str]
    password: Optional[bytes]
    keep_alive: int
    clean_session: bool
    protocol_level: int


@dataclass
class Publish:
    topic: str
    payload: bytes
    qos: int
    packet_id: Optional[int]
    retain: bool
    dup: bool


@dataclass
class Subscribe:
    packet_id: int
    filters: List[Tuple[str, int]]


def read_packet(read_exactly: Callable[[int], bytes]) -> Tuple[int, int, bytes]:
    """Reads one packet: (type, flags, body). read_exactly(n) returns n bytes or b'' at EOF."""
    first = read_exactly(1)
    if not first:
        raise EOFError
    length, multiplier = 0, 1
    for _ in range(4):
        byte = read_exactly(1)
        if not byte:
            raise EOFError
        length += (byte[0] & 0x7F) * multiplier
        if not byte[0] & 0x80:
            break
        multiplier *= 128
    else:
        raise MqttError("remaining length longer than 4 bytes")
    if length > MAX_PACKET_SIZE:
        raise MqttError(f"packet of {length} bytes exceeds {MAX_PACKET_SIZE}")
    body = read_exactly(length) if length else b""
    if len(body) != length:
        raise EOFError
    return first[0] >> 4, first[0] & 0x0F, body


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise MqttError("truncated packet")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def binary(self) -> bytes:
        return self.take(self.u16())

    def text(self) -> str:
        raw = self.binary()
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MqttError("invalid UTF-8 string") from None
        if "\x00" in value:
            raise MqttError("NUL in UTF-8 string")
        return value

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.pos)

    def done(self) -> bool:
        return self.pos == len(self.data)


def parse_connect(flags: int, body: bytes) -> Connect:
    if flags != 0:
        raise MqttError("bad CONNECT flags")
    r = _Reader(body)
    name, level = r.text(), r.u8()
    if (name, level) not in (("MQTT", 4), ("MQIsdp", 3)):
        raise MqttError(f"unsupported protocol {name!r} level {level}")
    connect_flags, keep_alive = r.u8(), r.u16()
    if connect_flags & 0x01:
        raise MqttError("reserved CONNECT flag set")
    client_id = r.text()
    if connect_flags & 0x04:  # will topic and message: read and ignore
        r.text()
        r.binary()
    username = r.text() if connect_flags & 0x80 else None
    password = r.binary() if connect_flags & 0x40 else None
    if not r.done():
        raise MqttError("trailing bytes in CONNECT")
    return Connect(client_id, username, password, keep_alive, bool(connect_flags & 0x02), level)


def parse_publish(flags: int, body: bytes) -> Publish:
    qos = (flags >> 1) & 0x03
    if qos == 3:
        raise MqttError("PUBLISH with QoS 3")
    r = _Reader(body)
    topic = r.text()
    if not topic or "+" in topic or "#" in topic:
        raise MqttError("invalid PUBLISH topic")
    packet_id = r.u16() if qos else None
    return Publish(topic, r.rest(), qos, packet_id, bool(flags & 0x01), bool(flags & 0x08))


def parse_subscribe(flags: int, body: bytes) -> Subscribe:
    if flags != 0x02:
        raise MqttError("bad SUBSCRIBE flags")
    r = _Reader(body)
    packet_id = r.u16()
    filters = []
    while not r.done():
        topic, qos = r.text(), r.u8()
        if qos > 2 or not topic:
            raise MqttError("bad subscription")
        filters.append((topic, qos))
    if not filters:
        raise MqttError("SUBSCRIBE without filters")
    return Subscribe(packet_id, filters)


def parse_packet_id(body: bytes) -> int:
    r = _Reader(body)
    packet_id = r.u16()
    if not r.done():
        raise MqttError("trailing bytes")
    return packet_id


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _packet(kind: int, flags: int, body: bytes) -> bytes:
    return bytes([kind << 4 | flags]) + _remaining_length(len(body)) + body


def _string(value: str) -> bytes:
    raw = value.encode("utf-8")
    return struct.pack(">H", len(raw)) + raw


def connack(return_code: int, session_present: bool = False) -> bytes:
    return _packet(CONNACK, 0, bytes([1 if session_present else 0, return_code]))


def suback(packet_id: int, granted: List[int]) -> bytes:
    return _packet(SUBACK, 0, struct.pack(">H", packet_id) + bytes(granted))


def puback(packet_id: int) -> bytes:
    return _packet(PUBACK, 0, struct.pack(">H", packet_id))


def pingresp() -> bytes:
    return _packet(PINGRESP, 0, b"")


def publish(topic: str, payload: bytes, qos: int = 0, packet_id: Optional[int] = None) -> bytes:
    body = _string(topic) + (struct.pack(">H", packet_id or 1) if qos else b"") + payload
    return _packet(PUBLISH, qos << 1, body)
