"""Drive the native C client from tests: one registration, waiting for its callback."""

import threading
from typing import List, Optional

from provisioning_device_client._client import NativeClient
from provisioning_device_client._client import result_name as full_result_name
from provisioning_device_client._native import ffi, lib


def result_name(value: int) -> str:
    return full_result_name(value).replace("PROV_DEVICE_RESULT_", "")


def status_name(value: int) -> str:
    return ffi.string(lib.Prov_Device_Reg_Status_Name(value)).decode().replace("PROV_DEVICE_REG_STATUS_", "")


class Outcome:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Optional[str] = None
        self.hub: Optional[str] = None
        self.device_id: Optional[str] = None
        self.statuses: List[str] = []
        self.callbacks = 0


def register(uri: str, scope: str, *, transport: str = "http", cert: Optional[str] = None,
             key: Optional[str] = None, trusted: Optional[str] = None, proxy=None, timeout: Optional[int] = None,
             registration_id: Optional[str] = None, payload: Optional[str] = None, trace: bool = False,
             wait: float = 90) -> Outcome:
    client = NativeClient(uri, scope, transport)
    outcome = Outcome()

    def on_register(result, hub, device_id):
        outcome.result, outcome.hub, outcome.device_id = result_name(result), hub, device_id
        outcome.callbacks += 1
        outcome.done.set()

    try:
        if trusted is not None:
            assert client.set_string("TrustedCerts", trusted) == 0
        if cert is not None:
            assert client.set_string("x509certificate", cert) == 0
            assert client.set_string("x509privatekey", key) == 0
        if proxy is not None:
            assert client.set_proxy(*proxy) == 0
        if timeout is not None:
            assert client.set_uint8("provisioning_timeout", timeout) == 0
        if registration_id is not None:
            assert client.set_string("registration_id", registration_id) == 0
        if payload is not None:
            assert client.set_payload(payload) == 0
        if trace:
            assert client.set_bool("logtrace", True) == 0
        rc = client.register(on_register, lambda s: outcome.statuses.append(status_name(s)))
        if rc != 0:
            outcome.result = "REGISTER_" + result_name(rc)
            return outcome
        assert outcome.done.wait(wait), "no register callback"
        outcome.payload = client.payload()  # type: ignore[attr-defined]
    finally:
        client.close()
    return outcome
