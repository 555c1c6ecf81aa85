"""The legacy module's surface, with the assertions of its original unit tests
(provisioning_device_client_ut.py, legacy-api.md 1.11) run against the real module."""

import pickle

import pytest

import provisioning_device_client
from provisioning_device_client import (
    ProvisioningDeviceClient,
    ProvisioningDeviceClientError,
    ProvisioningDeviceClientErrorArg,
    ProvisioningDeviceRegistrationStatus,
    ProvisioningDeviceResult,
    ProvisioningError,
    ProvisioningHttpProxyOptions,
    ProvisioningSecurityDeviceType,
    ProvisioningTransportProvider,
)

LEGACY_NAMES = {"ProvisioningError", "ProvisioningDeviceClientError", "ProvisioningDeviceClientErrorArg",
                "ProvisioningDeviceRegistrationStatus", "ProvisioningSecurityDeviceType", "ProvisioningDeviceResult",
                "ProvisioningTransportProvider", "ProvisioningHttpProxyOptions", "ProvisioningDeviceClient"}


def test_module_names():
    assert LEGACY_NAMES <= set(dir(provisioning_device_client))
    namespace = {}
    exec("from provisioning_device_client import *", namespace)
    assert LEGACY_NAMES <= set(namespace)
    assert isinstance(provisioning_device_client.__version__, str)
    assert provisioning_device_client.__doc__.startswith("Module for communicating with Azure Device Provisioning")


def test_exceptions():
    assert isinstance(ProvisioningError(), BaseException)
    assert isinstance(ProvisioningDeviceClientError(), ProvisioningError)
    with pytest.raises(ProvisioningError):
        raise ProvisioningDeviceClientError()
    with pytest.raises(ProvisioningDeviceClientError):
        raise ProvisioningDeviceClientError()


def test_error_arg():
    for bad in [(), ("function",), ("function", "result"), (ProvisioningDeviceResult.ERROR,)]:
        with pytest.raises(TypeError):
            ProvisioningDeviceClientErrorArg(*bad)
    arg = ProvisioningDeviceClientErrorArg("function", ProvisioningDeviceResult.ERROR)
    assert arg.func == "function" and arg.result == ProvisioningDeviceResult.ERROR
    with pytest.raises(TypeError):
        raise arg  # not an exception class


def test_error_message_format():
    arg = ProvisioningDeviceClientErrorArg("set_option", ProvisioningDeviceResult.INVALID_ARG)
    e = ProvisioningDeviceClientError(arg)
    assert str(e) == "ProvisioningDeviceClient.set_option, ProvisioningDeviceClientResult.INVALID_ARG"
    assert repr(arg) == "ProvisioningDeviceClientError(ProvisioningDeviceClient.set_option, " \
                        "ProvisioningDeviceClientResult.INVALID_ARG)"
    assert repr(e) == f"ProvisioningDeviceClientError({repr(arg)})"
    texts = {ProvisioningDeviceResult.MEMORY: "MEMORY_ERROR", ProvisioningDeviceResult.PARSING: "PARSING_ERROR",
             ProvisioningDeviceResult.TRANSPORT: "TRANSPORT_ERROR",
             ProvisioningDeviceResult.DEV_AUTH_ERROR: "DEVICE_AUTHENTICATION_ERROR",
             ProvisioningDeviceResult.TIMEOUT: "TIMEOUT", ProvisioningDeviceResult(13): ""}
    for result, text in texts.items():
        assert str(ProvisioningDeviceClientErrorArg("f", result)).endswith(f"ProvisioningDeviceClientResult.{text}")


@pytest.mark.parametrize("enum, expected", [
    (ProvisioningDeviceRegistrationStatus, {"CONNECTED": 0, "REGISTERING": 1, "ASSIGNING": 2, "ASSIGNED": 3, "ERROR": 4}),
    (ProvisioningSecurityDeviceType, {"UNKNOWN": 0, "TPM": 1, "X509": 2}),
    (ProvisioningDeviceResult, {"OK": 0, "INVALID_ARG": 1, "SUCCESS": 2, "MEMORY": 3, "PARSING": 4, "TRANSPORT": 5,
                                "INVALID_STATE": 6, "DEV_AUTH_ERROR": 7, "TIMEOUT": 8, "KEY_ERROR": 9, "ERROR": 10}),
    (ProvisioningTransportProvider, {"HTTP": 0, "AMQP": 1, "MQTT": 2, "AMQP_WS": 3, "MQTT_WS": 4}),
])
def test_enum_values_and_behaviour(enum, expected):
    for name, value in expected.items():
        member = getattr(enum, name)
        assert member == value and isinstance(member, int) and isinstance(member, enum)
        assert str(member) == name and f"{member}" == name and "%s" % member == name
        assert repr(member) == f"provisioning_device_client.{enum.__name__}.{name}"
        assert member.name == name and enum.values[value] is member and enum.names[name] is member
        assert member + 1 == value + 1
        assert pickle.loads(pickle.dumps(member)) is member
    assert set(enum.names) == set(expected)
    with pytest.raises(AttributeError):
        enum.ANY


