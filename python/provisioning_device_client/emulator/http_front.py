"""HTTPS front end: the device registration API (dps-protocol.md section 1) and the service API
on the same port, chosen by path."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any, List, Optional, Tuple

from cryptography import x509

from .engine import MAX_BODY_BYTES, Engine, Reply, error_body
from .service_api import ServiceApi
from .tls_listener import TlsStream

log = logging.getLogger("provisioning_device_client.emulator")


def looks_like_http(first: bytes) -> bool:
    """An HTTP/1.1 request line starts with an upper-case method name."""
    return first[:4] in (b"GET ", b"PUT ", b"POST", b"DELE", b"HEAD", b"OPTI", b"PATC")


class HttpFrontEnd:
    def __init__(self, engine: Engine, service: ServiceApi) -> None:
        self.engine, self.service = engine, service

    def __call__(self, stream: TlsStream, addr: Tuple[str, int], chain: List[x509.Certificate]) -> None:
        _Handler(stream, addr, self, chain)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the C SDK reuses one connection
    server_version = "dps-emulator"

    def __init__(self, stream: TlsStream, addr: Tuple[str, int], front: HttpFrontEnd,
                 chain: List[x509.Certificate]) -> None:
        self._stream, self._front, self._chain = stream, front, chain
        super().__init__(stream, addr, None)  # type: ignore[arg-type]

    def setup(self) -> None:
        self.rfile = io.BufferedReader(self._stream, 16 * 1024)
        self.wfile = self._stream  # type: ignore[assignment]

    def finish(self) -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("%s %s", self.client_address[0], format % args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> Optional[bytes]:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._send(Reply(411, error_body(411001, "Content-Length required.", self._front.engine.clock())),
                       close=True)
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            # Drain a bounded amount so the 413 reaches the client instead of a reset.
            if 0 < length <= 4 * MAX_BODY_BYTES:
                self.rfile.read(length)
            self._send(Reply(413 if length > 0 else 400,
                             error_body(413001 if length > 0 else 400001, "Request body too large or malformed.",
                                        self._front.engine.clock())), close=True)
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        if body is None:
            return
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/") if p]
        engine = self._front.engine
        # Device API: /{scope}/registrations/{id}/register | /{scope}/registrations/{id}/operations/{op}
        if len(parts) >= 4 and parts[1] == "registrations":
            scope, registration_id = parts[0], parts[2]
            if self.command == "PUT" and len(parts) == 4 and parts[3] == "register":
                reply = engine.register(scope, registration_id, body, self._chain)
            elif self.command == "GET" and len(parts) == 5 and parts[3] == "operations":
                reply = engine.operation_status(scope, registration_id, parts[4], self._chain)
            else:
                reply = Reply(404, error_body(404000, "No such route.", engine.clock()))
            log.info("%s %s %s -> %d", self.client_address[0], self.command, url.path, reply.status)
            self._send(reply)
            return
        try:
            doc = json.loads(body) if body.strip() else None
        except ValueError:
            self._send(Reply(400, error_body(400001, "The request body is not valid JSON.", engine.clock())))
            return
        self._send(self._front.service.handle(self.command, parts, doc, self.headers.get("Authorization"),
                                              engine.clock()))

    def _send(self, reply: Reply, close: bool = False) -> None:
        data = b"" if reply.status == 204 else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if close:
            self.send_header("Connection", "close")  # also sets close_connection
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if reply.retry_after is not None:
            self.send_header("retry-after", str(reply.retry_after))  # lower case: the C SDK looks it up so
        self.end_headers()
        self.wfile.write(data)
