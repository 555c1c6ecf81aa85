/* What the libcurl-based transports share: the global init, and the TLS identity, trust,
 * proxy and trace options of an easy handle (HTTP requests, and the connect-only TLS
 * stream under AMQP). */
#ifndef PROV_CURL_TLS_H
#define PROV_CURL_TLS_H

#include <curl/curl.h>

#include "../prov/prov_transport.h"

/* curl_global_init once per process; 0 on success. Thread-safe. */
int prov_curl_global_init(void);

/* Sets TLS 1.2+, peer and host verification, the client chain and key from c (in place: they
 * must outlive the handle; see prov_transport_config), trust from c->trusted_certs_pem else
 * SSL_CERT_FILE/SSL_CERT_DIR, the CONNECT proxy, the timeouts, and a secret-free trace when
 * c->log_trace. errbuf (CURL_ERROR_SIZE) receives curl's failure reasons. */
CURLcode prov_curl_tls_setup(CURL* easy, const prov_transport_config* c, long timeout_s, char* errbuf);

/* "<curl's name for result>: <errbuf or ->" into out, bounded (no secrets: curl's reasons
 * name hosts and certificates, never keys). */
void prov_curl_failure(char* out, size_t out_size, CURLcode result, const char* errbuf);

#endif /* PROV_CURL_TLS_H */
