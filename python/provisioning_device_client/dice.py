"""DICE device identities: UDS -> CDI -> DeviceID/Alias keys -> the certificate chain.

>>> from provisioning_device_client.dice import DiceIdentity
>>> with DiceIdentity(profile="tcg", uds=bytes(32)) as identity:
...     identity.registration_id          # doctest: +SKIP
'dice-3f1c...'

Profiles ("riot", "tcg"), the derivations and the certificate layouts are described in
docs/dice.md. With the default (public, development) inputs and the riot profile the
certificates are byte-for-byte those the legacy Azure SDK emulator produced.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import TYPE_CHECKING, Dict, Literal, Optional, Type, Union

from ._native import ffi, lib
from .errors import InvalidArgumentError, check

if TYPE_CHECKING:
    import pathlib  # imported where files are written: pathlib (with urllib) is 4 ms of import time

Profile = Literal["riot", "tcg"]

UDS_SIZE: int = lib.PDC_DICE_UDS_SIZE
DIGEST_SIZE: int = lib.PDC_DICE_DIGEST_SIZE
MAX_CN_LENGTH: int = lib.PDC_DICE_MAX_CN_LENGTH

_PROFILES = {"riot": lib.PDC_DICE_PROFILE_RIOT, "tcg": lib.PDC_DICE_PROFILE_TCG}
_ERROR_SIZE = 256

# File names written by DiceIdentity.write (and dice-device-enrollment --out).
FILE_NAMES = {
    "root": "root.pem",
    "deviceid": "deviceid.pem",
    "alias": "alias.pem",
    "alias_key": "alias-key.pem",
    "chain": "chain.pem",
    "deviceid_public_key": "deviceid-public-key.pem",
    "verification": "verification.pem",
}


def _bytes_arg(name: str, value: Optional[bytes], size: int) -> Optional[bytes]:
    if value is None:
        return None
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    value = bytes(value)
    if len(value) != size:
        raise InvalidArgumentError(f"{name} must be {size} bytes, got {len(value)}")
    return value


def _str_arg(name: str, value: Optional[str]) -> Optional[bytes]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidArgumentError(f"{name} must not contain NUL characters")
    return value.encode("utf-8")


def riot_sha256(data: bytes) -> bytes:
    """The legacy emulator's word-swapped SHA-256 ("DiceSHA256")."""
    out = ffi.new("uint8_t[32]")
    lib.pdc_dice_riot_sha256(data, len(data), out)
    return bytes(out)


def parse_uds(text: str) -> bytes:
    """A UDS from 64 hex digits (whitespace and a 0x prefix allowed)."""
    cleaned = "".join(text.split()).lower()
    if cleaned.startswith("0x"):
        cleaned = cleaned[2:]
    try:
        value = bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidArgumentError(f"a UDS must be {2 * UDS_SIZE} hex digits") from None
    if len(value) != UDS_SIZE:
        raise InvalidArgumentError(f"a UDS must be {UDS_SIZE} bytes ({2 * UDS_SIZE} hex digits), got {len(value)}")
    return value


