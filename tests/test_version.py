import importlib.metadata

import provisioning_device_client as pdc
from provisioning_device_client._native import ffi, lib


def test_version_matches_distribution_metadata():
    assert pdc.__version__ == importlib.metadata.version("provisioning-device-client")


def test_native_version_is_the_package_version():
    assert pdc.native_version() == pdc.__version__


def test_native_links_openssl_3():
    assert ffi.string(lib.pdc_openssl_version_string()).startswith(b"OpenSSL 3.")


def test_native_module_exposes_only_ffi_and_lib():
    import provisioning_device_client._native as native

    public = {n for n in dir(native) if not n.startswith("__")}
    assert public == {"ffi", "lib"}
