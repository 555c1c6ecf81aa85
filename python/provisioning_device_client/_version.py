"""Package version, and the check that the native module was built from the same tree."""

from ._build_version import version as __version__
from ._native import ffi, lib


def native_version() -> str:
    """The version compiled into the C library."""
    return str(ffi.string(lib.pdc_version_string()).decode("ascii"))


def check_native_version() -> None:
    """Fail the import early if the package and its native module disagree."""
    native = native_version()
    if native != __version__:
        raise ImportError(
            f"provisioning_device_client {__version__} found native module {native}: "
            "reinstall the package (pip install --force-reinstall)"
        )
