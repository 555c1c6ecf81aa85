"""The Emulator: store + engine + service API + TLS listener, started in this process.

    with Emulator() as emu:
        emu.service.enroll_individual(reg_id, alias_pem)
        ... a device registers against emu.provisioning_host (trusting emu.ca_cert_path) ...
"""

from __future__ import annotations

import base64
import json
import logging
import os
import pathlib
import secrets
import tempfile
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Type

from .client import ServiceClient
from .engine import Allocator, Engine
from .http_front import HttpFrontEnd, looks_like_http
from .mqtt_front import MqttFrontEnd, looks_like_mqtt
from .pki import ensure_pki
from .service_api import ServiceApi
from .store import Store
from .tls_listener import Detector, FrontEnd, TlsListener
from .ws_front import StreamHandler, WebSocketFrontEnd, looks_like_websocket

if TYPE_CHECKING:
    from .amqp_front import AmqpFrontEnd

log = logging.getLogger("provisioning_device_client.emulator")


def looks_like_amqp(first: bytes) -> bool:
    return first[:4] == b"AMQP"  # the AMQP 1.0 header, plain (0) or SASL (3)


def _amqp_front_end(engine: Engine) -> Optional["AmqpFrontEnd"]:
    """The AMQP front end, or None without python-qpid-proton (an optional extra)."""
    try:
        from .amqp_front import AmqpFrontEnd
    except ImportError:
        log.warning("AMQP disabled: install python-qpid-proton "
                    "(pip install 'provisioning-device-client[amqp-emulator]')")
        return None
    return AmqpFrontEnd(engine)

STATE_FILE = "emulator.json"
DB_FILE = "dps.sqlite3"
DEFAULT_HUB = "emulated-hub.azure-devices.net"


