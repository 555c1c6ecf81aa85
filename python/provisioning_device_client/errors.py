"""The package's exceptions: one small tree under :class:`ProvisioningError`.

``ProvisioningError`` is also the legacy module's base exception, so ``except
ProvisioningError`` catches everything this package raises on purpose.
"""

from __future__ import annotations

from ._native import ffi, lib


class ProvisioningError(Exception):
    """Base of every error raised by provisioning_device_client."""


class InvalidArgumentError(ProvisioningError, ValueError):
    """An argument is malformed, of the wrong size, or out of range."""


class NotAllowedError(ProvisioningError, ValueError):
    """A combination of options that would be unsafe (e.g. legacy bytes with a real UDS)."""


class CertificateError(ProvisioningError, ValueError):
    """A supplied certificate or key cannot be used."""


class CryptoError(ProvisioningError):
    """The cryptographic library failed."""


_BY_RESULT = {
    lib.PDC_ERROR_INVALID_ARG: InvalidArgumentError,
    lib.PDC_ERROR_NOT_ALLOWED: NotAllowedError,
    lib.PDC_ERROR_BAD_CERTIFICATE: CertificateError,
    lib.PDC_ERROR_CRYPTO: CryptoError,
}


def check(result: int, message_buffer: object = None) -> None:
    """Raise the exception matching a ``pdc_result`` (no-op for PDC_OK)."""
    if result == lib.PDC_OK:
        return
    if result == lib.PDC_ERROR_OUT_OF_MEMORY:
        raise MemoryError("native library out of memory")
    name = ffi.string(lib.pdc_result_name(result)).decode()
    detail = ffi.string(message_buffer).decode("utf-8", "replace") if message_buffer is not None else ""
    raise _BY_RESULT.get(result, ProvisioningError)(detail or name)


# -- the modern client's errors (provisioning_device_client.device) ---------------------------
class ClientError(ProvisioningError):
    """The client could not complete an operation."""


class CredentialError(ClientError):
    """The service refused the device's credentials (unknown device, wrong certificate)."""


class ConnectionFailedError(ClientError):
    """The service could not be reached (network, TLS, proxy)."""


class OperationTimeout(ProvisioningError, TimeoutError):
    """The registration did not finish within the timeout."""


class OperationCancelled(ProvisioningError):
    """The registration was cancelled (the client was closed)."""


class ServiceError(ProvisioningError):
    """The service answered with an error; error_code is its six-digit code when known."""

    def __init__(self, message: str, error_code: "int | None" = None, status: "str | None" = None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.status = status
