/* HTTPS transport on libcurl (dps-protocol.md section 1).
 *
 *   PUT /{scope}/registrations/{id}/register?api-version=2021-06-01
 *   GET /{scope}/registrations/{id}/operations/{operationId}?api-version=2021-06-01
 *
 * One easy handle driven through a multi handle, so do_work never blocks and the TLS
 * connection is kept alive across the register and every status query. The identity goes to
 * curl as in-memory PEM blobs (never files); TLS 1.2+, server and host name verified against
 * TrustedCerts, else SSL_CERT_FILE / SSL_CERT_DIR, else the system store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "../prov/prov_transport.h"
#include "azure_prov_client/prov_transport_http_client.h"
#include "pdc/pdc_version.h"
#include "prov_curl_tls.h"

#define API_VERSION "2021-06-01"
#define DEFAULT_PORT 443
#define REQUEST_TIMEOUT_S 30L

typedef struct http_transport {
    CURLM* multi;
    CURL* easy;
    struct curl_slist* headers;
    char* base_url;       /* https://host:port */
    int log_trace;
    char errbuf[CURL_ERROR_SIZE];
    /* the response being received */
    char* body;
    size_t body_size;
    int oversize;
    char retry_after[32];
    char* request_body;
} http_transport;

static size_t on_body(char* data, size_t size, size_t count, void* context)
{
    http_transport* t = context;
    size_t n = size * count;
    if (t->body_size + n > PROV_MAX_BODY_SIZE) {
        t->oversize = 1;
        return 0;  /* abort the transfer: the service never sends this much */
    }
    char* grown = realloc(t->body, t->body_size + n + 1);
    if (grown == NULL) {
        return 0;
    }
    t->body = grown;
    memcpy(t->body + t->body_size, data, n);
    t->body_size += n;
    t->body[t->body_size] = '\0';
    return n;
}

static size_t on_header(char* data, size_t size, size_t count, void* context)
{
    http_transport* t = context;
    size_t n = size * count;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        size_t start = sizeof(name) - 1, end = n;
        while (start < end && (data[start] == ' ' || data[start] == '\t')) {
            start++;
        }
        while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' ')) {
            end--;
        }
        size_t len = end - start < sizeof(t->retry_after) - 1 ? end - start : sizeof(t->retry_after) - 1;
        memcpy(t->retry_after, data + start, len);
        t->retry_after[len] = '\0';
    }
    return n;
}

static void http_destroy(void* handle)
{
    http_transport* t = handle;
    if (t == NULL) {
        return;
    }
    if (t->multi != NULL && t->easy != NULL) {
        curl_multi_remove_handle(t->multi, t->easy);
    }
    curl_easy_cleanup(t->easy);
    curl_multi_cleanup(t->multi);
    curl_slist_free_all(t->headers);
    free(t->base_url);
    free(t->body);
    free(t->request_body);
    free(t);
}

static void* http_create(const prov_transport_config* c, char* error, size_t error_size)
{
    if (prov_curl_global_init() != 0) {
        snprintf(error, error_size, "curl_global_init failed");
        return NULL;
    }
    http_transport* t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    t->multi = curl_multi_init();
    t->easy = curl_easy_init();
    size_t url_size = strlen(c->host) + 32;
    t->base_url = malloc(url_size);
    int ipv6 = strchr(c->host, ':') != NULL;
    if (t->multi == NULL || t->easy == NULL || t->base_url == NULL) {
        snprintf(error, error_size, "out of memory");
        http_destroy(t);
        return NULL;
    }
    snprintf(t->base_url, url_size, ipv6 ? "https://[%s]:%d" : "https://%s:%d", c->host, c->port ? c->port : DEFAULT_PORT);
    t->log_trace = c->log_trace;

    struct curl_slist* h = NULL;
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
    h = curl_slist_append(h, "UserAgent: prov_device_client/1.0");  /* the C SDK's header name */
    h = curl_slist_append(h, "Connection: keep-alive");
    h = curl_slist_append(h, "Expect:");  /* no 100-continue round trip */
    t->headers = h;

    CURL* e = t->easy;
    char user_agent[64];
    snprintf(user_agent, sizeof(user_agent), "provisioning-device-client/%s", pdc_version_string());
    CURLcode rc = prov_curl_tls_setup(e, c, REQUEST_TIMEOUT_S, t->errbuf);
#define SET(opt, val) \
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_HTTPHEADER, t->headers);
    SET(CURLOPT_USERAGENT, user_agent);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
#undef SET
    if (rc != CURLE_OK) {
        snprintf(error, error_size, "curl setup: %s", curl_easy_strerror(rc));
        http_destroy(t);
        return NULL;
    }
    return t;
}

