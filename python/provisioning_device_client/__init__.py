"""Module for communicating with Azure Device Provisioning Service.

A native client for the Azure IoT Hub Device Provisioning Service. ``import provisioning_device_client`` gives the legacy API of the Azure IoT SDK's module of
the same name (ProvisioningDeviceClient, the enums and exceptions), so code written for it
runs unchanged. Also here: ``provisioning_device_client.dice`` (DICE identities) and
``provisioning_device_client.emulator`` (a local DPS). The compiled core is the private
``_native`` module.
"""

from ._version import __version__, check_native_version, native_version

check_native_version()

from .errors import ProvisioningError  # noqa: E402
from .legacy import (  # noqa: E402
    ProvisioningDeviceClient,
    ProvisioningDeviceClientError,
    ProvisioningDeviceClientErrorArg,
    ProvisioningDeviceRegistrationStatus,
    ProvisioningDeviceResult,
    ProvisioningHttpProxyOptions,
    ProvisioningSecurityDeviceType,
    ProvisioningTransportProvider,
)

__all__ = [
    "ProvisioningDeviceClient",
    "ProvisioningDeviceClientError",
    "ProvisioningDeviceClientErrorArg",
    "ProvisioningDeviceRegistrationStatus",
    "ProvisioningDeviceResult",
    "ProvisioningError",
    "ProvisioningHttpProxyOptions",
    "ProvisioningSecurityDeviceType",
    "ProvisioningTransportProvider",
    "__version__",
    "native_version",
]
