"""Our C client's AMQP transports against a fault-injecting peer: the emulator's TLS listener,
WebSocket front end and proton session plumbing with a scripted request handler (drops the
connection, rejects deliveries, sends malformed, oversize, non-data or foreign answers, stays
silent). What is asserted is the client's reaction."""

import json
import time
from types import SimpleNamespace

import pytest

from native_helpers import register
from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.emulator.amqp_front import AmqpSession
from provisioning_device_client.emulator.engine import Reply
from provisioning_device_client.emulator.pki import ensure_pki
from provisioning_device_client.emulator.tls_listener import TlsListener
from provisioning_device_client.emulator.ws_front import WebSocketFrontEnd, looks_like_websocket

proton = pytest.importorskip("proton")

SCOPE = "0ne00000000"
ASSIGNING = json.dumps({"operationId": "op-1", "status": "assigning"}).encode()
ASSIGNED = json.dumps({"operationId": "op-1", "status": "assigned",
                       "registrationState": {"assignedHub": "hub.example", "deviceId": "fault-dev"}}).encode()


class ScriptedSession(AmqpSession):
    """Answers the n-th request with script[n]:
    ("reply", body, retry_after[, key])  a data-section answer with the request's correlation-id,
                                   the retry-after under key (default "retry-after")
    ("foreign", body)              an answer with another correlation-id, then the next step
    ("value", body)                an answer whose body is an amqp-value, not a data section
    ("reject", status, error, retry_after)  the request delivery rejected
    ("release",)                   the request delivery released (not processed)
    ("reply_and_hang_up", body, retry_after)  answer, then close the connection
    ("close",) / ("silent",)"""

    def __init__(self, peer, read_some, write, addr):
        super().__init__(SimpleNamespace(id_scope=SCOPE), read_some, write, addr, [])
        self.peer = peer
        self.hang_up = False
        self.transport.require_auth(peer.require_sasl)

    def flush(self):
        super().flush()
        if self.hang_up:  # a while after the answer went out, while the client waits to poll
            time.sleep(0.3)
            raise ConnectionResetError

    def on_request(self, link, delivery, request):
        self.peer.arrivals.append((time.monotonic(), dict(request.properties or {})))
        sender = next(iter(self.senders.values()))
        step = self.peer.next_step()
        while step[0] == "foreign":
            sender.send(proton.Message(body=step[1], inferred=True, correlation_id="someone-else"))
            step = self.peer.next_step()
        if step[0] == "close":
            raise ConnectionResetError  # the listener drops the connection
        if step[0] == "reject":
            _, status, error, retry_after = step
            self.reject(delivery, Reply(status, error, retry_after))
            return
        if step[0] == "release":
            delivery.update(proton.Delivery.RELEASED)
            delivery.settle()
            return
        delivery.update(proton.Delivery.ACCEPTED)
        delivery.settle()
        if step[0] in ("reply", "reply_and_hang_up"):
            self.hang_up = step[0] == "reply_and_hang_up"
            answer = proton.Message(body=step[1], inferred=True, correlation_id=request.correlation_id)
            if step[2]:
                answer.properties = {step[3] if len(step) > 3 else "retry-after": step[2]}
            sender.send(answer)
        elif step[0] == "value":
            sender.send(proton.Message(body=step[1].decode(), correlation_id=request.correlation_id))


class ScriptedPeer:
    def __init__(self, tmp_path, script, require_sasl=False):
        self.script, self.arrivals, self.require_sasl, self.headers = list(script), [], require_sasl, []
        ca, cert, key = ensure_pki(tmp_path / "peer")
        self.ca_pem = ca.read_text()
        self.listener = TlsListener(str(cert), str(key))
        websocket = WebSocketFrontEnd({"amqpwsb10": lambda ws, addr, chain: self.serve(ws.read_some, ws.write, addr)})
        self.listener.add_front_end(looks_like_websocket, websocket)
        self.listener.add_front_end(lambda first: first[:4] == b"AMQP", self.serve_tls)
        self.listener.start()
        self.uri = f"localhost:{self.listener.port}"

    def next_step(self):
        return self.script.pop(0) if self.script else ("silent",)

    def serve_tls(self, stream, addr, chain):
        self.serve(lambda: stream.conn.recv(16384), stream.write, addr)

    def serve(self, read_some, write, addr):
        first = read_some()
        self.headers.append(first[:8])
        if self.require_sasl and first.startswith(b"AMQP\x00"):
            # AMQP 1.0 section 2.2: a server answers an unsupported header with the one it speaks
            write(b"AMQP\x03\x01\x00\x00")
            return
        pending = [first]
        try:
            ScriptedSession(self, lambda: pending.pop() if pending else read_some(), write, addr).run()
        except Exception:
            pass  # the scripted drop, or the client went away

    def close(self):
        self.listener.stop()


