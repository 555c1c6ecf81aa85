"""AMQP 1.0 front end (dps-protocol.md section 3) on python-qpid-proton's engine.

TLS is already terminated by the listener, so proton only sees plaintext: a server-mode
Transport bound to a Connection, bytes pushed in and popped out (no reactor, no proton SSL).

  links     the client's receiver has source ...{scope}/registrations/{id}, its sender the
            same target (amqps://host/... or relative: the trailing three segments count)
  requests  application property iotdps-operation-type = iotdps-register (body: the
            registration JSON, any section type) or iotdps-get-operationstatus with
            iotdps-operation-id (any body)
  answers   a message on the client's receiver: data section JSON, the request's
            correlation-id, retry-after under both `retry-after` and `Retry-After`; errors
            (HTTP-style status >= 400) reject the request delivery with the error JSON as the
            condition description and the retry-after in its info

No SASL layer (X.509 devices: the TLS certificate authenticates), or SASL ANONYMOUS for
clients that always send a SASL header. The certificate is judged by the engine per request.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

from cryptography import x509
from OpenSSL import SSL
from proton import (Collector, Condition, Connection, Delivery, Endpoint, Event, Link, Message, ProtonException,
                    Transport, symbol)

from .engine import Engine, Reply, error_body
from .tls_listener import TlsStream

log = logging.getLogger("provisioning_device_client.emulator")

ReadSome = Callable[[], bytes]
Write = Callable[[bytes], object]

REGISTER = "iotdps-register"
STATUS = "iotdps-get-operationstatus"
MAX_MESSAGE_BYTES = 128 * 1024

_CONDITIONS = {401: "amqp:unauthorized-access", 403: "amqp:unauthorized-access", 404: "amqp:not-found",
               429: "amqp:resource-limit-exceeded"}


def parse_address(address: Optional[str]) -> Optional[Tuple[str, str]]:
    """(scope, registration id) from amqps://host/{scope}/registrations/{id} or the relative form."""
    if not address:
        return None
    path = urllib.parse.urlsplit(address).path if "://" in address else address
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[-2] != "registrations" or not parts[-3] or not parts[-1]:
        return None
    return parts[-3], urllib.parse.unquote(parts[-1])


def _body_bytes(body: Any) -> bytes:
    """A data section (bytes); an amqp-value string or no body are tolerated."""
    if isinstance(body, str):
        return body.encode()
    return bytes(body) if isinstance(body, (bytes, memoryview)) else b""


class AmqpFrontEnd:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, stream: TlsStream, addr: Tuple[str, int], chain: List[x509.Certificate]) -> None:
        def read_some() -> bytes:
            try:
                return stream.conn.recv(16 * 1024)
            except SSL.Error:
                return b""  # closed, reset or timed out
        self.serve(read_some, stream.write, addr, chain)

    def serve(self, read_some: ReadSome, write: Write, addr: Tuple[str, int], chain: List[x509.Certificate]) -> None:
        try:
            AmqpSession(self.engine, read_some, write, addr, chain).run()
        except OSError:
            pass
        except ProtonException as e:  # the peer broke the protocol: drop the connection
            log.info("%s: AMQP: %s", addr[0], e)