class Emulator:
    """A local DPS. Arguments:
      state_dir: where the CA, the server certificate, the SQLite store and emulator.json live
        (default: a fresh temporary directory, removed by stop()).
      host, port: listening address (port 0 = any free port; see .port).
      id_scope: fixed ID scope (default: the stored one, else a new "0ne" + 8 hex).
      hubs: linked IoT hub host names. retry_after: seconds sent on 202.
      in_memory: keep the store in memory (nothing survives stop()).
      allocator: a custom allocation hook (see engine.Allocator).
      server_names: extra DNS names for the TLS server certificate.
      extra_ports: more ports serving the same protocols (e.g. 443, 8883, 5671).
    """

    def __init__(self, state_dir: Optional[os.PathLike] = None, *, host: str = "127.0.0.1", port: int = 0,
                 id_scope: Optional[str] = None, hubs: Sequence[str] = (DEFAULT_HUB,), retry_after: int = 2,
                 in_memory: bool = False, allocator: Optional[Allocator] = None,
                 server_names: Sequence[str] = (), assign_after_polls: int = 1,
                 max_connections: int = 512, idle_timeout: float = 30.0, extra_ports: Sequence[int] = ()) -> None:
        self._tmp: Optional[tempfile.TemporaryDirectory] = None  # type: ignore[type-arg]
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="dps-emulator-")
            state_dir = pathlib.Path(self._tmp.name)
        self.state_dir = pathlib.Path(state_dir)
        self.host, self._port = host, port
        self._id_scope, self.hubs, self.retry_after = id_scope, list(hubs), retry_after
        self.in_memory, self.allocator, self.server_names = in_memory, allocator, list(server_names)
        self.assign_after_polls, self.max_connections, self.idle_timeout = assign_after_polls, max_connections, idle_timeout
        self.extra_ports = list(extra_ports)
        self._listener: Optional[TlsListener] = None
        self._extra_listeners: List[TlsListener] = []
        self._store: Optional[Store] = None
        self.engine: Optional[Engine] = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "Emulator":
        if self._listener is not None:
            raise RuntimeError("emulator already started")
        self.ca_cert_path, server_cert, server_key = ensure_pki(self.state_dir, self.server_names)
        self._store = Store(":memory:" if self.in_memory else str(self.state_dir / DB_FILE))
        scope = self._id_scope or self._store.meta("id_scope") or f"0ne{secrets.token_hex(4).upper()}"
        self._store.set_meta("id_scope", scope)
        key = self._store.meta("service_key") or base64.b64encode(secrets.token_bytes(32)).decode()
        self._store.set_meta("service_key", key)
        self.engine = Engine(self._store, hubs=self.hubs, retry_after=self.retry_after,
                             assign_after_polls=self.assign_after_polls, allocator=self.allocator)
        listener = TlsListener(str(server_cert), str(server_key), self.host, self._port,
                               self.max_connections, self.idle_timeout)
        self.service_key = key
        self.service_api = ServiceApi(self._store, self.provisioning_host_for(listener.port), key)
        mqtt = MqttFrontEnd(self.engine)
        over_websockets: Dict[str, StreamHandler] = {
            "mqtt": lambda ws, addr, chain: mqtt.serve(ws.read_exactly, ws.write, addr, chain),
        }
        front_ends: List[Tuple[Detector, FrontEnd]] = [  # most specific first: a WebSocket upgrade is also HTTP
            (looks_like_websocket, WebSocketFrontEnd(over_websockets)),
            (looks_like_http, HttpFrontEnd(self.engine, self.service_api)),
            (looks_like_mqtt, mqtt),
        ]
        amqp = _amqp_front_end(self.engine)
        if amqp is not None:
            over_websockets["amqpwsb10"] = lambda ws, addr, chain: amqp.serve(ws.read_some, ws.write, addr, chain)
            front_ends.append((looks_like_amqp, amqp))
        self._extra_listeners = [TlsListener(str(server_cert), str(server_key), self.host, extra,
                                             self.max_connections, self.idle_timeout) for extra in self.extra_ports]
        for each in [listener, *self._extra_listeners]:
            for detect, front_end in front_ends:
                each.add_front_end(detect, front_end)
        listener.start()
        for more in self._extra_listeners:
            more.start()
        self._listener = listener
        self.service = ServiceClient(self.connection_string, str(self.ca_cert_path))
        self._write_state_file()
        return self

    def stop(self) -> None:
        for listener in [self._listener, *self._extra_listeners]:
            if listener is not None:
                listener.stop()
        self._listener, self._extra_listeners = None, []
        if self._store is not None:
            self._store.close()
            self._store = None
        state = self.state_dir / STATE_FILE
        if state.exists():
            state.unlink()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.stop()

    # -- what clients need --------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("emulator not started")
        return self._listener.port

    @property
    def id_scope(self) -> str:
        assert self.engine is not None, "emulator not started"
        return self.engine.id_scope

    def provisioning_host_for(self, port: int) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::1", "::") else self.host
        return f"{host}:{port}"

    @property
    def provisioning_host(self) -> str:
        """The "global device endpoint" to give clients: host:port."""
        return self.provisioning_host_for(self.port)

    @property
    def ca_pem(self) -> str:
        return pathlib.Path(self.ca_cert_path).read_text()

    @property
    def connection_string(self) -> str:
        return (f"HostName={self.provisioning_host};SharedAccessKeyName=provisioningserviceowner;"
                f"SharedAccessKey={self.service_key}")

    def info(self) -> Dict[str, Any]:
        return {"provisioningHost": self.provisioning_host, "port": self.port, "idScope": self.id_scope,
                "caCertificate": str(self.ca_cert_path), "connectionString": self.connection_string,
                "hubs": self.hubs, "pid": os.getpid(), "inMemory": self.in_memory}

    def _write_state_file(self) -> None:
        path = self.state_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the service key
        with os.fdopen(fd, "w") as f:
            json.dump(self.info(), f, indent=2)
        tmp.replace(path)
