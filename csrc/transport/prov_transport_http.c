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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../prov/prov_log.h"
#include "../prov/prov_transport.h"
#include "azure_prov_client/prov_transport_http_client.h"
#include "pdc/pdc_version.h"

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

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

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
    pthread_once(&curl_once, curl_init);
    if (curl_init_result != CURLE_OK) {
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
    /* NOCOPY: the identity outlives the transport and wipes the key itself; a curl copy
     * would be freed unwiped. */
    struct curl_blob cert = {(void*)c->cert_chain_pem, strlen(c->cert_chain_pem), CURL_BLOB_NOCOPY};
    struct curl_blob key = {(void*)c->private_key_pem, strlen(c->private_key_pem), CURL_BLOB_NOCOPY};
    char user_agent[64];
    snprintf(user_agent, sizeof(user_agent), "provisioning-device-client/%s", pdc_version_string());
    CURLcode rc = CURLE_OK;
#define SET(opt, val) \
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_HTTPHEADER, t->headers);
    SET(CURLOPT_USERAGENT, user_agent);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLCERTTYPE, "PEM");
    SET(CURLOPT_SSLCERT_BLOB, &cert);
    SET(CURLOPT_SSLKEYTYPE, "PEM");
    SET(CURLOPT_SSLKEY_BLOB, &key);
    SET(CURLOPT_CONNECTTIMEOUT, REQUEST_TIMEOUT_S);
    SET(CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
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
            /* %.150s: the reason is informative, truncating it is fine */
            snprintf(response->error, sizeof(response->error), "%.30s: %.150s", curl_easy_strerror(result),
                     t->errbuf[0] ? t->errbuf : "-");
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
