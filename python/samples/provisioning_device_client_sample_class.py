#!/usr/bin/env python
# The provisioning sample written around a small manager class.
#
# Set GLOBAL_PROV_URI and ID_SCOPE below (or pass -i <id_scope>).

import sys

from provisioning_device_client import (
    ProvisioningDeviceClient,
    ProvisioningError,
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


class ProvisioningManager(object):
    def __init__(self, global_prov_uri, id_scope, security_device_type=ProvisioningSecurityDeviceType.X509,
                 protocol=ProvisioningTransportProvider.HTTP):
        self.client_protocol = protocol
        self.client = ProvisioningDeviceClient(global_prov_uri, id_scope, security_device_type, protocol)
        self.version_str = self.client.get_version_string()

    def set_option(self, option_name, option_value):
        try:
            self.client.set_option(option_name, option_value)
        except ProvisioningError as prov_error:
            print("set_option failed (%s)" % prov_error)

    def register_device(self, device_callback, user_context, status_callback, status_context):
        try:
            self.client.register_device(device_callback, user_context, status_callback, status_context)
        except ProvisioningError as prov_error:
            print("register_device failed (%s)" % prov_error)


def usage():
    print("Usage: provisioning_device_client_sample_class.py -p <protocol> -i <scope_id> -s <security_device_type>")
    print("    protocol             : http, mqtt, mqtt_ws, amqp, amqp_ws")
    print("    scope_id             : scope ID for provisioning")
    print("    security_device_type : TPM or X509")


def main(id_scope, security_device_type, protocol):
    print("\nPython %s" % sys.version)
    print("Provisioning Device Client for Python")
    print("Starting the Provisioning Device Client Python sample using protocol %s..." % protocol)
    try:
        manager = ProvisioningManager(GLOBAL_PROV_URI, id_scope, security_device_type, protocol)
        print("\nProvisioning API Version: %s\n" % manager.version_str)
        manager.set_option("logtrace", True)
        manager.register_device(register_device_callback, None, register_status_callback, None)
        sys.stdout.flush()
        try:
            raw_input("Press Enter to interrupt...\n")  # noqa: F821 (Python 2)
        except NameError:
            input("Press Enter to interrupt...\n")
    except ProvisioningError as prov_error:
        print("Unexpected error %s" % prov_error)
    except KeyboardInterrupt:
        print("Provisioning Device Client sample stopped")


if __name__ == "__main__":
    try:
        (id_scope, security_device_type, protocol) = get_prov_client_opt(
            sys.argv[1:], ID_SCOPE, SECURITY_DEVICE_TYPE, PROTOCOL)
    except OptionError as option_error:
        print(option_error)
        usage()
        sys.exit(1)
    main(id_scope, security_device_type, protocol)
