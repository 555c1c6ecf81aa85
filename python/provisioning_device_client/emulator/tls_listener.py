"""One TLS port for every device protocol.

TLS is terminated here with pyOpenSSL, because DPS must finish the handshake whatever client
certificate a device presents and judge it afterwards (an unknown device gets a 401 at the
protocol level, not a handshake failure), and Python's ssl module has no verify callback.
Each connection is served by its own thread (pyOpenSSL is blocking); a semaphore caps the
number of connections and kernel socket timeouts close idle or slow peers. After the
handshake the first bytes choose the front end: an HTTP request line goes to the HTTP front
end, MQTT CONNECT (0x10) to the MQTT one, "AMQP" to the AMQP one.
"""

from __future__ import annotations

import io
import logging
import socket
import struct
import threading
from typing import Callable, List, Optional, Tuple

from cryptography import x509
from OpenSSL import SSL

log = logging.getLogger("provisioning_device_client.emulator")

# handler(connection, peer address, presented chain leaf first)
FrontEnd = Callable[["TlsStream", Tuple[str, int], List[x509.Certificate]], None]
# Does this front end speak the protocol that starts with these (up to 4) bytes?
Detector = Callable[[bytes], bool]


class TlsStream(io.RawIOBase):
    """A pyOpenSSL connection as a raw binary stream (for io.BufferedReader and friends)."""

    def __init__(self, conn: SSL.Connection) -> None:
        super().__init__()
        self.conn = conn

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        try:
            data = self.conn.recv(len(buffer))
        except (SSL.ZeroReturnError, SSL.SysCallError, SSL.WantReadError):
            return 0  # closed, reset or timed out: end of stream
        except SSL.Error:
            return 0
        buffer[: len(data)] = data
        return len(data)

    def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
        self.conn.sendall(bytes(data))
        return len(data)

    def peek(self, size: int) -> bytes:
        try:
            return self.conn.recv(size, socket.MSG_PEEK)
        except SSL.Error:
            return b""


def _timeouts(sock: socket.socket, seconds: float) -> None:
    # Kernel timeouts keep the socket blocking (pyOpenSSL needs that); a stalled read fails.
    packed = struct.pack("ll", int(seconds), int((seconds % 1) * 1e6))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, packed)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, packed)


class TlsListener:
    def __init__(self, cert_file: str, key_file: str, host: str = "127.0.0.1", port: int = 0,
                 max_connections: int = 512, idle_timeout: float = 30.0) -> None:
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.use_certificate_chain_file(cert_file)
        ctx.use_privatekey_file(key_file)
        ctx.set_verify(SSL.VERIFY_PEER, lambda conn, cert, errno, depth, ok: True)  # judged later
        ctx.set_session_id(b"dps-emulator")
        self._ctx = ctx
        self._front_ends: List[Tuple[Detector, FrontEnd]] = []
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle_timeout = idle_timeout
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        self.port: int = self._sock.getsockname()[1]
        self._stopped = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def add_front_end(self, detect: Detector, handler: FrontEnd) -> None:
        """Route connections whose first bytes detect() accepts to handler."""
        self._front_ends.append((detect, handler))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._accept_loop, name=f"dps-emulator:{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                sock, addr = self._sock.accept()
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                log.warning("connection limit reached: refusing %s", addr[0])
                sock.close()
                continue
            threading.Thread(target=self._serve, args=(sock, addr), daemon=True).start()

    def _serve(self, sock: socket.socket, addr: Tuple[str, int]) -> None:
        conn = None
        try:
            _timeouts(sock, self._idle_timeout)
            # Request/response traffic: without this, an answer waits behind Nagle for the
            # client's delayed ACK of the previous small record (about 40 ms per answer).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = SSL.Connection(self._ctx, sock)
            conn.set_accept_state()
            conn.do_handshake()
            chain = self._presented_chain(conn)
            stream = TlsStream(conn)
            first = stream.peek(32)
            handler = next((h for detect, h in self._front_ends if first and detect(first)), None)
            if handler is None:
                log.debug("%s: unknown protocol %r", addr[0], first)
                return
            handler(stream, addr, chain)
        except SSL.Error as e:
            log.debug("%s: TLS: %s", addr[0], e)
        except OSError as e:
            log.debug("%s: socket: %s", addr[0], e)
        except Exception:  # a front-end bug must not kill the listener
            log.exception("%s: connection failed", addr[0])
        finally:
            if conn is not None:
                try:
                    conn.shutdown()
                except SSL.Error:
                    pass
            sock.close()
            self._slots.release()

    @staticmethod
    def _presented_chain(conn: SSL.Connection) -> List[x509.Certificate]:
        leaf = conn.get_peer_certificate(as_cryptography=True)
        if leaf is None:
            return []
        rest = conn.get_peer_cert_chain(as_cryptography=True) or []
        # Server side OpenSSL returns the intermediates only; be robust if the leaf is there.
        return [leaf] + [c for c in rest if c != leaf]
