"""The modern provisioning API, shaped like azure-iot-device's so its users can switch imports:

    from provisioning_device_client.device import ProvisioningDeviceClient, X509
    client = ProvisioningDeviceClient.create_from_x509_certificate(
        provisioning_host, registration_id, id_scope, X509("cert.pem", "key.pem"))
    result = client.register()          # RegistrationResult
    print(result.registration_state.assigned_hub)

``provisioning_device_client.device.aio.ProvisioningDeviceClient`` is the asyncio variant.
Errors: CredentialError, ConnectionFailedError, OperationTimeout, ServiceError (error_code),
all ProvisioningError subclasses.
"""

from ..errors import (ClientError, ConnectionFailedError, CredentialError, OperationCancelled, OperationTimeout,
                      ProvisioningError, ServiceError)
from .client import ProvisioningDeviceClient
from .models import ProxyOptions, RegistrationResult, RegistrationState, X509

__all__ = [
    "ClientError", "ConnectionFailedError", "CredentialError", "OperationCancelled", "OperationTimeout",
    "ProvisioningDeviceClient", "ProvisioningError", "ProxyOptions", "RegistrationResult", "RegistrationState",
    "ServiceError", "X509",
]
