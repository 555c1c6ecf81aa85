"""The legacy ``provisioning_device_client`` API (the Azure IoT SDK's Boost.Python module,
v1.4.6), exactly, on our native client: code written for it runs unchanged.

Behaviour kept on purpose: str() of enums is the bare name; plain ints are refused where
an enum is expected; set_option dispatches on the value's type and prints (not raises) when
the C client refuses; callback exceptions are printed and swallowed. What is not kept: the
original leaked every callback context and copied Python references without the GIL; here
a registration's context lives until its callback has run or the client is closed.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import Any, Optional, Type

from . import _client
from ._boost_enum import BoostEnum, make_enum
from ._native import lib
from .errors import ProvisioningError

# -- enums: values from the C constants -------------------------------------------------------
ProvisioningDeviceResult = make_enum("ProvisioningDeviceResult", {
    "OK": lib.PROV_DEVICE_RESULT_OK, "INVALID_ARG": lib.PROV_DEVICE_RESULT_INVALID_ARG,
    "SUCCESS": lib.PROV_DEVICE_RESULT_SUCCESS, "MEMORY": lib.PROV_DEVICE_RESULT_MEMORY,
    "PARSING": lib.PROV_DEVICE_RESULT_PARSING, "TRANSPORT": lib.PROV_DEVICE_RESULT_TRANSPORT,
    "INVALID_STATE": lib.PROV_DEVICE_RESULT_INVALID_STATE, "DEV_AUTH_ERROR": lib.PROV_DEVICE_RESULT_DEV_AUTH_ERROR,
    "TIMEOUT": lib.PROV_DEVICE_RESULT_TIMEOUT, "KEY_ERROR": lib.PROV_DEVICE_RESULT_KEY_ERROR,
    "ERROR": lib.PROV_DEVICE_RESULT_ERROR,
})  # HUB_NOT_SPECIFIED (11), UNAUTHORIZED (12), DISABLED (13) had no Python name: unnamed values
ProvisioningDeviceRegistrationStatus = make_enum("ProvisioningDeviceRegistrationStatus", {
    "CONNECTED": lib.PROV_DEVICE_REG_STATUS_CONNECTED, "REGISTERING": lib.PROV_DEVICE_REG_STATUS_REGISTERING,
    "ASSIGNING": lib.PROV_DEVICE_REG_STATUS_ASSIGNING, "ASSIGNED": lib.PROV_DEVICE_REG_STATUS_ASSIGNED,
    "ERROR": lib.PROV_DEVICE_REG_STATUS_ERROR,
})
ProvisioningSecurityDeviceType = make_enum("ProvisioningSecurityDeviceType", {
    "UNKNOWN": lib.SECURE_DEVICE_TYPE_UNKNOWN, "TPM": lib.SECURE_DEVICE_TYPE_TPM,
    "X509": lib.SECURE_DEVICE_TYPE_X509,
})
# The binding's own enum (values from the legacy module); every transport is built in.
ProvisioningTransportProvider = make_enum("ProvisioningTransportProvider", {
    "HTTP": 0, "AMQP": 1, "MQTT": 2, "AMQP_WS": 3, "MQTT_WS": 4,
})
_TRANSPORT_NAMES = {0: "http", 1: "amqp", 2: "mqtt", 3: "amqp_ws", 4: "mqtt_ws"}

# Result texts of the legacy error messages.
_RESULT_TEXT = {"MEMORY": "MEMORY_ERROR", "PARSING": "PARSING_ERROR", "TRANSPORT": "TRANSPORT_ERROR",
                "DEV_AUTH_ERROR": "DEVICE_AUTHENTICATION_ERROR"}


class ArgumentError(TypeError):
    """Wrong argument count or types (Boost.Python's ArgumentError)."""


def _want(value: Any, kind: Any, what: str) -> None:
    if not isinstance(value, kind):
        raise ArgumentError(f"Python argument types did not match C++ signature: {what} expected "
                            f"{getattr(kind, '__name__', kind)}, got {type(value).__name__}")


def _text_arg(value: Any, what: str) -> str:
    _want(value, (str, bytes), what)
    return value.decode("utf-8") if isinstance(value, bytes) else value


class ProvisioningDeviceClientError(ProvisioningError):
    """A client call failed; args[0] is a ProvisioningDeviceClientErrorArg."""


class ProvisioningDeviceClientErrorArg:
    """Details of a ProvisioningDeviceClientError: the failing function and the result.
    Not an exception itself (raising it is a TypeError, as in the original)."""

    __slots__ = ("_func", "_result")

    def __init__(self, *args: Any) -> None:
        if len(args) != 2:
            raise ArgumentError(f"ProvisioningDeviceClientErrorArg takes (func, result), got {len(args)} arguments")
        func, result = args
        _want(func, str, "func")
        _want(result, ProvisioningDeviceResult, "result")
        self._func, self._result = func, result

    @property
    def func(self) -> str:
        return self._func

    @property
    def result(self) -> BoostEnum:
        return self._result

    def __str__(self) -> str:
        name = self._result.name
        text = _RESULT_TEXT.get(name, name) if name else ""
        return f"ProvisioningDeviceClient.{self._func}, ProvisioningDeviceClientResult.{text}"

    def __repr__(self) -> str:
        return f"ProvisioningDeviceClientError({self})"


def _error(func: str, result: int) -> ProvisioningDeviceClientError:
    return ProvisioningDeviceClientError(ProvisioningDeviceClientErrorArg(func, ProvisioningDeviceResult(result)))


class ProvisioningHttpProxyOptions:
    """ProvisioningHttpProxyOptions(host_address, port=0, username="", password="")."""

    def __init__(self, *args: Any) -> None:
        if not 1 <= len(args) <= 4:
            raise ArgumentError("ProvisioningHttpProxyOptions(host_address, port=0, username='', password='')")
        host, port, username, password = (list(args) + [0, "", ""][len(args) - 1:])[:4]
        self.host_address = _text_arg(host, "host_address")
        _want(port, int, "port")
        self.port = int(port)
        self.username = _text_arg(username, "username")
        self.password = _text_arg(password, "password")


def _print_callback_error() -> None:
    traceback.print_exc()  # the legacy binding printed and swallowed (PyErr_Print)


class ProvisioningDeviceClient:
    """ProvisioningDeviceClient(uri, id_scope, security_device_type, protocol)."""

    def __init__(self, *args: Any) -> None:
        if len(args) != 4:
            raise ArgumentError("ProvisioningDeviceClient(uri, id_scope, security_device_type, protocol)")
        uri, id_scope, security_device_type, protocol = args
        uri = _text_arg(uri, "uri")
        id_scope = _text_arg(id_scope, "id_scope")
        _want(security_device_type, ProvisioningSecurityDeviceType, "security_device_type")
        _want(protocol, ProvisioningTransportProvider, "protocol")
        self._protocol = protocol
        self._native: Optional[_client.NativeClient] = None
        transport = _TRANSPORT_NAMES.get(int(protocol))
        if security_device_type != ProvisioningSecurityDeviceType.X509 or transport not in _client.TRANSPORTS:
            _client._log.install()
            _client._log.logger.error("security type %s with protocol %s is not supported by this build "
                                      "(supported: X509 with %s)", security_device_type, protocol,
                                      ", ".join(t.upper() for t in _client.TRANSPORTS))
            raise _error("provisioning_device_client", lib.PROV_DEVICE_RESULT_ERROR)
        try:
            self._native = _client.NativeClient(uri, id_scope, transport)
        except (RuntimeError, ValueError):
            raise _error("provisioning_device_client", lib.PROV_DEVICE_RESULT_ERROR) from None

    @property
    def protocol(self) -> BoostEnum:
        return self._protocol

    def _client(self, func: str) -> _client.NativeClient:
        if self._native is None or self._native.closed:
            raise _error(func, lib.PROV_DEVICE_RESULT_INVALID_STATE)
        return self._native

    def register_device(self, *args: Any) -> BoostEnum:
        if len(args) != 4:
            raise ArgumentError("register_device(register_callback, user_context, register_status_callback, "
                                "status_user_context)")
        register_callback, user_context, status_callback, status_context = args
        if not callable(register_callback):
            raise TypeError("register_device expected register_callback callable a callable type")
        if not callable(status_callback):
            raise TypeError("register_device expected register_status_callback callable a callable type")

        def on_register(result: int, hub: Optional[str], device_id: Optional[str]) -> None:
            try:
                register_callback(ProvisioningDeviceResult(result), hub, device_id, user_context)
            except BaseException:  # noqa: B036 - printed and swallowed, like the original
                _print_callback_error()

        def on_status(status: int) -> None:
            try:
                status_callback(ProvisioningDeviceRegistrationStatus(status), status_context)
            except BaseException:  # noqa: B036
                _print_callback_error()

        result = self._client("register__device").register(on_register, on_status)
        if result != lib.PROV_DEVICE_RESULT_OK:
            raise _error("register__device", result)
        return ProvisioningDeviceResult.OK

    def set_option(self, *args: Any) -> None:
        if len(args) != 2:
            raise ArgumentError("set_option(option_name, option_value)")
        name = _text_arg(args[0], "option_name")
        value = args[1]
        native = self._client("set_option")
        if isinstance(value, int):  # bool included, as in the original (a 64-bit integer)
            from ._native import ffi
            result = native.set_option_raw(name, ffi.new("uint64_t*", int(value) & 0xFFFFFFFFFFFFFFFF))
        elif isinstance(value, (str, bytes)):
            result = native.set_string(name, _text_arg(value, "option_value"))
        elif type(value).__name__ == "ProvisioningHttpProxyOptions":
            result = native.set_proxy(value.host_address, value.port, value.username, value.password)
        else:
            raise _error("set_option", lib.PROV_DEVICE_RESULT_INVALID_ARG)
        if result != lib.PROV_DEVICE_RESULT_OK:
            sys.stdout.write(f"Provisioning Device Client SetOption failed with result: {result}")
            sys.stdout.flush()

    def get_version_string(self) -> str:
        return _client.version_string()

    # Additions (not in the original): explicit lifetime.
    def close(self) -> None:
        """Stop the worker and free the client now (also done when it is garbage collected)."""
        if self._native is not None:
            self._native.close()

    def __enter__(self) -> "ProvisioningDeviceClient":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()


__all__ = [
    "ProvisioningDeviceClient", "ProvisioningDeviceClientError", "ProvisioningDeviceClientErrorArg",
    "ProvisioningDeviceRegistrationStatus", "ProvisioningDeviceResult", "ProvisioningError",
    "ProvisioningHttpProxyOptions", "ProvisioningSecurityDeviceType", "ProvisioningTransportProvider",
]
