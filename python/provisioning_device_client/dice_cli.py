"""dice-device-enrollment: print (or write) what to enroll in DPS for a DICE identity.

Without --individual/--group it asks, like the Azure C SDK tool of the same name:
'i' prints the alias certificate for an individual enrollment; 'g' prints the root
certificate, reads the verification code DPS generated for it and prints the
proof-of-possession certificate.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from .dice import MAX_CN_LENGTH, DiceIdentity, load_uds, parse_uds
from .errors import ProvisioningError

UDS_ENV = "PDC_DICE_UDS"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dice-device-enrollment", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--individual", action="store_true", help="print the alias certificate to enroll")
    mode.add_argument("--group", action="store_true", help="print the root certificate (and a verification certificate)")
    p.add_argument("--verification-code", metavar="CODE",
                   help=f"with --group: the code DPS generated (1-{MAX_CN_LENGTH} characters of A-Z a-z 0-9 - . _)")
    p.add_argument("--profile", choices=("riot", "tcg"), default="riot")
    uds = p.add_mutually_exclusive_group()
    uds.add_argument("--uds-file", metavar="FILE", help="UDS: 32 raw bytes or 64 hex digits")
    uds.add_argument("--uds-hex", metavar="HEX", help=f"UDS as 64 hex digits (or set {UDS_ENV})")
    p.add_argument("--fwid-hex", metavar="HEX", help="firmware id (32 bytes, hex)")
    p.add_argument("--measurement-hex", metavar="HEX", help="layer-0 measurement (32 bytes, hex)")
    p.add_argument("--registration-id", metavar="ID", help="alias certificate CN = DPS registration id")
    p.add_argument("--root-cert", metavar="PEM", help="CA certificate (P-256) that signs the DeviceID certificate")
    p.add_argument("--root-key", metavar="PEM", help="the CA's private key")
    p.add_argument("--legacy-bytes", dest="legacy_bytes", action="store_true", default=None,
                   help="riot: the legacy emulator's exact bytes (development UDS only; default there)")
    p.add_argument("--no-legacy-bytes", dest="legacy_bytes", action="store_false")
    p.add_argument("--out", metavar="DIR", help="write root, deviceid, alias, alias key, chain (and verification) PEM files")
    return p


def _hex32(name: str, value: Optional[str]) -> Optional[bytes]:
    if value is None:
        return None
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise SystemExit(f"dice-device-enrollment: {name} must be hex") from None
    if len(data) != 32:
        raise SystemExit(f"dice-device-enrollment: {name} must be 32 bytes (64 hex digits)")
    return data


def _read_text(path: Optional[str], what: str) -> Optional[str]:
    if path is None:
        return None
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise SystemExit(f"dice-device-enrollment: cannot read {what} {path}: {e}") from None


def _identity(args: argparse.Namespace) -> DiceIdentity:
    if args.uds_file:
        uds: Optional[bytes] = load_uds(args.uds_file)
    elif args.uds_hex:
        uds = parse_uds(args.uds_hex)
    elif os.environ.get(UDS_ENV):
        uds = parse_uds(os.environ[UDS_ENV])
    else:
        uds = None
    return DiceIdentity(
        profile=args.profile, uds=uds, fwid=_hex32("--fwid-hex", args.fwid_hex),
        measurement=_hex32("--measurement-hex", args.measurement_hex),
        registration_id=args.registration_id, legacy_bytes=args.legacy_bytes,
        root_cert_pem=_read_text(args.root_cert, "root certificate"),
        root_key_pem=_read_text(args.root_key, "root key"),
    )


def _prompt(text: str) -> str:
    print(text, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise SystemExit("\ndice-device-enrollment: no input")
    return line.strip()


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.verification_code and not args.group:
        raise SystemExit("dice-device-enrollment: --verification-code needs --group")
    try:
        with _identity(args) as identity:
            group = args.group
            if not (args.individual or args.group):
                answer = _prompt("Would you like to do Individual (i) or Group (g) enrollments: ")
                if len(answer) != 1:
                    print("Invalid option specified")
                    return 1
                group = answer in ("g", "G")
            code = args.verification_code
            if group:
                print(f"root cert:\n{identity.root_cert_pem}")
                if code is None and not args.out:
                    code = _prompt("Enter the Validation Code (Press enter when finished): ")
                if code is not None:
                    print(f"Leaf Certificate:\n{identity.verification_certificate(code)}")
            else:
                print(f"Registration id: {identity.registration_id}")
                print(f"Device certificate:\n{identity.alias_cert_pem}")
            if args.out:
                written = identity.write(args.out, verification_code=code if group else None)
                for kind, path in written.items():
                    print(f"wrote {kind}: {path}", file=sys.stderr)
    except ProvisioningError as e:
        print(f"dice-device-enrollment: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
