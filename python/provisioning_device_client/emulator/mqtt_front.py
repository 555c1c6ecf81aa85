"""MQTT front end (dps-protocol.md section 2): one device session per connection.

  CONNECT   client id = registration id, username {scope}/registrations/{id}/api-version=...
  SUBSCRIBE $dps/registrations/res/#  (granted QoS <= 1)
  PUBLISH   $dps/registrations/PUT/iotdps-register/?$rid={rid}
            $dps/registrations/GET/iotdps-get-operationstatus/?$rid={rid}&operationId={op}
  answers   $dps/registrations/res/{status}/?$rid={rid}&retry-after={n}   ($rid echoed verbatim)

A device only ever receives answers to its own requests (one session per connection). The
certificate is judged by the engine at the first request (an unknown device gets res/401).
"""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
from typing import Callable, Dict, List, Optional, Tuple

from cryptography import x509

from . import mqtt_codec as mqtt
from .engine import Engine, Reply
from .tls_listener import TlsStream

log = logging.getLogger("provisioning_device_client.emulator")

RESPONSE_FILTER = "$dps/registrations/res/#"
REGISTER_PREFIX = "$dps/registrations/PUT/iotdps-register/?"
STATUS_PREFIX = "$dps/registrations/GET/iotdps-get-operationstatus/?"

ReadExactly = Callable[[int], bytes]
Write = Callable[[bytes], object]


def looks_like_mqtt(first: bytes) -> bool:
    return first[:1] == b"\x10"  # CONNECT


def _query(topic: str, prefix: str) -> Dict[str, str]:
    """Parameters after the '?', values verbatim (the $rid is echoed byte for byte)."""
    params: Dict[str, str] = {}
    for part in topic[len(prefix):].split("&"):
        name, _, value = part.partition("=")
        params.setdefault(name, value)
    return params


def _parse_username(username: Optional[str]) -> Optional[Tuple[str, str]]:
    parts = (username or "").split("/", 3)
    if len(parts) < 4 or parts[1] != "registrations" or not parts[0] or not parts[2]:
        return None
    return parts[0], urllib.parse.unquote(parts[2])


class MqttFrontEnd:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, stream: TlsStream, addr: Tuple[str, int], chain: List[x509.Certificate]) -> None:
        reader = io.BufferedReader(stream, 16 * 1024)
        self.serve(reader.read, stream.write, addr, chain)

    def serve(self, read_exactly: ReadExactly, write: Write, addr: Tuple[str, int],
              chain: List[x509.Certificate]) -> None:
        try:
            _Session(self.engine, read_exactly, write, addr, chain).run()
        except (EOFError, OSError):
            pass
        except mqtt.MqttError as e:
            log.info("%s: MQTT: %s", addr[0], e)


class _Session:
    def __init__(self, engine: Engine, read_exactly: ReadExactly, write: Write, addr: Tuple[str, int],
                 chain: List[x509.Certificate]) -> None:
        self.engine, self.read, self.write, self.addr, self.chain = engine, read_exactly, write, addr, chain
        self.scope = self.registration_id = ""
        self.granted: Optional[int] = None  # QoS granted on the response filter, None before SUBSCRIBE
        self.next_packet_id = 1

    def run(self) -> None:
        kind, flags, body = mqtt.read_packet(self.read)
        if kind != mqtt.CONNECT:
            raise mqtt.MqttError("the first packet must be CONNECT")
        self.connect(mqtt.parse_connect(flags, body))
        while True:
            kind, flags, body = mqtt.read_packet(self.read)
            if kind == mqtt.PUBLISH:
                self.on_publish(mqtt.parse_publish(flags, body))
            elif kind == mqtt.SUBSCRIBE:
                sub = mqtt.parse_subscribe(flags, body)
                granted = []
                for topic, qos in sub.filters:
                    ok = topic == RESPONSE_FILTER
                    granted.append(min(qos, 1) if ok else 0x80)
                    if ok:
                        self.granted = min(qos, 1)
                self.write(mqtt.suback(sub.packet_id, granted))
            elif kind == mqtt.PUBACK:
                mqtt.parse_packet_id(body)  # acknowledgements of our answers: nothing to do
            elif kind == mqtt.PINGREQ:
                self.write(mqtt.pingresp())
            elif kind == mqtt.DISCONNECT:
                return
            elif kind == mqtt.UNSUBSCRIBE:
                self.granted = None
                self.write(bytes([mqtt.UNSUBACK << 4, 2]) + body[:2])
            else:
                raise mqtt.MqttError(f"unexpected packet type {kind}")

    def connect(self, c: mqtt.Connect) -> None:
        parsed = _parse_username(c.username)
        if parsed is None or parsed[0].lower() != self.engine.id_scope.lower():
            self.write(mqtt.connack(mqtt.REFUSED_BAD_CREDENTIALS))
            raise EOFError
        self.scope, self.registration_id = parsed
        if c.client_id.lower() != self.registration_id.lower():
            self.write(mqtt.connack(mqtt.REFUSED_IDENTIFIER))
            raise EOFError
        self.write(mqtt.connack(mqtt.ACCEPTED))
        log.info("%s: MQTT CONNECT %s", self.addr[0], self.registration_id)

    def on_publish(self, p: mqtt.Publish) -> None:
        if p.qos == 1 and p.packet_id is not None:
            self.write(mqtt.puback(p.packet_id))
        if p.topic.startswith(REGISTER_PREFIX):
            params = _query(p.topic, REGISTER_PREFIX)
            reply = self.engine.register(self.scope, self.registration_id, p.payload, self.chain)
        elif p.topic.startswith(STATUS_PREFIX):
            params = _query(p.topic, STATUS_PREFIX)
            op = urllib.parse.unquote(params.get("operationId", ""))
            reply = self.engine.operation_status(self.scope, self.registration_id, op, self.chain)
        else:
            raise mqtt.MqttError(f"unknown topic {p.topic[:80]!r}")
        if "$rid" not in params:
            raise mqtt.MqttError("request without $rid")
        self.answer(params["$rid"], reply)

    def answer(self, rid: str, reply: Reply) -> None:
        if self.granted is None:
            return  # not subscribed: nowhere to deliver, as with the service
        topic = f"$dps/registrations/res/{reply.status}/?$rid={rid}"
        if reply.retry_after is not None:
            topic += f"&retry-after={reply.retry_after}"
        packet_id = None
        if self.granted:
            packet_id = self.next_packet_id
            self.next_packet_id = self.next_packet_id % 65535 + 1
        self.write(mqtt.publish(topic, json.dumps(reply.body).encode(), self.granted, packet_id))
        log.info("%s: MQTT %s -> %d", self.addr[0], self.registration_id, reply.status)
