/* A connect-only libcurl transfer driven through a multi handle: curl does DNS, the proxy
 * tunnel and the TLS handshake without blocking; then curl_easy_send/recv move raw bytes. */
#include "prov_tls_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "prov_curl_tls.h"

#define CONNECT_TIMEOUT_S 30L

struct prov_tls_stream {
    CURLM* multi;
    CURL* easy;
    prov_stream_state state;
    int in_multi;
    char errbuf[CURL_ERROR_SIZE];
};

void prov_tls_stream_close(prov_tls_stream* s)
{
    if (s == NULL) {
        return;
    }
    if (s->multi != NULL && s->easy != NULL && s->in_multi) {
        curl_multi_remove_handle(s->multi, s->easy);
    }
    curl_easy_cleanup(s->easy);
    curl_multi_cleanup(s->multi);
    free(s);
}

prov_tls_stream* prov_tls_stream_open(const prov_transport_config* c, int default_port, char* error,
                                      size_t error_size)
{
    if (prov_curl_global_init() != 0) {
        snprintf(error, error_size, "curl_global_init failed");
        return NULL;
    }
    prov_tls_stream* s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    s->multi = curl_multi_init();
    s->easy = curl_easy_init();
    if (s->multi == NULL || s->easy == NULL) {
        snprintf(error, error_size, "out of memory");
        prov_tls_stream_close(s);
        return NULL;
    }
    /* the https scheme only tells curl to do TLS; connect-only sends no request */
    char url[320];
    int ipv6 = strchr(c->host, ':') != NULL;
    snprintf(url, sizeof(url), ipv6 ? "https://[%s]:%d/" : "https://%s:%d/", c->host, c->port ? c->port : default_port);
    CURLcode rc = prov_curl_tls_setup(s->easy, c, CONNECT_TIMEOUT_S, s->errbuf);
    if (rc == CURLE_OK) rc = curl_easy_setopt(s->easy, CURLOPT_URL, url);
    if (rc == CURLE_OK) rc = curl_easy_setopt(s->easy, CURLOPT_CONNECT_ONLY, 1L);
    if (rc != CURLE_OK) {
        snprintf(error, error_size, "curl setup: %s", curl_easy_strerror(rc));
        prov_tls_stream_close(s);
        return NULL;
    }
    CURLMcode m = curl_multi_add_handle(s->multi, s->easy);
    if (m != CURLM_OK) {
        snprintf(error, error_size, "curl: %s", curl_multi_strerror(m));
        prov_tls_stream_close(s);
        return NULL;
    }
    s->in_multi = 1;
    s->state = PROV_STREAM_CONNECTING;
    return s;
}

prov_stream_state prov_tls_stream_connect(prov_tls_stream* s, char* error, size_t error_size)
{
    if (s->state != PROV_STREAM_CONNECTING) {
        return s->state;
    }
    int running = 0;
    CURLMcode m = curl_multi_perform(s->multi, &running);
    if (m != CURLM_OK) {
        snprintf(error, error_size, "curl: %s", curl_multi_strerror(m));
        return s->state = PROV_STREAM_FAILED;
    }
    int queued = 0;
    CURLMsg* msg;
    while ((msg = curl_multi_info_read(s->multi, &queued)) != NULL) {
        if (msg->msg != CURLMSG_DONE || msg->easy_handle != s->easy) {
            continue;
        }
        /* the handle stays in the multi handle: removing it would detach the connection that
         * curl_easy_send/recv use */
        CURLcode result = msg->data.result;
        if (result != CURLE_OK) {
            prov_curl_failure(error, error_size, result, s->errbuf);
            return s->state = PROV_STREAM_FAILED;
        }
        return s->state = PROV_STREAM_OPEN;
    }
    return s->state;
}

ssize_t prov_tls_stream_send(prov_tls_stream* s, const void* data, size_t size, char* error, size_t error_size)
{
    size_t sent = 0;
    CURLcode rc = curl_easy_send(s->easy, data, size, &sent);
    if (rc == CURLE_AGAIN) {
        return 0;
    }
    if (rc != CURLE_OK) {
        snprintf(error, error_size, "send: %s", curl_easy_strerror(rc));
        s->state = PROV_STREAM_FAILED;
        return -1;
    }
    return (ssize_t)sent;
}

ssize_t prov_tls_stream_recv(prov_tls_stream* s, void* buffer, size_t size, char* error, size_t error_size)
{
    size_t got = 0;
    CURLcode rc = curl_easy_recv(s->easy, buffer, size, &got);
    if (rc == CURLE_AGAIN) {
        return 0;
    }
    if (rc != CURLE_OK || got == 0) {
        if (rc == CURLE_OK) {
            snprintf(error, error_size, "connection closed by the service");
        } else {
            snprintf(error, error_size, "receive: %s", curl_easy_strerror(rc));
        }
        s->state = PROV_STREAM_FAILED;
        return -1;
    }
    return (ssize_t)got;
}