static int http_send(void* handle, const prov_request* r, char* error, size_t error_size)
{
    http_transport* t = handle;
    char* scope = curl_easy_escape(t->easy, r->id_scope, 0);
    char* id = curl_easy_escape(t->easy, r->registration_id, 0);
    char* op = r->kind == PROV_REQUEST_STATUS && r->operation_id ? curl_easy_escape(t->easy, r->operation_id, 0) : NULL;
    int rc = -1;
    char* url = NULL;
    if (scope == NULL || id == NULL || (r->kind == PROV_REQUEST_STATUS && op == NULL)) {
        snprintf(error, error_size, "out of memory");
        goto done;
    }
    size_t url_size = strlen(t->base_url) + strlen(scope) + strlen(id) + (op ? strlen(op) : 0) + 96;
    url = malloc(url_size);
    if (url == NULL) {
        snprintf(error, error_size, "out of memory");
        goto done;
    }
    if (r->kind == PROV_REQUEST_REGISTER) {
        snprintf(url, url_size, "%s/%s/registrations/%s/register?api-version=" API_VERSION, t->base_url, scope, id);
    } else {
        snprintf(url, url_size, "%s/%s/registrations/%s/operations/%s?api-version=" API_VERSION, t->base_url, scope,
                 id, op);
    }
    free(t->body);
    t->body = NULL;
    t->body_size = 0;
    t->oversize = 0;
    t->retry_after[0] = '\0';
    t->errbuf[0] = '\0';
    free(t->request_body);
    t->request_body = NULL;
    CURLcode c = curl_easy_setopt(t->easy, CURLOPT_URL, url);
    if (c == CURLE_OK && r->kind == PROV_REQUEST_REGISTER) {
        size_t n = strlen(r->body);
        t->request_body = malloc(n + 1);
        if (t->request_body == NULL) {
            snprintf(error, error_size, "out of memory");
            goto done;
        }
        memcpy(t->request_body, r->body, n + 1);
        c = curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, "PUT");
        if (c == CURLE_OK) c = curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)n);
        if (c == CURLE_OK) c = curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->request_body);
    } else if (c == CURLE_OK) {
        c = curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
        if (c == CURLE_OK) c = curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, (char*)NULL);
    }
    if (c != CURLE_OK) {
        snprintf(error, error_size, "curl: %s", curl_easy_strerror(c));
        goto done;
    }
    CURLMcode m = curl_multi_add_handle(t->multi, t->easy);
    if (m != CURLM_OK) {
        snprintf(error, error_size, "curl: %s", curl_multi_strerror(m));
        goto done;
    }
    rc = 0;
done:
    free(url);
    curl_free(scope);
    curl_free(id);
    curl_free(op);
    return rc;
}

static prov_transfer_state http_do_work(void* handle, prov_response* response)
{
    http_transport* t = handle;
    int running = 0;
    CURLMcode m = curl_multi_perform(t->multi, &running);
    if (m != CURLM_OK) {
        snprintf(response->error, sizeof(response->error), "curl: %s", curl_multi_strerror(m));
        curl_multi_remove_handle(t->multi, t->easy);
        return PROV_TRANSFER_FAILED;
    }
    int queued = 0;
    CURLMsg* msg;
    while ((msg = curl_multi_info_read(t->multi, &queued)) != NULL) {
        if (msg->msg != CURLMSG_DONE || msg->easy_handle != t->easy) {
            continue;
        }
        CURLcode result = msg->data.result;
        curl_multi_remove_handle(t->multi, t->easy);  /* the connection stays cached for reuse */
        if (result != CURLE_OK && !(result == CURLE_WRITE_ERROR && t->oversize)) {
            prov_curl_failure(response->error, sizeof(response->error), result, t->errbuf);
            return PROV_TRANSFER_FAILED;
        }
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        response->status_code = (int)code;
        response->oversize = t->oversize;
        if (!t->oversize) {
            response->body = t->body;
            response->body_size = t->body_size;
            t->body = NULL;
        }
        memcpy(response->retry_after, t->retry_after, sizeof(response->retry_after));
        return PROV_TRANSFER_DONE;
    }
    return PROV_TRANSFER_PENDING;
}

static const PROV_DEVICE_TRANSPORT_PROVIDER http_provider = {
    .name = "HTTP",
    .create = http_create,
    .destroy = http_destroy,
    .send = http_send,
    .do_work = http_do_work,
};

const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_HTTP_Protocol(void)
{
    return &http_provider;
}