def load_uds(path: Union[str, os.PathLike]) -> bytes:
    """A UDS from a file: exactly 32 raw bytes, or 64 hex digits as text."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) == UDS_SIZE:
        return data
    try:
        return parse_uds(data.decode("ascii"))
    except UnicodeDecodeError:
        raise InvalidArgumentError(f"{path}: a UDS file holds {UDS_SIZE} raw bytes or {2 * UDS_SIZE} hex digits") from None


class DiceIdentity:
    """A DICE identity and its certificate chain.

    Keyword arguments (all optional):
      profile: "riot" (legacy emulator) or "tcg" (TCG DICE profiles).
      uds: 32-byte Unique Device Secret (default: the public development UDS).
      measurement, fwid: 32-byte layer-0 measurement and firmware id (development defaults).
      registration_id: alias certificate CN (default "riot-device-cert" for riot, derived
        from the DeviceID key for tcg).
      legacy_bytes: True/False/None (None = on for riot with development inputs).
      root_cert_pem, root_key_pem: a P-256 CA that signs the DeviceID certificate.
      tcb_vendor, tcb_model, tcb_version, tcb_svn, tcb_layer: TCG DiceTcbInfo fields.

    The native object holds the root signing key (for verification certificates) until
    close(); the alias key is also kept as a Python string (``alias_key_pem``), which Python
    cannot wipe: write it where it belongs and drop the object.
    """

    def __init__(
        self,
        *,
        profile: Profile = "riot",
        uds: Optional[bytes] = None,
        measurement: Optional[bytes] = None,
        fwid: Optional[bytes] = None,
        registration_id: Optional[str] = None,
        legacy_bytes: Optional[bool] = None,
        root_cert_pem: Optional[str] = None,
        root_key_pem: Optional[str] = None,
        tcb_vendor: Optional[str] = None,
        tcb_model: Optional[str] = None,
        tcb_version: Optional[str] = None,
        tcb_svn: Optional[int] = None,
        tcb_layer: Optional[int] = 1,
    ) -> None:
        if profile not in _PROFILES:
            raise InvalidArgumentError(f"profile must be 'riot' or 'tcg', not {profile!r}")
        for name, number in (("tcb_svn", tcb_svn), ("tcb_layer", tcb_layer)):
            if number is not None and (not isinstance(number, int) or not 0 <= number < 2**63):
                raise InvalidArgumentError(f"{name} must be a non-negative integer")
        keep = []  # cdata the options struct points into, alive until the call returns

        def c_bytes(name: str, value: Optional[bytes], size: int) -> object:
            raw = _bytes_arg(name, value, size)
            if raw is None:
                return ffi.NULL
            buf = ffi.new("uint8_t[]", raw)
            keep.append(buf)
            return buf

        def c_str(name: str, value: Optional[str]) -> object:
            raw = _str_arg(name, value)
            if raw is None:
                return ffi.NULL
            buf = ffi.new("char[]", raw)
            keep.append(buf)
            return buf

        options = ffi.new("pdc_dice_options*", lib.pdc_dice_options_default())
        options.profile = _PROFILES[profile]
        options.uds = c_bytes("uds", uds, UDS_SIZE)
        options.uds_size = UDS_SIZE if uds is not None else 0
        options.measurement = c_bytes("measurement", measurement, DIGEST_SIZE)
        options.fwid = c_bytes("fwid", fwid, DIGEST_SIZE)
        options.registration_id = c_str("registration_id", registration_id)
        options.legacy_bytes = {None: lib.PDC_DICE_LEGACY_AUTO, True: lib.PDC_DICE_LEGACY_ON,
                                False: lib.PDC_DICE_LEGACY_OFF}[legacy_bytes]
        options.root_cert_pem = c_str("root_cert_pem", root_cert_pem)
        options.root_key_pem = c_str("root_key_pem", root_key_pem)
        options.tcb_vendor = c_str("tcb_vendor", tcb_vendor)
        options.tcb_model = c_str("tcb_model", tcb_model)
        options.tcb_version = c_str("tcb_version", tcb_version)
        options.tcb_svn = -1 if tcb_svn is None else tcb_svn
        options.tcb_layer = -1 if tcb_layer is None else tcb_layer

        out = ffi.new("pdc_dice_identity**")
        err = ffi.new("char[]", _ERROR_SIZE)
        try:
            check(lib.pdc_dice_identity_create(options, out, err, _ERROR_SIZE), err)
        finally:
            for buf in keep:  # the UDS and any root key: do not leave them in freed memory
                ffi.memmove(buf, b"\x00" * len(buf), len(buf))
        handle = ffi.gc(out[0], lib.pdc_dice_identity_destroy)
        self._handle: Optional[object] = handle

        def text(getter: object) -> str:
            return ffi.string(getter(handle)).decode("ascii")  # type: ignore[operator]

        self.profile: Profile = profile
        self.registration_id: str = text(lib.pdc_dice_identity_registration_id)
        self.alias_cert_pem: str = text(lib.pdc_dice_identity_alias_cert_pem)
        self.deviceid_cert_pem: str = text(lib.pdc_dice_identity_deviceid_cert_pem)
        self.root_cert_pem: str = text(lib.pdc_dice_identity_root_cert_pem)
        self.chain_pem: str = text(lib.pdc_dice_identity_chain_pem)
        self.alias_key_pem: str = text(lib.pdc_dice_identity_alias_key_pem)
        self.deviceid_public_key_pem: str = text(lib.pdc_dice_identity_deviceid_public_key_pem)
        self.is_legacy_bytes: bool = bool(lib.pdc_dice_identity_is_legacy_bytes(handle))

    def verification_certificate(self, code: str) -> str:
        """Proof-of-possession certificate for a group enrollment: CN = the verification
        code DPS generated for the root certificate, signed by the root key."""
        raw = _str_arg("code", code)
        if self._handle is None:
            raise InvalidArgumentError("the identity is closed")
        pem = ffi.new("char**")
        err = ffi.new("char[]", _ERROR_SIZE)
        check(lib.pdc_dice_identity_verification_cert(self._handle, raw, pem, err, _ERROR_SIZE), err)
        try:
            return ffi.string(pem[0]).decode("ascii")
        finally:
            lib.pdc_dice_free_string(pem[0])

    def write(self, directory: Union[str, os.PathLike], *, verification_code: Optional[str] = None) -> Dict[str, pathlib.Path]:
        """Write the PEM files (FILE_NAMES) into directory; the alias key with mode 0600.
        With verification_code, also verification.pem. Returns {kind: path}."""
        import pathlib

        out = pathlib.Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        contents = {
            "root": self.root_cert_pem,
            "deviceid": self.deviceid_cert_pem,
            "alias": self.alias_cert_pem,
            "alias_key": self.alias_key_pem,
            "chain": self.chain_pem,
            "deviceid_public_key": self.deviceid_public_key_pem,
        }
        if verification_code is not None:
            contents["verification"] = self.verification_certificate(verification_code)
        written = {}
        for kind, text in contents.items():
            path = out / FILE_NAMES[kind]
            mode = 0o600 if kind == "alias_key" else 0o644
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(text)
            os.chmod(path, mode)  # an existing file keeps its old mode otherwise
            written[kind] = path
        return written

    def close(self) -> None:
        """Wipe and free the native identity (the root signing key with it)."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            ffi.gc(handle, None)  # detach the finalizer in place, then free now
            lib.pdc_dice_identity_destroy(handle)

    def __enter__(self) -> "DiceIdentity":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<DiceIdentity profile={self.profile} registration_id={self.registration_id!r}>"

