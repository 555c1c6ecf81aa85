"""Native Azure IoT Hub Device Provisioning Service client.

The compiled core lives in the private ``_native`` module; everything public is
re-exported here.
"""

from ._version import __version__, check_native_version, native_version
from .errors import ProvisioningError

check_native_version()

__all__ = ["ProvisioningError", "__version__", "native_version"]
