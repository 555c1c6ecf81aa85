"""dps-emulator: run a local Device Provisioning Service and manage it.

  dps-emulator start [--port 8443] [--state-dir DIR] [--hub NAME] ...     (foreground)
  dps-emulator enrollment add --registration-id ID --certificate PEM [--device-id ID] [--disabled]
  dps-emulator enrollment add --group-id ID (--ca PEM | --ca-name NAME) [--disabled]
  dps-emulator enrollment list | show ID | delete ID          (--group for enrollment groups)
  dps-emulator ca upload NAME PEM [--verified] | verify NAME PEM | list
  dps-emulator registration list | delete ID
  dps-emulator hub devices | delete DEVICE_ID

Management commands find the running emulator through --state-dir (where start records its
address, CA and service key) or take --connection-string (and --ca-file).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import sys
import threading
from typing import Any, Dict, List, Optional

from .client import EmulatorError, ServiceClient
from .emulator import DEFAULT_HUB, STATE_FILE, Emulator

DEFAULT_PORT = 8443


def default_state_dir() -> pathlib.Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return pathlib.Path(base) / "dps-emulator"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dps-emulator", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--state-dir", type=pathlib.Path, default=None,
                   help=f"state directory (default {default_state_dir()})")
    p.add_argument("--connection-string", help="service connection string of a running emulator")
    p.add_argument("--ca-file", help="CA certificate to trust with --connection-string")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("start", help="run the emulator in the foreground")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=DEFAULT_PORT)
    s.add_argument("--id-scope")
    s.add_argument("--hub", action="append", help=f"linked IoT hub host name (repeatable; default {DEFAULT_HUB})")
    s.add_argument("--retry-after", type=int, default=2)
    s.add_argument("--in-memory", action="store_true", help="keep enrollments and registrations in memory only")
    s.add_argument("--standard-ports", action="store_true", help="also listen on 443, 8883 and 5671")
    s.add_argument("--server-name", action="append", default=[], help="extra DNS name for the TLS certificate")

    e = sub.add_parser("enrollment", help="individual enrollments and enrollment groups")
    esub = e.add_subparsers(dest="action", required=True)
    add = esub.add_parser("add")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--registration-id")
    who.add_argument("--group-id")
    add.add_argument("--certificate", help="individual: the device (leaf) certificate PEM file")
    add.add_argument("--ca", help="group: signing (root or intermediate) certificate PEM file")
    add.add_argument("--ca-name", help="group: name of an uploaded, verified CA certificate")
    add.add_argument("--device-id")
    add.add_argument("--disabled", action="store_true")
    add.add_argument("--initial-twin", help="initial twin JSON, e.g. '{\"properties\":{\"desired\":{\"a\":1}}}'")
    esub.add_parser("list")
    for name in ("show", "delete"):
        x = esub.add_parser(name)
        x.add_argument("id")
        x.add_argument("--group", action="store_true", help="an enrollment group id")

    c = sub.add_parser("ca", help="CA certificates and proof of possession")
    csub = c.add_subparsers(dest="action", required=True)
    up = csub.add_parser("upload")
    up.add_argument("name")
    up.add_argument("certificate")
    up.add_argument("--verified", action="store_true", help="mark verified on upload (no proof of possession)")
    ver = csub.add_parser("verify")
    ver.add_argument("name")
    ver.add_argument("certificate", help="the verification certificate (CN = verification code)")
    csub.add_parser("list")

    r = sub.add_parser("registration", help="device registration records")
    rsub = r.add_subparsers(dest="action", required=True)
    rsub.add_parser("list")
    rdel = rsub.add_parser("delete")
    rdel.add_argument("id")

    h = sub.add_parser("hub", help="the IoT hub device registry")
    hsub = h.add_subparsers(dest="action", required=True)
    hsub.add_parser("devices")
    hdel = hsub.add_parser("delete")
    hdel.add_argument("device_id")
    return p


def _fail(message: str) -> "SystemExit":
    return SystemExit(f"dps-emulator: {message}")


def _read(path: Optional[str], what: str) -> str:
    if not path:
        raise _fail(f"{what} file is required")
    try:
        return pathlib.Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(f"cannot read {what} {path}: {e}") from None


def _client(args: argparse.Namespace) -> ServiceClient:
    if args.connection_string:
        try:
            return ServiceClient(args.connection_string, args.ca_file)
        except ValueError as e:
            raise _fail(f"bad connection string: {e}") from None
    state_dir = args.state_dir or default_state_dir()
    state = state_dir / STATE_FILE
    try:
        info = json.loads(state.read_text())
    except FileNotFoundError:
        raise _fail(f"no running emulator in {state_dir} (start one: dps-emulator --state-dir {state_dir} start)") from None
    except (OSError, ValueError) as e:
        raise _fail(f"cannot read {state}: {e}") from None
    return ServiceClient(info["connectionString"], args.ca_file or info["caCertificate"])


def _table(rows: List[Dict[str, Any]], columns: List[str]) -> str:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _start(args: argparse.Namespace) -> int:
    state_dir = args.state_dir or default_state_dir()
    extra = [443, 8883, 5671] if args.standard_ports else []
    emulator = Emulator(state_dir, host=args.host, port=args.port, id_scope=args.id_scope,
                        hubs=args.hub or [DEFAULT_HUB], retry_after=args.retry_after, in_memory=args.in_memory,
                        server_names=args.server_name, extra_ports=extra)
    try:
        emulator.start()
    except OSError as e:
        raise _fail(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    info = emulator.info()
    print("DPS emulator running", flush=True)
    print(f"  provisioning host (global endpoint): {info['provisioningHost']}")
    print(f"  ID scope:           {info['idScope']}")
    print(f"  port:               {info['port']}" + (f" (and {', '.join(map(str, extra))})" if extra else ""))
    print(f"  CA certificate:     {info['caCertificate']}  (trust it: export SSL_CERT_FILE=...)")
    print(f"  linked hubs:        {', '.join(info['hubs'])}")
    print(f"  service connection string: {info['connectionString']}")
    print(f"  state:              {state_dir}{' (in memory)' if args.in_memory else ''}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    emulator.stop()
    print("DPS emulator stopped", flush=True)
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "start":
        return _start(args)
    client = _client(args)
    if args.command == "enrollment":
        if args.action == "add":
            twin = None
            if args.initial_twin:
                try:
                    twin = json.loads(args.initial_twin)
                except ValueError as e:
                    raise _fail(f"--initial-twin is not JSON: {e}") from None
            if args.registration_id:
                doc = client.enroll_individual(args.registration_id, _read(args.certificate, "certificate"),
                                               device_id=args.device_id, disabled=args.disabled, initial_twin=twin)
                print(f"individual enrollment {doc['registrationId']} ({doc['provisioningStatus']})")
            else:
                if bool(args.ca) == bool(args.ca_name):
                    raise _fail("a group needs exactly one of --ca PEM or --ca-name NAME")
                doc = client.enroll_group(args.group_id, ca_pem=_read(args.ca, "CA certificate") if args.ca else None,
                                          ca_name=args.ca_name, disabled=args.disabled, initial_twin=twin)
                print(f"enrollment group {doc['enrollmentGroupId']} ({doc['provisioningStatus']})")
        elif args.action == "list":
            rows = [{"id": d["registrationId"], "type": "individual", "status": d["provisioningStatus"],
                     "device id": d.get("deviceId", "")} for d in client.enrollments()]
            rows += [{"id": d["enrollmentGroupId"], "type": "group", "status": d["provisioningStatus"]}
                     for d in client.enrollment_groups()]
            print(_table(rows, ["id", "type", "status", "device id"]))
        elif args.action == "show":
            doc = client.enrollment_group(args.id) if args.group else client.enrollment(args.id)
            print(json.dumps(doc, indent=2))
        else:
            (client.delete_enrollment_group if args.group else client.delete_enrollment)(args.id)
            print(f"deleted {'enrollment group' if args.group else 'enrollment'} {args.id}")
    elif args.command == "ca":
        if args.action == "upload":
            doc = client.upload_ca(args.name, _read(args.certificate, "certificate"), verified=args.verified)
            print(f"uploaded {doc['name']} ({'verified' if doc['isVerified'] else 'unverified'})")
            if doc["verificationCode"]:
                print(f"verification code: {doc['verificationCode']}")
        elif args.action == "verify":
            doc = client.verify_ca(args.name, _read(args.certificate, "verification certificate"))
            print(f"{doc['name']} verified")
        else:
            print(_table([{"name": c["name"], "verified": c["isVerified"], "subject": c.get("subject", ""),
                           "thumbprint": c["thumbprint"]} for c in client.certificates()],
                         ["name", "verified", "subject", "thumbprint"]))
    elif args.command == "registration":
        if args.action == "list":
            print(_table(client.registrations(), ["registrationId", "status", "assignedHub", "deviceId",
                                                  "lastUpdatedDateTimeUtc"]))
        else:
            client.delete_registration(args.id)
            print(f"deleted registration {args.id}")
    elif args.command == "hub":
        if args.action == "devices":
            rows = [{"device id": d["deviceId"], "status": d["status"], "auth type": d["authenticationType"],
                     "hub": d["hub"], "created": d["createdDateTimeUtc"]} for d in client.hub_devices()]
            print(_table(rows, ["device id", "status", "auth type", "hub", "created"]))
        else:
            client.delete_hub_device(args.device_id)
            print(f"deleted device {args.device_id}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except EmulatorError as e:
        print(f"dps-emulator: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
