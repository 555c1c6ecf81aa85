# Command-line options of the provisioning samples, as in the legacy SDK's helper.
#
# Two fixes to the original's fallbacks, both clear bugs: an unknown protocol is an error
# (the original silently chose MQTT_WS for any string it did not know), "mqtt_ws" is
# accepted by name, and the unknown-security-type error names the bad argument (the original
# printed the previous value).

import getopt

from provisioning_device_client import ProvisioningSecurityDeviceType, ProvisioningTransportProvider


class OptionError(Exception):
    def __init__(self, value):
        self.value = value

    def __str__(self):
        return repr(self.value)


def _member(enum, name, what):
    if not hasattr(enum, name):
        raise OptionError("Error: %s %s is not supported" % (name, what))
    return getattr(enum, name)


def get_prov_client_opt(argv, id_scope, sec_type=ProvisioningSecurityDeviceType.X509,
                        protocol=ProvisioningTransportProvider.HTTP):
    if len(argv) == 0:
        return id_scope, sec_type, protocol
    try:
        opts, _ = getopt.getopt(argv, "hi:s:p:", ["id_scope=", "security_device_type=", "protocol="])
    except getopt.GetoptError as opt_error:
        raise OptionError("Error: %s" % opt_error.msg)
    for opt, arg in opts:
        if opt == "-h":
            raise OptionError("Help:")
        elif opt in ("-i", "--id_scope"):
            id_scope = arg
        elif opt in ("-s", "--security_device_type"):
            kind = arg.lower()
            if kind == "tpm":
                sec_type = _member(ProvisioningSecurityDeviceType, "TPM", "security device type")
            elif kind == "x509":
                sec_type = _member(ProvisioningSecurityDeviceType, "X509", "security device type")
            else:
                raise OptionError("Error: unknown security device type %s" % arg)
        elif opt in ("-p", "--protocol"):
            name = arg.lower()
            if name in ("http", "amqp", "amqp_ws", "mqtt", "mqtt_ws"):
                protocol = _member(ProvisioningTransportProvider, name.upper(), "protocol")
            else:
                raise OptionError("Error: unknown protocol %s" % arg)
    return id_scope, sec_type, protocol
