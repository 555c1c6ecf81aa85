"""WebSocket front end: wss://host/$iothub/websocket with subprotocol mqtt (MQTT, any case,
echoed as offered) carrying the MQTT session; wsproto does the framing."""

from __future__ import annotations

import logging
from typing import Callable, Dict, List, Tuple

from cryptography import x509
from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Message, Ping, RejectConnection, Request,
                            TextMessage)

from .tls_listener import TlsStream

log = logging.getLogger("provisioning_device_client.emulator")

WEBSOCKET_PATH = "/$iothub/websocket"
# serve(read_exactly, write, addr, chain) of a byte-stream protocol, by lower-case subprotocol
StreamHandler = Callable[[Callable[[int], bytes], Callable[[bytes], object], Tuple[str, int], List[x509.Certificate]], None]


def looks_like_websocket(first: bytes) -> bool:
    return first.startswith(b"GET " + WEBSOCKET_PATH.encode())


class _WebSocketStream:
    """Binary messages in and out as a byte stream."""

    def __init__(self, stream: TlsStream, ws: WSConnection) -> None:
        self.stream, self.ws, self.buffer, self.closed = stream, ws, bytearray(), False

    def pump(self) -> List[object]:
        data = self.stream.conn.recv(16 * 1024) if not self.closed else b""
        self.ws.receive_data(data or None)
        if not data:
            self.closed = True
        return list(self.ws.events())

    def read_exactly(self, n: int) -> bytes:
        while len(self.buffer) < n and not self.closed:
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
        if len(self.buffer) < n:
            return b""
        chunk = bytes(self.buffer[:n])
        del self.buffer[:n]
        return chunk

    def write(self, data: bytes) -> None:
        self.stream.write(self.ws.send(Message(data=data)))


class WebSocketFrontEnd:
    def __init__(self, protocols: Dict[str, StreamHandler]) -> None:
        self.protocols = protocols

    def __call__(self, stream: TlsStream, addr: Tuple[str, int], chain: List[x509.Certificate]) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        adapter = _WebSocketStream(stream, ws)
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
            self.protocols[chosen.lower()](adapter.read_exactly, adapter.write, addr, chain)
        except OSError:
            pass
        except Exception as e:  # a protocol violation from the peer: drop the connection
            log.info("%s: WebSocket: %s", addr[0], e)
