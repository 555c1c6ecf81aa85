"""End to end: our C client (through the cffi module) against the emulator over real TLS,
and through a real HTTP CONNECT proxy (Debian's tinyproxy)."""

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from native_helpers import register
from pki_helpers import key_pem, make_cert, pem
from provisioning_device_client.dice import DiceIdentity
from provisioning_device_client.emulator import Emulator

TRANSPORTS = ["http", "mqtt", "mqtt_ws", "amqp", "amqp_ws"]
each_transport = pytest.mark.parametrize("transport", TRANSPORTS)


@each_transport
def test_dice_individual_enrollment(emulator, transport):
    dice = DiceIdentity()  # the legacy package's default identity
    emulator.service.enroll_individual(dice.registration_id, dice.alias_cert_pem)
    out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, trusted=emulator.ca_pem)
    assert (out.result, out.hub, out.device_id) == ("OK", "emulated-hub.azure-devices.net", "riot-device-cert")
    assert out.statuses[:2] == ["CONNECTED", "ASSIGNING"] and out.callbacks == 1
    assert emulator.service.hub_device("riot-device-cert")["status"] == "enabled"


@each_transport
def test_pem_individual_enrollment_with_payload(transport):
    hubs = ["hub-1.azure-devices.net"]
    with Emulator(hubs=hubs, allocator=lambda req: (hubs[0], {"got": req["deviceRuntimeContext"]["payload"]})) as emu:
        cert, key = make_cert("pem-e2e-1")
        emu.service.enroll_individual("pem-e2e-1", pem(cert), device_id="pump-1")
        out = register(emu.provisioning_host, emu.id_scope, transport=transport, cert=pem(cert), key=key_pem(key), trusted=emu.ca_pem,
                       payload='{"model": "m1"}')
        assert (out.result, out.hub, out.device_id) == ("OK", hubs[0], "pump-1")
        assert out.payload == '{"got":{"model":"m1"}}'


@each_transport
def test_group_enrollment_with_intermediate_in_presented_chain(emulator, transport):
    root = make_cert("E2E Root", ca=True)
    inter = make_cert("E2E Intermediate", root, ca=True)
    code = emulator.service.upload_ca("e2e-root", pem(root[0]))["verificationCode"]
    emulator.service.verify_ca("e2e-root", pem(make_cert(code, root)[0]))
    emulator.service.enroll_group("e2e-group", ca_name="e2e-root")
    leaf, leaf_key = make_cert("group-e2e-1", inter)
    out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(leaf) + pem(inter[0]),
                   key=key_pem(leaf_key), trusted=emulator.ca_pem)
    assert (out.result, out.device_id) == ("OK", "group-e2e-1")
    assert emulator.service.registration("group-e2e-1")["x509"] == {"enrollmentGroupId": "e2e-group"}


@each_transport
def test_unknown_device_is_refused(emulator, transport):
    cert, key = make_cert("nobody-e2e")
    out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key),
                   trusted=emulator.ca_pem)
    assert (out.result, out.hub, out.device_id) == ("DEV_AUTH_ERROR", None, None)
    assert out.statuses == ["CONNECTED"]


@each_transport
def test_disabled_enrollment(emulator, transport):
    cert, key = make_cert("disabled-e2e")
    emulator.service.enroll_individual("disabled-e2e", pem(cert), disabled=True)
    out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key),
                   trusted=emulator.ca_pem)
    assert out.result == "DISABLED"


@each_transport
def test_wrong_ca_fails_tls(emulator, transport):
    cert, key = make_cert("wrong-ca-e2e")
    emulator.service.enroll_individual("wrong-ca-e2e", pem(cert))
    other_ca, _ = make_cert("Some Other CA", ca=True)
    out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key),
                   trusted=pem(other_ca))
    assert out.result == "TRANSPORT" and out.statuses == []
    assert emulator.service.registrations() == []


@each_transport
def test_ssl_cert_file_is_honoured(emulator, monkeypatch, transport):
    cert, key = make_cert("env-trust-e2e")
    emulator.service.enroll_individual("env-trust-e2e", pem(cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(emulator.ca_cert_path))
    out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key))
    assert out.result == "OK"


@each_transport
def test_throttled_polls_are_retried_until_assigned(transport):
    with Emulator(retry_after=1, assign_after_polls=7) as emu:  # 5 polls / 10 s, then 429
        cert, key = make_cert("throttled-e2e")
        emu.service.enroll_individual("throttled-e2e", pem(cert))
        out = register(emu.provisioning_host, emu.id_scope, transport=transport, cert=pem(cert), key=key_pem(key), trusted=emu.ca_pem)
        assert out.result == "OK" and out.statuses.count("ASSIGNING") >= 5


@each_transport
def test_connection_refused_is_a_transport_error(transport):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    cert, key = make_cert("refused-e2e")
    out = register(f"127.0.0.1:{port}", "0ne00000000", transport=transport, cert=pem(cert), key=key_pem(key))
    assert out.result == "TRANSPORT"


