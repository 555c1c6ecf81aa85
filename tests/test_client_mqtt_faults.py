"""Our C client's MQTT transport against a fault-injecting peer: the emulator's TLS listener
and MQTT codec with a scripted session (closes mid-registration, 429, malformed JSON, a
foreign $rid, silence, CONNACK refusal). What is asserted is the client's reaction."""

import io
import json
import time

import pytest

from native_helpers import register
from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.emulator import mqtt_codec as mqtt
from provisioning_device_client.emulator.pki import ensure_pki
from provisioning_device_client.emulator.tls_listener import TlsListener


class ScriptedPeer:
    """Answers the n-th request with script[n]: ("reply", status, body, retry_after),
    ("foreign", status, body) (an answer for another $rid, then the next step answers this
    request), ("close",) or ("silent",). Records when each request arrived."""

    def __init__(self, tmp_path, script, connack=mqtt.ACCEPTED):
        self.script, self.connack, self.arrivals = list(script), connack, []
        ca, cert, key = ensure_pki(tmp_path / "peer")
        self.ca_pem = ca.read_text()
        self.listener = TlsListener(str(cert), str(key))
        self.listener.add_front_end(lambda first: first[:1] == b"\x10", self.session)
        self.listener.start()
        self.uri = f"localhost:{self.listener.port}"

    def session(self, stream, addr, chain):
        read = io.BufferedReader(stream).read
        try:
            mqtt.read_packet(read)
            stream.write(mqtt.connack(self.connack))
            if self.connack != mqtt.ACCEPTED:
                return
            while True:
                kind, flags, body = mqtt.read_packet(read)
                if kind == mqtt.SUBSCRIBE:
                    stream.write(mqtt.suback(mqtt.parse_subscribe(flags, body).packet_id, [1]))
                elif kind == mqtt.PUBLISH:
                    p = mqtt.parse_publish(flags, body)
                    if p.packet_id:
                        stream.write(mqtt.puback(p.packet_id))
                    self.arrivals.append((time.monotonic(), p.topic))
                    rid = p.topic.split("$rid=")[1].split("&")[0]
                    step = self.script.pop(0) if self.script else ("silent",)
                    while step[0] == "foreign":
                        stream.write(mqtt.publish(f"$dps/registrations/res/{step[1]}/?$rid=9{rid}9", step[2], 0))
                        step = self.script.pop(0) if self.script else ("silent",)
                    if step[0] == "close":
                        return
                    if step[0] == "reply":
                        _, status, payload, retry_after = step
                        topic = f"$dps/registrations/res/{status}/?$rid={rid}"
                        if retry_after:
                            topic += f"&retry-after={retry_after}"
                        stream.write(mqtt.publish(topic, payload, 0))
        except (EOFError, OSError, mqtt.MqttError):
            pass

    def close(self):
        self.listener.stop()


ASSIGNING = json.dumps({"operationId": "op-1", "status": "assigning"}).encode()
ASSIGNED = json.dumps({"operationId": "op-1", "status": "assigned",
                       "registrationState": {"assignedHub": "hub.example", "deviceId": "fault-dev"}}).encode()


def run(tmp_path, script, timeout=None, connack=mqtt.ACCEPTED):
    peer = ScriptedPeer(tmp_path, script, connack)
    cert, key = make_cert("fault-dev")
    try:
        out = register(peer.uri, "0ne00000000", transport="mqtt", cert=pem(cert), key=key_pem(key),
                       trusted=peer.ca_pem, timeout=timeout)
    finally:
        peer.close()
    return out, peer


def test_connection_closed_mid_registration(tmp_path):
    out, _ = run(tmp_path, [("reply", 202, ASSIGNING, "1"), ("close",)])
    assert out.result == "TRANSPORT" and out.statuses == ["CONNECTED", "ASSIGNING"]


def test_throttled_then_assigned(tmp_path):
    busy = json.dumps({"errorCode": 429001, "message": "Too many requests"}).encode()
    out, peer = run(tmp_path, [("reply", 429, busy, "2"), ("reply", 202, ASSIGNING, "1"),
                               ("reply", 200, ASSIGNED, None)])
    assert (out.result, out.hub, out.device_id) == ("OK", "hub.example", "fault-dev")
    (t0, first), (t1, second) = peer.arrivals[0], peer.arrivals[1]
    assert "iotdps-register" in first and "iotdps-register" in second  # the register is resent
    assert t1 - t0 >= 1.9  # after the retry-after
    assert "operationId=op-1" in peer.arrivals[2][1]


def test_malformed_json_on_the_response_topic(tmp_path):
    out, _ = run(tmp_path, [("reply", 200, b"{not json", None)])
    assert out.result == "PARSING"


def test_answer_with_a_foreign_rid_is_ignored(tmp_path):
    # a terminal 'disabled' for another request arrives first; acting on it would end in DISABLED
    disabled = json.dumps({"operationId": "x", "status": "disabled"}).encode()
    out, _ = run(tmp_path, [("foreign", 200, disabled), ("reply", 202, ASSIGNING, "1"),
                            ("foreign", 401, b"{}"), ("reply", 200, ASSIGNED, None)])
    assert out.result == "OK"


def test_silent_server_times_out(tmp_path):
    start = time.monotonic()
    out, _ = run(tmp_path, [("silent",)], timeout=3)
    assert out.result == "TIMEOUT" and time.monotonic() - start < 15


@pytest.mark.parametrize("code", [mqtt.REFUSED_BAD_CREDENTIALS, mqtt.REFUSED_NOT_AUTHORIZED, mqtt.REFUSED_IDENTIFIER])
def test_connack_refusal_is_an_auth_error(tmp_path, code):
    out, _ = run(tmp_path, [], connack=code)
    assert out.result == "DEV_AUTH_ERROR"


def test_server_unavailable_connack_is_a_transport_error(tmp_path):
    out, _ = run(tmp_path, [], connack=mqtt.REFUSED_UNAVAILABLE)
    assert out.result == "TRANSPORT"
