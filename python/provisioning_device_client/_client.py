"""The native threaded client (Prov_Device_* in C) with callbacks into Python.

Private: the legacy and modern APIs build on it. Callbacks arrive on the C worker thread
(cffi takes the GIL); each registration's Python context is kept alive, through a cffi
handle, until its register callback has run or the client is closed.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional

from . import _log
from ._native import ffi, lib

# ffi.addressof: a real function pointer (older _cffi_backend, e.g. Debian's 1.15 on armhf,
# does not accept lib.<function> itself as one).
TRANSPORTS: Dict[str, Any] = {
    "http": ffi.addressof(lib, "Prov_Device_HTTP_Protocol"),
    "mqtt": ffi.addressof(lib, "Prov_Device_MQTT_Protocol"),
    "mqtt_ws": ffi.addressof(lib, "Prov_Device_MQTT_WS_Protocol"),
    "amqp": ffi.addressof(lib, "Prov_Device_AMQP_Protocol"),
    "amqp_ws": ffi.addressof(lib, "Prov_Device_AMQP_WS_Protocol"),
}

RegisterCallback = Callable[[int, Optional[str], Optional[str]], None]
StatusCallback = Callable[[int], None]

_security_lock = threading.Lock()

# Every registration C may still call back, with its client: strong references for as long
# as C holds the handle. Without this an unreferenced client and its pending registration
# form a garbage cycle, and the collector would destroy the C client mid-registration.
_live: Dict[int, "_Registration"] = {}
_live_lock = threading.Lock()


def ensure_x509_security() -> None:
    """prov_dev_security_init(X509), once per process (the C API keeps it process-wide)."""
    with _security_lock:
        if lib.prov_dev_security_get_type() != lib.SECURE_DEVICE_TYPE_X509:
            if lib.prov_dev_security_init(lib.SECURE_DEVICE_TYPE_X509) != 0:
                raise RuntimeError("prov_dev_security_init(X509) failed")


def result_name(value: int) -> str:
    return str(ffi.string(lib.Prov_Device_Result_Name(value)).decode())


def version_string() -> str:
    return ffi.string(lib.Prov_Device_GetVersionString()).decode()


def _text(ptr: Any) -> Optional[str]:
    return None if ptr == ffi.NULL else ffi.string(ptr).decode("utf-8", "replace")


class _Registration:
    """The Python side of one Register_Device call."""

    def __init__(self, client: "NativeClient", on_register: RegisterCallback,
                 on_status: Optional[StatusCallback]) -> None:
        self.client, self.on_register, self.on_status = client, on_register, on_status
        self.handle = ffi.new_handle(self)


@ffi.def_extern()
def _pdc_register_callback(result, hub, device_id, context):  # type: ignore[no-untyped-def]
    registration: _Registration = ffi.from_handle(context)
    try:
        registration.on_register(int(result), _text(hub), _text(device_id))
    finally:
        registration.client._finished(registration)


@ffi.def_extern()
def _pdc_status_callback(status, context):  # type: ignore[no-untyped-def]
    registration: _Registration = ffi.from_handle(context)
    if registration.on_status is not None:
        registration.on_status(int(status))


class NativeClient:
    """One Prov_Device_Create handle. Callbacks must not raise (wrap them); they run on the C
    worker thread with the client's lock held."""

    def __init__(self, uri: str, id_scope: str, transport: str = "http") -> None:
        _log.install()
        ensure_x509_security()
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}")
        self._lock = threading.Lock()
        self._active: Dict[int, _Registration] = {}
        handle = lib.Prov_Device_Create(uri.encode(), id_scope.encode(), TRANSPORTS[transport])
        if handle == ffi.NULL:
            raise RuntimeError("Prov_Device_Create failed (see the log for the reason)")
        self._handle: Any = handle

    @property
    def closed(self) -> bool:
        return self._handle is None

    def _require(self) -> Any:
        if self._handle is None:
            raise RuntimeError("the client is closed")
        return self._handle

    def register(self, on_register: RegisterCallback, on_status: Optional[StatusCallback] = None) -> int:
        """Starts a registration; returns the PROV_DEVICE_RESULT of Register_Device."""
        registration = _Registration(self, on_register, on_status)
        with self._lock:
            self._active[id(registration)] = registration
        with _live_lock:
            _live[id(registration)] = registration
        result = lib.Prov_Device_Register_Device(self._require(), lib._pdc_register_callback, registration.handle,
                                                 lib._pdc_status_callback, registration.handle)
        if result != lib.PROV_DEVICE_RESULT_OK:
            self._finished(registration)
        return int(result)

    def _finished(self, registration: _Registration) -> None:
        with self._lock:
            self._active.pop(id(registration), None)
        with _live_lock:
            _live.pop(id(registration), None)

    def set_option_raw(self, name: str, value: Any) -> int:
        """Passes a prepared cdata value (the C client copies what it keeps)."""
        return int(lib.Prov_Device_SetOption(self._require(), name.encode(), value))

    def set_bool(self, name: str, value: bool) -> int:
        return self.set_option_raw(name, ffi.new("bool*", bool(value)))

    def set_string(self, name: str, value: str) -> int:
        return self.set_option_raw(name, ffi.new("char[]", value.encode()))

    def set_uint8(self, name: str, value: int) -> int:
        return self.set_option_raw(name, ffi.new("uint8_t*", value & 0xFF))

    def set_proxy(self, host: str, port: int, username: str = "", password: str = "") -> int:
        strings = [ffi.new("char[]", s.encode()) for s in (host, username, password)]
        proxy = ffi.new("HTTP_PROXY_OPTIONS*", {"host_address": strings[0], "port": port,
                                                "username": strings[1], "password": strings[2]})
        return self.set_option_raw("proxy_data", proxy)

    def set_payload(self, json_text: Optional[str]) -> int:
        value = ffi.NULL if json_text is None else ffi.new("char[]", json_text.encode())
        return int(lib.Prov_Device_Set_Provisioning_Payload(self._require(), value))

    def payload(self) -> Optional[str]:
        return _text(lib.Prov_Device_Get_Provisioning_Payload(self._require()))

    def last_response(self) -> Optional[str]:
        """The service's last response body (JSON text) for the last registration."""
        return _text(lib.Prov_Device_Get_Last_Response(self._require()))

    def close(self) -> None:
        """Stops the worker (joining it) and frees the client; pending registrations get no
        callback. Safe to call twice; from a callback the C side defers the free."""
        handle, self._handle = self._handle, None
        if handle is not None:
            lib.Prov_Device_Destroy(handle)  # after this, C never calls back
            with self._lock:
                pending, self._active = list(self._active), {}
            with _live_lock:
                for key in pending:
                    _live.pop(key, None)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
