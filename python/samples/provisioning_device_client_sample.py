#!/usr/bin/env python
# Registers this device with the Azure IoT Hub Device Provisioning Service.
#
# Set GLOBAL_PROV_URI (the "global device endpoint"; host or host:port) and ID_SCOPE below,
# or pass -i <id_scope>. Against the local emulator, trust its CA: export SSL_CERT_FILE=...

import sys

from provisioning_device_client import (
    ProvisioningDeviceClient,
    ProvisioningError,
    ProvisioningHttpProxyOptions,  # noqa: F401 (the proxy options type, see set_option)
    ProvisioningSecurityDeviceType,
    ProvisioningTransportProvider,
)
from provisioning_device_client_args import OptionError, get_prov_client_opt

GLOBAL_PROV_URI = "global.azure-devices-provisioning.net"
ID_SCOPE = ""
SECURITY_DEVICE_TYPE = ProvisioningSecurityDeviceType.X509
PROTOCOL = ProvisioningTransportProvider.HTTP


def register_status_callback(reg_status, user_context):
    print("")
    print("Register status callback: ")
    print("reg_status = %s" % reg_status)
    print("user_context = %s" % user_context)
    print("")


def register_device_callback(register_result, iothub_uri, device_id, user_context):
    print("Register device callback: ")
    print("   register_result = %s" % register_result)
    print("   iothub_uri = %s" % iothub_uri)
    print("   user_context = %s" % user_context)
    if iothub_uri:
        print("Device successfully registered!")
    else:
        print("Device registration failed!")
    sys.stdout.flush()


def run_sample(id_scope, security_device_type, protocol):
    try:
        prov_client = ProvisioningDeviceClient(GLOBAL_PROV_URI, id_scope, security_device_type, protocol)
        version_str = prov_client.get_version_string()
        print("")
        print("Provisioning API Version: %s" % version_str)
        print("")
        prov_client.set_option("logtrace", True)
        prov_client.register_device(register_device_callback, None, register_status_callback, None)
        sys.stdout.flush()
        try:
            raw_input("Press Enter to interrupt...\n")  # noqa: F821 (Python 2)
        except NameError:
            input("Press Enter to interrupt...\n")
    except ProvisioningError as prov_error:
        print("Unexpected error %s" % prov_error)
        return
    except KeyboardInterrupt:
        print("Provisioning Device Client sample stopped")


def usage():
    print("Usage: provisioning_device_client_sample.py -i <id_scope> -s <security_device_type> -p <protocol>")
    print("    id_scope             : scope ID for provisioning")
    print("    security_device_type : TPM or X509")
    print("    protocol             : http, mqtt, mqtt_ws, amqp, amqp_ws")


if __name__ == "__main__":
    print("\nPython %s" % sys.version)
    print("Provisioning Device Client for Python")
    try:
        (id_scope, security_device_type, protocol) = get_prov_client_opt(
            sys.argv[1:], ID_SCOPE, SECURITY_DEVICE_TYPE, PROTOCOL)
    except OptionError as option_error:
        print(option_error)
        usage()
        sys.exit(1)
    print("Starting the Provisioning Client Python sample...")
    print("    Scope ID=%s" % id_scope)
    print("    Security Device Type %s" % security_device_type)
    print("    Protocol %s" % protocol)
    run_sample(id_scope, security_device_type, protocol)