@each_transport
def test_silent_server_times_out(transport):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    held = []
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    cert, key = make_cert("silent-e2e")
    start = time.monotonic()
    out = register(f"127.0.0.1:{server.getsockname()[1]}", "0ne00000000", transport=transport, cert=pem(cert),
                   key=key_pem(key), timeout=2)
    assert out.result == "TIMEOUT" and 1.9 < time.monotonic() - start < 10
    server.close()


@each_transport
def test_logtrace_never_logs_the_private_key(emulator, caplog, transport):
    import logging
    cert, key = make_cert("trace-e2e")
    emulator.service.enroll_individual("trace-e2e", pem(cert))
    with caplog.at_level(logging.DEBUG, logger="provisioning_device_client"):
        out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key),
                       trusted=emulator.ca_pem, trace=True)
    assert out.result == "OK"
    text = "\n".join(r.getMessage() for r in caplog.records)
    if transport == "http":
        assert "PUT /" in text and "register?api-version=2021-06-01" in text
        assert "UserAgent: prov_device_client/1.0" in text
    elif transport.startswith("mqtt"):
        assert "MQTT CONNECT" in text and "> PUBLISH $dps/registrations/PUT/iotdps-register/?$rid=" in text
        assert "api-version=2021-06-01&ClientVersion=provisioning-device-client%2F" in text
    else:
        assert f"AMQP -> iotdps-register amqps://localhost/{emulator.id_scope}/registrations/trace-e2e" in text
        assert "AMQP <- message (retry-after 2)" in text
    assert '"status": "assigned"' in text or '"status":"assigned"' in text
    key_body = "".join(key_pem(key).splitlines()[1:-1])
    assert key_body[:40] not in text and "PRIVATE KEY" not in text


# -- through a real HTTP CONNECT proxy -------------------------------------------------------

def _start_tinyproxy(tmp_path, auth=None):
    if shutil.which("tinyproxy") is None and not os.path.exists("/usr/bin/tinyproxy"):
        pytest.fail("tinyproxy is not installed (tools/bootstrap installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp_path / "tinyproxy.conf"
    lines = [f"Port {port}", "Listen 127.0.0.1", "Timeout 60", "Allow 127.0.0.1", "MaxClients 20",
             f"LogFile \"{tmp_path / 'tinyproxy.log'}\"", "LogLevel Connect"]
    if auth:
        lines.append(f"BasicAuth {auth[0]} {auth[1]}")
    conf.write_text("\n".join(lines) + "\n")
    binary = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
    proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port, tmp_path / "tinyproxy.log"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("tinyproxy did not start")


@pytest.mark.parametrize("transport", ["http", "mqtt_ws", "amqp_ws"])
@pytest.mark.parametrize("auth", [None, ("dpsuser", "s3cret")])
def test_through_tinyproxy(emulator, tmp_path, auth, transport):
    proc, port, log = _start_tinyproxy(tmp_path, auth)
    try:
        cert, key = make_cert("proxied-e2e")
        emulator.service.enroll_individual("proxied-e2e", pem(cert))
        proxy = ("127.0.0.1", port, *(auth or ("", "")))
        out = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key),
                       trusted=emulator.ca_pem, proxy=proxy)
        assert out.result == "OK"
        if auth:  # the wrong password is refused by the proxy (407 on CONNECT)
            bad = register(emulator.provisioning_host, emulator.id_scope, transport=transport, cert=pem(cert), key=key_pem(key),
                           trusted=emulator.ca_pem, proxy=("127.0.0.1", port, "dpsuser", "wrong"))
            assert bad.result == "TRANSPORT"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "CONNECT" in log.read_text()  # the traffic really went through the proxy


# -- the C sample program ----------------------------------------------------------------------

def _sample_binaries():
    tools = os.environ.get("PDC_C_TOOLS_DIR")
    if not tools:
        pytest.skip("PDC_C_TOOLS_DIR not set (tools/test sets it to the C build)")
    found = [os.path.join(tools, "prov_dev_client_sample")]
    asan = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(tools))), "asan", "csrc", "tools",
                        "prov_dev_client_sample")
    if os.path.exists(asan):
        found.append(asan)  # the same flow under ASan + UBSan
    for b in found:
        assert os.path.exists(b), f"{b} is missing: build the C tree first"
    return found


@each_transport
def test_c_sample_registers(emulator, transport):
    dice = DiceIdentity()
    emulator.service.enroll_individual(dice.registration_id, dice.alias_cert_pem)
    for binary in _sample_binaries():
        env = {**os.environ, "SSL_CERT_FILE": str(emulator.ca_cert_path), "ASAN_OPTIONS": "detect_leaks=1",
               "SAMPLE_TRANSPORT": transport}
        r = subprocess.run([binary, emulator.provisioning_host, emulator.id_scope], input="\n", env=env,
                           capture_output=True, text=True, timeout=90)
        lines = r.stdout.replace("\r\n", "\n")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Provisioning API Version: 0.1.0" in lines
        assert "Provisioning Status: PROV_DEVICE_REG_STATUS_CONNECTED" in lines
        assert ("Registration Information received from service: emulated-hub.azure-devices.net, "
                "deviceId: riot-device-cert") in lines
        assert lines.rstrip().endswith("Press enter key to exit:")
        assert "ERROR: AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr
