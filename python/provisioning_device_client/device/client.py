"""The blocking provisioning client, in the style of azure-iot-device's."""

from __future__ import annotations

import json
import threading
from types import TracebackType
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar

from .. import _client
from .._native import lib
from ..dice import DiceIdentity
from ..errors import (ConnectionFailedError, CredentialError, OperationCancelled, OperationTimeout,
                      ProvisioningError, ServiceError)
from .models import ProxyOptions, RegistrationResult, X509

DEFAULT_TIMEOUT = 60
C = TypeVar("C", bound="ProvisioningDeviceClient")  # factories return the subclass they are called on
_MARGIN_S = 10  # the C client enforces the timeout; this only guards against a lost callback


def _error_for(result: int, response: Optional[Dict[str, Any]]) -> ProvisioningError:
    """Map a PROV_DEVICE_RESULT (and the last service response) to one exception."""
    state = (response or {}).get("registrationState") or {}
    code = state.get("errorCode") or (response or {}).get("errorCode")
    message = state.get("errorMessage") or (response or {}).get("message") or ""
    status = (response or {}).get("status")
    name = _client.result_name(result)
    if status == "failed":  # the request was fine, the operation failed (e.g. allocation 400207)
        return ServiceError(f"registration failed ({code}) {message}".strip(), code, status)
    if result in (lib.PROV_DEVICE_RESULT_DEV_AUTH_ERROR, lib.PROV_DEVICE_RESULT_UNAUTHORIZED):
        return CredentialError(f"the service refused the device ({name}{f', {code}' if code else ''}) {message}".strip())
    if result == lib.PROV_DEVICE_RESULT_TRANSPORT:
        return ConnectionFailedError("could not reach the provisioning service (see the log for the reason)")
    if result == lib.PROV_DEVICE_RESULT_TIMEOUT:
        return OperationTimeout("the registration did not finish within the timeout")
    if result == lib.PROV_DEVICE_RESULT_DISABLED:
        return ServiceError("the enrollment is disabled", code, status or "disabled")
    return ServiceError(f"registration failed: {name}{f' ({code})' if code else ''} {message}".strip(), code, status)


class ProvisioningDeviceClient:
    """Registers one device with DPS. Create it with a factory, call register()."""

    def __init__(self, provisioning_host: str, id_scope: str, certificate_pem: str, key_pem: str, *,
                 registration_id: Optional[str] = None, transport: str = "http",
                 server_verification_cert: Optional[str] = None, proxy_options: Optional[ProxyOptions] = None,
                 timeout: int = DEFAULT_TIMEOUT) -> None:
        if transport not in _client.TRANSPORTS:
            raise ValueError(f"transport {transport!r} is not available in this build "
                             f"(available: {', '.join(_client.TRANSPORTS)})")
        if not isinstance(timeout, int) or not 1 <= timeout <= 255:
            raise ValueError("timeout must be 1-255 seconds")
        if registration_id is not None and (not isinstance(registration_id, str) or not registration_id.strip()):
            raise ValueError("registration_id must be a non-empty string")
        self._native: Optional[_client.NativeClient] = _client.NativeClient(provisioning_host, id_scope, transport)
        self._timeout = timeout
        self._payload: Any = None
        native = self._native
        checks = [native.set_string("x509certificate", certificate_pem), native.set_string("x509privatekey", key_pem),
                  native.set_uint8("provisioning_timeout", timeout)]
        if registration_id is not None:
            checks.append(native.set_string("registration_id", registration_id))
        if server_verification_cert is not None:
            checks.append(native.set_string("TrustedCerts", server_verification_cert))
        if proxy_options is not None:
            checks.append(native.set_proxy(proxy_options.proxy_address, proxy_options.proxy_port,
                                           proxy_options.proxy_username or "", proxy_options.proxy_password or ""))
        if any(checks):
            self.close()
            raise ValueError("the client refused an option (see the log)")

    # -- factories -------------------------------------------------------------------------------
    @classmethod
    def create_from_x509_certificate(cls: Type[C], provisioning_host: str, registration_id: str, id_scope: str,
                                     x509: X509, **kwargs: Any) -> C:
        """kwargs: transport ("http", "mqtt", "mqtt_ws", "amqp", "amqp_ws"), server_verification_cert
        (PEM str), proxy_options, timeout (s)."""
        if not registration_id:
            raise ValueError("registration_id is required")
        cert, key = x509._pem_pair()
        return cls(provisioning_host, id_scope, cert, key, registration_id=registration_id, **kwargs)

    @classmethod
    def create_from_dice(cls: Type[C], provisioning_host: str, id_scope: str, identity: DiceIdentity,
                         **kwargs: Any) -> C:
        """A client presenting a DICE identity (alias + DeviceID chain, alias key)."""
        kwargs.setdefault("registration_id", identity.registration_id)
        return cls(provisioning_host, id_scope, identity.chain_pem, identity.alias_key_pem, **kwargs)

    # -- payload -------------------------------------------------------------------------------
    @property
    def provisioning_payload(self) -> Any:
        """Data sent to the service with the registration (any JSON-serialisable value)."""
        return self._payload

    @provisioning_payload.setter
    def provisioning_payload(self, value: Any) -> None:
        text = None if value is None else json.dumps(value)
        if self._require().set_payload(text) != 0:
            raise ValueError("the payload was refused")
        self._payload = value

    # -- registration ----------------------------------------------------------------------------
    def _require(self) -> _client.NativeClient:
        if self._native is None:
            raise OperationCancelled("the client is closed")
        return self._native

    def _start(self, on_done: Any) -> None:
        native = self._require()
        rc = native.register(on_done)
        if rc == lib.PROV_DEVICE_RESULT_INVALID_STATE:
            raise ProvisioningError("a registration is already running on this client")
        if rc != lib.PROV_DEVICE_RESULT_OK:
            raise _error_for(rc, None)

    def _outcome(self, result: int) -> RegistrationResult:
        native = self._require()
        text = native.last_response()
        response = json.loads(text) if text else None
        if result == lib.PROV_DEVICE_RESULT_OK and isinstance(response, dict):
            return RegistrationResult.from_json(response)
        raise _error_for(result, response if isinstance(response, dict) else None)

    def register(self) -> RegistrationResult:
        """Register the device and return the result; blocks until DPS answers or the timeout."""
        done = threading.Event()
        box: List[int] = []

        def on_done(result: int, hub: Optional[str], device_id: Optional[str]) -> None:
            box.append(result)
            done.set()

        self._start(on_done)
        try:
            if not done.wait(self._timeout + _MARGIN_S):
                raise OperationTimeout("no answer from the client within the timeout")
        except BaseException:
            self.close()  # tears the C registration down (KeyboardInterrupt included)
            raise
        return self._outcome(box[0])

    def close(self) -> None:
        native, self._native = self._native, None
        if native is not None:
            native.close()

    shutdown = close  # azure-iot-device's name

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()


__all__: Tuple[str, ...] = ("ProvisioningDeviceClient",)