def test_unnamed_values():
    for value in (11, 12, 13):
        v = ProvisioningDeviceResult(value)
        assert str(v) == str(value) and repr(v) == f"provisioning_device_client.ProvisioningDeviceResult({value})"
        assert v.name is None and v == value
    assert str(ProvisioningDeviceRegistrationStatus(5)) == "5"


def test_proxy_options():
    for bad in [("host", "host"), ("host", 1, 1), ("host", 1, "user", 1), ()]:
        with pytest.raises(TypeError):
            ProvisioningHttpProxyOptions(*bad)
    p = ProvisioningHttpProxyOptions("aaa", 42, "bbb", "ccc")
    assert (p.host_address, p.port, p.username, p.password) == ("aaa", 42, "bbb", "ccc")
    d = ProvisioningHttpProxyOptions("only-host")
    assert (d.port, d.username, d.password) == (0, "", "")
    d.port = 8080
    assert d.port == 8080


def test_client_constructor_arguments():
    X509, HTTP = ProvisioningSecurityDeviceType.X509, ProvisioningTransportProvider.HTTP
    for bad in [(), ("uri",), ("uri", "scope"), ("uri", "scope", X509), ("uri", "scope", X509, 1),
                ("uri", "scope", 2, HTTP), (1, "scope", X509, HTTP)]:
        with pytest.raises(TypeError):
            ProvisioningDeviceClient(*bad)
    client = ProvisioningDeviceClient("global.azure-devices-provisioning.net", "0ne00000000", X509, HTTP)
    assert isinstance(client, ProvisioningDeviceClient) and client.protocol == HTTP
    with pytest.raises(AttributeError):
        client.protocol = ProvisioningTransportProvider.MQTT
    client.close()
    # bytes work like str, as with Boost's std::string converter
    ProvisioningDeviceClient(b"global.azure-devices-provisioning.net", b"0ne00000000", X509, HTTP).close()


@pytest.mark.parametrize("security, protocol", [
    (ProvisioningSecurityDeviceType.TPM, ProvisioningTransportProvider.HTTP),
    (ProvisioningSecurityDeviceType.TPM, ProvisioningTransportProvider.AMQP),
    (ProvisioningSecurityDeviceType.UNKNOWN, ProvisioningTransportProvider.HTTP),
])
def test_unsupported_security_type_fails_construction(security, protocol):
    with pytest.raises(ProvisioningDeviceClientError) as info:
        ProvisioningDeviceClient("global.azure-devices-provisioning.net", "0ne00000000", security, protocol)
    assert str(info.value) == ("ProvisioningDeviceClient.provisioning_device_client, "
                               "ProvisioningDeviceClientResult.ERROR")


@pytest.fixture
def client():
    c = ProvisioningDeviceClient("global.azure-devices-provisioning.net", "0ne00000000",
                                 ProvisioningSecurityDeviceType.X509, ProvisioningTransportProvider.HTTP)
    yield c
    c.close()


def test_register_device_arguments(client):
    assert not hasattr(client, "RegisterDevice")

    def cb(*a):
        pass
    for bad in [(), (cb,), (cb, {}), (cb, {}, cb), (cb, {}, 1, {})]:
        with pytest.raises(TypeError):
            client.register_device(*bad)
    with pytest.raises(TypeError, match="register_callback callable a callable type"):
        client.register_device(1, {}, cb, {})


def test_register_device_returns_ok(client):
    uri_unreachable = client  # registration starts and fails later through the callback
    assert uri_unreachable.register_device(lambda *a: None, {}, lambda *a: None, {}) == ProvisioningDeviceResult.OK


def test_set_option(client, capsys):
    assert not hasattr(client, "SetOption")
    for bad in [(1,), (241000,)]:
        with pytest.raises(TypeError):
            client.set_option(*bad)
    with pytest.raises(ProvisioningDeviceClientError) as info:
        client.set_option("timeout", bytearray(b"241000"))
    assert str(info.value) == "ProvisioningDeviceClient.set_option, ProvisioningDeviceClientResult.INVALID_ARG"
    with pytest.raises(ProvisioningDeviceClientError):
        client.set_option("TrustedCerts", 1.5)
    assert client.set_option("TrustedCerts", "cert_info") is None
    assert client.set_option("logtrace", True) is None
    assert client.set_option("proxy_data", ProvisioningHttpProxyOptions("aaa", 42, "bbb", "ccc")) is None
    assert client.set_option("provisioning_timeout", 30) is None
    capsys.readouterr()
    assert client.set_option("no_such_option", "x") is None  # printed, not raised, as the original
    assert capsys.readouterr().out == "Provisioning Device Client SetOption failed with result: 10"


def test_version_string(client):
    assert client.get_version_string() == provisioning_device_client.__version__
    assert isinstance(client.get_version_string(), str)


def test_closed_client_raises_invalid_state(client):
    client.close()
    with pytest.raises(ProvisioningDeviceClientError, match="INVALID_STATE"):
        client.set_option("logtrace", True)