class AmqpSession:
    """One AMQP connection: proton's server engine fed from read_some, answering through write."""

    def __init__(self, engine: Engine, read_some: ReadSome, write: Write, addr: Tuple[str, int],
                 chain: List[x509.Certificate]) -> None:
        self.engine, self.read_some, self.write, self.addr, self.chain = engine, read_some, write, addr, chain
        self.transport = Transport(Transport.SERVER)
        self.transport.require_auth(False)  # no SASL header is fine (X.509)
        self.transport.sasl().allowed_mechs("ANONYMOUS")
        self.connection = Connection()
        self.connection.container = "dps-emulator"
        self.collector = Collector()
        self.connection.collect(self.collector)
        self.transport.bind(self.connection)
        self.senders: Dict[Tuple[str, str], Link] = {}  # (scope, id) -> our sender (the client's receiver)

    def run(self) -> None:
        while True:
            self.handle_events()
            self.flush()
            if self.transport.closed:
                return
            data = self.read_some()
            if not data:
                self.transport.close_tail()
                self.handle_events()
                return
            while data:
                room = self.transport.capacity()
                if room <= 0:
                    return  # proton closed its input (a protocol error was answered)
                self.transport.push(data[:room])
                data = data[room:]

    def flush(self) -> None:
        while True:
            pending = self.transport.pending()
            if pending <= 0:
                return
            chunk = self.transport.peek(pending)
            self.write(chunk)
            self.transport.pop(len(chunk))

    def handle_events(self) -> None:
        while True:
            event = self.collector.peek()
            if event is None:
                return
            try:
                self.on_event(event)
            finally:
                self.collector.pop()

    def on_event(self, event: Event) -> None:
        kind = event.type
        if kind == Event.CONNECTION_REMOTE_OPEN:
            event.connection.open()
        elif kind == Event.SESSION_REMOTE_OPEN:
            event.session.open()
        elif kind == Event.LINK_REMOTE_OPEN:
            self.on_link_open(event.link)
        elif kind == Event.DELIVERY and event.link.is_receiver:
            request = self.receive(event.link, event.delivery)
            if request is not None:
                self.on_request(event.link, event.delivery, request)
        elif kind == Event.LINK_REMOTE_CLOSE:
            event.link.close()
            self.senders = {k: v for k, v in self.senders.items() if v is not event.link}
        elif kind == Event.SESSION_REMOTE_CLOSE:
            event.session.close()
        elif kind == Event.CONNECTION_REMOTE_CLOSE:
            event.connection.close()
        elif kind == Event.TRANSPORT_ERROR:
            condition = event.transport.condition
            log.info("%s: AMQP: %s", self.addr[0], condition.description if condition else "transport error")

    def on_link_open(self, link: Link) -> None:
        address = link.remote_source.address if link.is_sender else link.remote_target.address
        target = parse_address(address)
        link.source.copy(link.remote_source)
        link.target.copy(link.remote_target)
        link.open()
        if target is None:  # a wrong scope is the engine's to answer, per request
            link.condition = Condition("amqp:not-found", f"no registration at {str(address)[:200]!r}")
            link.close()
            return
        if link.is_sender:
            self.senders[target] = link
        else:
            link.flow(8)
        log.info("%s: AMQP link %s %s", self.addr[0], "to" if link.is_sender else "from", target[1])

    def receive(self, link: Link, delivery: Delivery) -> Optional[Message]:
        """The request once it is whole; None while it is not, or when it was refused."""
        if delivery.pending > MAX_MESSAGE_BYTES:
            link.condition = Condition("amqp:link:message-size-exceeded", "request too large")
            link.close()
            return None
        if not delivery.readable or delivery.partial:
            return None
        raw = link.recv(delivery.pending) or b""
        link.advance()
        link.flow(1)
        message = Message()
        try:
            message.decode(raw)
        except Exception as e:  # a malformed message from a client: reject it, keep the session
            self.reject(delivery, Reply(400, error_body(400004, f"undecodable message: {e}", time.time())))
            return None
        return message

    def on_request(self, link: Link, delivery: Delivery, message: Message) -> None:
        target = parse_address(link.remote_target.address)
        assert target is not None  # links with other addresses were closed at attach
        properties: Dict[Any, Any] = message.properties or {}
        operation = str(properties.get("iotdps-operation-type", ""))
        scope, registration_id = target
        if operation == REGISTER:
            reply = self.engine.register(scope, registration_id, _body_bytes(message.body), self.chain)
        elif operation == STATUS:
            reply = self.engine.operation_status(scope, registration_id,
                                                 str(properties.get("iotdps-operation-id", "")), self.chain)
        else:
            unknown = error_body(400004, f"unknown operation {operation[:64]!r}", time.time())
            self.reject(delivery, Reply(400, unknown))
            return
        log.info("%s: AMQP %s %s -> %d", self.addr[0], operation, registration_id, reply.status)
        if reply.status >= 400:
            self.reject(delivery, reply)
            return
        delivery.update(Delivery.ACCEPTED)
        delivery.settle()
        sender = self.senders.get(target)
        if sender is None or sender.state & Endpoint.LOCAL_CLOSED:
            return  # no receiver link: nowhere to deliver, as with the service
        answer = Message(body=json.dumps(reply.body).encode(), inferred=True,
                         correlation_id=message.correlation_id)
        if reply.retry_after is not None:
            answer.properties = {"retry-after": str(reply.retry_after), "Retry-After": str(reply.retry_after)}
        sender.send(answer)

    @staticmethod
    def reject(delivery: Delivery, reply: Reply) -> None:
        info = {}
        if reply.retry_after is not None:
            info = {symbol("retry-after"): str(reply.retry_after), symbol("Retry-After"): str(reply.retry_after)}
        fallback = "amqp:internal-error" if reply.status >= 500 else "amqp:precondition-failed"
        name = _CONDITIONS.get(reply.status, fallback)
        delivery.local.condition = Condition(name, json.dumps(reply.body), info or None)
        delivery.update(Delivery.REJECTED)
        delivery.settle()
