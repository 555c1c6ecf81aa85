"""WebSocket front end: wss://host/$iothub/websocket with subprotocol mqtt (MQTT, any case,
echoed as offered) carrying the MQTT session, or AMQPWSB10 carrying AMQP 1.0; wsproto does the
framing."""

from __future__ import annotations

import logging
from typing import Callable, Dict, List, Tuple

from cryptography import x509
from OpenSSL import SSL
from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Message, Ping, RejectConnection, Request,
                            TextMessage)

from .tls_listener import TlsStream

log = logging.getLogger("provisioning_device_client.emulator")

WEBSOCKET_PATH = "/$iothub/websocket"
# serves a byte-stream protocol over the WebSocket: handler(stream, addr, chain), by lower-case subprotocol
StreamHandler = Callable[["WebSocketStream", Tuple[str, int], List[x509.Certificate]], None]


def looks_like_websocket(first: bytes) -> bool:
    return first.startswith(b"GET " + WEBSOCKET_PATH.encode())


class WebSocketStream:
    """Binary messages in and out as a byte stream."""

    def __init__(self, stream: TlsStream, ws: WSConnection) -> None:
        self.stream, self.ws, self.buffer, self.closed = stream, ws, bytearray(), False

    def pump(self) -> List[object]:
        data = b""
        if not self.closed:
            try:
                data = self.stream.conn.recv(16 * 1024)
            except SSL.Error:
                pass  # closed, reset or timed out: the end of the stream
        self.ws.receive_data(data or None)
        if not data:
            self.closed = True
        return list(self.ws.events())

    def read_exactly(self, n: int) -> bytes:
        """n bytes, or b"" once the stream ended first."""
        while len(self.buffer) < n and not self.closed:
            self._receive()
        if len(self.buffer) < n:
            return b""
        chunk = bytes(self.buffer[:n])
        del self.buffer[:n]
        return chunk

    def read_some(self) -> bytes:
        """What arrived (at least one byte), or b"" once the stream ended."""
        while not self.buffer and not self.closed:
            self._receive()
        chunk = bytes(self.buffer)
        self.buffer.clear()
        return chunk

    def _receive(self) -> None:
        for event in self.pump():
            if isinstance(event, BytesMessage):
                self.buffer += event.data
            elif isinstance(event, Ping):
                self.stream.write(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                try:
                    self.stream.write(self.ws.send(event.response()))
                except Exception:
                    pass
                self.closed = True
            elif isinstance(event, TextMessage):
                self.closed = True  # DPS streams are binary

    def write(self, data: bytes) -> None:
        self.stream.write(self.ws.send(Message(data=data)))


class WebSocketFrontEnd:
    def __init__(self, protocols: Dict[str, StreamHandler]) -> None:
        self.protocols = protocols

    def __call__(self, stream: TlsStream, addr: Tuple[str, int], chain: List[x509.Certificate]) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        adapter = WebSocketStream(stream, ws)
        try:
            request = None
            while request is None and not adapter.closed:
                for event in adapter.pump():
                    if isinstance(event, Request):
                        request = event
            if request is None:
                return
            chosen = next((p for p in request.subprotocols if p.lower() in self.protocols), None)
            if request.target.split("?")[0] != WEBSOCKET_PATH or chosen is None:
                stream.write(ws.send(RejectConnection(status_code=404 if chosen else 400)))
                return
            stream.write(ws.send(AcceptConnection(subprotocol=chosen)))
            log.info("%s: WebSocket %s", addr[0], chosen)
            self.protocols[chosen.lower()](adapter, addr, chain)
        except OSError:
            pass
        except Exception as e:  # a protocol violation from the peer: drop the connection
            log.info("%s: WebSocket: %s", addr[0], e)