def run(tmp_path, script, transport="amqp", timeout=None, require_sasl=False):
    peer = ScriptedPeer(tmp_path, script, require_sasl)
    cert, key = make_cert("fault-dev")
    try:
        out = register(peer.uri, SCOPE, transport=transport, cert=pem(cert), key=key_pem(key), trusted=peer.ca_pem,
                       timeout=timeout, registration_id="fault-dev")
    finally:
        peer.close()
    return out, peer


both = pytest.mark.parametrize("transport", ["amqp", "amqp_ws"])


@both
def test_connection_dropped_mid_registration(tmp_path, transport):
    out, _ = run(tmp_path, [("reply", ASSIGNING, "1"), ("close",)], transport)
    assert out.result == "TRANSPORT" and out.statuses == ["CONNECTED", "ASSIGNING"]


@both
def test_rejected_throttled_request_is_resent_after_its_retry_after(tmp_path, transport):
    busy = {"errorCode": 429001, "message": "Too many requests"}
    out, peer = run(tmp_path, [("reject", 429, busy, 2), ("reply", ASSIGNING, "1"), ("reply", ASSIGNED, None)],
                    transport)
    assert (out.result, out.hub, out.device_id) == ("OK", "hub.example", "fault-dev")
    (t0, first), (t1, second), (_, third) = peer.arrivals[:3]
    assert first["iotdps-operation-type"] == second["iotdps-operation-type"] == "iotdps-register"
    assert t1 - t0 >= 1.9  # the retry-after from the rejection's info
    assert third == {"iotdps-operation-type": "iotdps-get-operationstatus", "iotdps-operation-id": "op-1"}


@pytest.mark.parametrize("status, error_code, expected", [(401, 401002, "DEV_AUTH_ERROR"),
                                                         (404, 404201, "DEV_AUTH_ERROR"),
                                                         (400, 400209, "UNAUTHORIZED")])
def test_rejected_request_maps_like_an_http_status(tmp_path, status, error_code, expected):
    out, _ = run(tmp_path, [("reject", status, {"errorCode": error_code, "message": "no"}, None)])
    assert out.result == expected


def test_released_request_is_retried(tmp_path):
    out, peer = run(tmp_path, [("release",), ("reply", ASSIGNING, "1"), ("reply", ASSIGNED, None)])
    assert out.result == "OK" and len(peer.arrivals) == 3


def test_malformed_json_answer(tmp_path):
    out, _ = run(tmp_path, [("reply", b"{not json", None)])
    assert out.result == "PARSING"


def test_answer_that_is_not_a_data_section(tmp_path):
    out, _ = run(tmp_path, [("value", ASSIGNING)])
    assert out.result == "TRANSPORT"


def test_oversize_answer_is_refused_without_harm(tmp_path):
    huge = json.dumps({"operationId": "op-1", "status": "assigning", "pad": "x" * 200_000}).encode()
    out, _ = run(tmp_path, [("reply", huge, "1")])
    assert out.result == "PARSING"


def test_answer_for_another_correlation_id_is_ignored(tmp_path):
    disabled = json.dumps({"operationId": "x", "status": "disabled"}).encode()
    out, _ = run(tmp_path, [("foreign", disabled), ("reply", ASSIGNING, "1"), ("foreign", disabled),
                            ("reply", ASSIGNED, None)])
    assert out.result == "OK"


@both
def test_no_answer_times_out(tmp_path, transport):
    start = time.monotonic()
    out, _ = run(tmp_path, [("silent",)], transport, timeout=3)
    assert out.result == "TIMEOUT" and time.monotonic() - start < 15


@both
def test_server_that_requires_sasl_gets_a_sasl_connection(tmp_path, transport):
    out, peer = run(tmp_path, [("reply", ASSIGNING, "1"), ("reply", ASSIGNED, None)], transport, require_sasl=True)
    assert out.result == "OK"
    # plain AMQP first (as the Azure C SDK), then SASL once the server answered with its header
    assert peer.headers == [b"AMQP\x00\x01\x00\x00", b"AMQP\x03\x01\x00\x00"]


@both
def test_connection_closed_between_requests_is_reopened(tmp_path, transport):
    out, peer = run(tmp_path, [("reply_and_hang_up", ASSIGNING, "1"), ("reply", ASSIGNED, None)], transport)
    assert out.result == "OK" and len(peer.headers) == 2  # the poll went out on a new connection


@pytest.mark.parametrize("key, value", [("Retry-After", 1), ("retry-after", "1")])
def test_retry_after_under_either_key_and_type_is_honoured(tmp_path, key, value):
    out, peer = run(tmp_path, [("reply", ASSIGNING, value, key), ("reply", ASSIGNED, None)])
    assert out.result == "OK"
    (t0, _), (t1, _) = peer.arrivals[:2]
    assert 0.9 <= t1 - t0 < 1.8  # 1 s as announced, not the 2 s default
