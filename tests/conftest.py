"""Shared fixtures: a running emulator and raw device connections to it."""

import http.client
import json
import pathlib
import ssl
from typing import Any, Dict, Optional, Tuple

import pytest

from provisioning_device_client.emulator import Emulator


@pytest.fixture
def emulator():
    with Emulator() as emu:
        yield emu


class RawDevice:
    """An independent DPS HTTPS client: stdlib http.client + ssl with a client certificate."""

    def __init__(self, emu: Emulator, chain_pem: Optional[str], key_pem: Optional[str],
                 tmp: pathlib.Path, registration_id: str) -> None:
        ctx = ssl.create_default_context(cafile=str(emu.ca_cert_path))
        if chain_pem:
            (tmp / "chain.pem").write_text(chain_pem)
            (tmp / "key.pem").write_text(key_pem or "")
            ctx.load_cert_chain(str(tmp / "chain.pem"), str(tmp / "key.pem"))
        host, port = emu.provisioning_host.rsplit(":", 1)
        self.conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
        self.scope, self.registration_id = emu.id_scope, registration_id

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any, Dict[str, str]]:
        self.conn.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None), {k.lower(): v for k, v in resp.getheaders()}

    def register(self, body: Any = None, registration_id: Optional[str] = None):
        rid = registration_id or self.registration_id
        data = json.dumps(body if body is not None else {"registrationId": rid}).encode()
        return self.request("PUT", f"/{self.scope}/registrations/{rid}/register?api-version=2021-06-01", data)

    def poll(self, operation_id: str, registration_id: Optional[str] = None):
        rid = registration_id or self.registration_id
        return self.request("GET", f"/{self.scope}/registrations/{rid}/operations/{operation_id}?api-version=2021-06-01")

    def register_and_poll(self):
        status, body, headers = self.register()
        if status != 202:
            return status, body, headers
        return self.poll(body["operationId"])


@pytest.fixture
def raw_device(emulator, tmp_path):
    def make(chain_pem, key_pem, registration_id):
        return RawDevice(emulator, chain_pem, key_pem, tmp_path, registration_id)
    return make
