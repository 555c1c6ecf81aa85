/* TLS, trust, proxy and trace options shared by the libcurl-based transports. */
#include "prov_curl_tls.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../prov/prov_log.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int prov_curl_global_init(void)
{
    pthread_once(&curl_once, curl_init);
    return curl_init_result == CURLE_OK ? 0 : -1;
}

/* logtrace: request and response lines, headers and bodies; never TLS data. Authorization
 * and Proxy-Authorization values are redacted (SAS signatures, proxy passwords). */
static int on_debug(CURL* easy, curl_infotype type, char* data, size_t size, void* context)
{
    (void)easy;
    (void)context;
    static const char* const prefix[] = {"* ", "< ", "> ", "<< ", ">> "};
    if (type > CURLINFO_DATA_OUT) {
        return 0;
    }
    const char* p = data;
    const char* end = data + size;
    while (p < end) {
        const char* eol = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((eol ? eol : end) - p);
        if (len > 0 && p[len - 1] == '\r') {
            len--;
        }
        if (len > 0) {
            if (type == CURLINFO_HEADER_OUT && (strncasecmp(p, "Authorization:", 14) == 0 ||
                                                strncasecmp(p, "Proxy-Authorization:", 20) == 0)) {
                pdc_log(PDC_LOG_TRACE, "%s%.*s: <redacted>", prefix[type], (int)(memchr(p, ':', len) - (void*)p), p);
            } else {
                pdc_log(PDC_LOG_TRACE, "%s%.*s", prefix[type], (int)(len > 1500 ? 1500 : len), p);
            }
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}

void prov_curl_failure(char* out, size_t out_size, CURLcode result, const char* errbuf)
{
    /* %.150s: the reason is informative, truncating it is fine */
    snprintf(out, out_size, "%.30s: %.150s", curl_easy_strerror(result), errbuf[0] ? errbuf : "-");
}

CURLcode prov_curl_tls_setup(CURL* e, const prov_transport_config* c, long timeout_s, char* errbuf)
{
    /* NOCOPY: the identity outlives the handle and wipes the key itself; a curl copy would
     * be freed unwiped. */
    struct curl_blob cert = {(void*)c->cert_chain_pem, strlen(c->cert_chain_pem), CURL_BLOB_NOCOPY};
    struct curl_blob key = {(void*)c->private_key_pem, strlen(c->private_key_pem), CURL_BLOB_NOCOPY};
    CURLcode rc = CURLE_OK;
#define SET(opt, val) \
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLCERTTYPE, "PEM");
    SET(CURLOPT_SSLCERT_BLOB, &cert);
    SET(CURLOPT_SSLKEYTYPE, "PEM");
    SET(CURLOPT_SSLKEY_BLOB, &key);
    SET(CURLOPT_CONNECTTIMEOUT, timeout_s);
    if (c->trusted_certs_pem != NULL) {
        struct curl_blob ca = {(void*)c->trusted_certs_pem, strlen(c->trusted_certs_pem), CURL_BLOB_COPY};
        SET(CURLOPT_CAINFO_BLOB, &ca);
    } else {
        /* libcurl ignores the OpenSSL environment convention that the curl tool honours */
        const char* file = getenv("SSL_CERT_FILE");
        const char* dir = getenv("SSL_CERT_DIR");
        if (file != NULL && file[0] != '\0') {
            SET(CURLOPT_CAINFO, file);
        }
        if (dir != NULL && dir[0] != '\0') {
            SET(CURLOPT_CAPATH, dir);
        }
    }
    if (c->proxy != NULL) {
        SET(CURLOPT_PROXY, c->proxy->host_address);
        SET(CURLOPT_PROXYPORT, (long)c->proxy->port);
        SET(CURLOPT_PROXYTYPE, (long)CURLPROXY_HTTP);
        SET(CURLOPT_HTTPPROXYTUNNEL, 1L);
        if (c->proxy->username != NULL) {
            SET(CURLOPT_PROXYUSERNAME, c->proxy->username);
            SET(CURLOPT_PROXYPASSWORD, c->proxy->password);
            SET(CURLOPT_PROXYAUTH, (long)CURLAUTH_BASIC);
        }
    }
    if (c->log_trace) {
        SET(CURLOPT_VERBOSE, 1L);
        SET(CURLOPT_DEBUGFUNCTION, on_debug);
    }
#undef SET
    return rc;
}
