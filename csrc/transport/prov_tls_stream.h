/* A client TLS byte stream for protocols libcurl does not speak (AMQP): libcurl opens it
 * (TCP, the CONNECT proxy, TLS with the device identity, see prov_curl_tls.h) in connect-only
 * mode and then carries raw bytes. Every call is non-blocking. One thread at a time. */
#ifndef PROV_TLS_STREAM_H
#define PROV_TLS_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "../prov/prov_transport.h"

typedef struct prov_tls_stream prov_tls_stream;

typedef enum prov_stream_state {
    PROV_STREAM_CONNECTING,
    PROV_STREAM_OPEN,
    PROV_STREAM_FAILED
} prov_stream_state;

/* Starts connecting to c->host:port (port 0: default_port). NULL on failure (reason in error).
 * c's identity strings are used in place and must outlive the stream. */
prov_tls_stream* prov_tls_stream_open(const prov_transport_config* c, int default_port, char* error,
                                      size_t error_size);

/* Advances the connect; on FAILED error says why. */
prov_stream_state prov_tls_stream_connect(prov_tls_stream* s, char* error, size_t error_size);

/* Bytes written (0: try later), or -1 on failure (reason in error). Only once OPEN. */
ssize_t prov_tls_stream_send(prov_tls_stream* s, const void* data, size_t size, char* error, size_t error_size);

/* Bytes read (0: nothing yet), or -1 when the peer closed or the stream failed. Only once OPEN. */
ssize_t prov_tls_stream_recv(prov_tls_stream* s, void* buffer, size_t size, char* error, size_t error_size);

/* NULL is ignored. */
void prov_tls_stream_close(prov_tls_stream* s);

#endif /* PROV_TLS_STREAM_H */
