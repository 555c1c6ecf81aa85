/* The registration state machine (transport-independent):
 *
 *   Register_Device -> SEND register -> 202 assigning (+retry-after) -> wait -> SEND status
 *   -> 202 assigning ... -> 200 assigned | failed | disabled -> register callback, idle again.
 *   429 and 5xx resend the same request after retry-after or a capped exponential backoff
 *   with jitter; the provisioning timeout (default 60 s) bounds the whole registration.
 */
#include "azure_prov_client/prov_device_ll_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "../common/pdc_strings.h"
#include "../common/pdc_time.h"
#include "../security/prov_identity.h"
#include "azure_c_shared_utility/shared_util_options.h"
#include "azure_prov_client/prov_security_factory.h"
#include "pdc/pdc_version.h"
#include "prov_json.h"
#include "prov_ll_testing.h"
#include "prov_log.h"
#include "prov_retry.h"
#include "prov_transport.h"

/* Without a timeout a transient storm could retry for ever: give up after this many. */
#define MAX_TRANSIENT_RETRIES 32

typedef enum { STATE_IDLE, STATE_WAITING, STATE_IN_FLIGHT } ll_state;

struct PROV_INSTANCE_INFO_TAG {
    char* host;
    int port;
    char* scope;
    const PROV_DEVICE_TRANSPORT_PROVIDER* provider;

    /* options */
    int log_trace;
    unsigned timeout_s;
    char* registration_id_option;
    char* x509_cert;
    char* x509_key; /* SECRET */
    char* trusted_certs;
    HTTP_PROXY_OPTIONS proxy;
    int has_proxy;
    char* payload_json;
    char* returned_payload;
    char* last_response;

    /* the registration in progress */
    ll_state state;
    PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK register_callback;
    void* register_context;
    PROV_DEVICE_CLIENT_REGISTER_STATUS_CALLBACK status_callback;
    void* status_context;
    prov_identity identity;
    void* transport;
    char* register_body;
    char* operation_id;
    prov_request_kind next_request;
    uint64_t started_ms;
    uint64_t next_send_ms;
    unsigned transient_retries;
    int connected;

    prov_clock_fn clock;
    void* clock_context;
};

static uint64_t monotonic_ms(void* context)
{
    (void)context;
    return pdc_monotonic_ms();
}

void prov_ll_set_clock(PROV_DEVICE_LL_HANDLE h, prov_clock_fn clock, void* context)
{
    h->clock = clock ? clock : monotonic_ms;
    h->clock_context = context;
}

const char* Prov_Device_Result_Name(PROV_DEVICE_RESULT r)
{
    static const char* const names[] = {
        "PROV_DEVICE_RESULT_OK", "PROV_DEVICE_RESULT_INVALID_ARG", "PROV_DEVICE_RESULT_SUCCESS",
        "PROV_DEVICE_RESULT_MEMORY", "PROV_DEVICE_RESULT_PARSING", "PROV_DEVICE_RESULT_TRANSPORT",
        "PROV_DEVICE_RESULT_INVALID_STATE", "PROV_DEVICE_RESULT_DEV_AUTH_ERROR", "PROV_DEVICE_RESULT_TIMEOUT",
        "PROV_DEVICE_RESULT_KEY_ERROR", "PROV_DEVICE_RESULT_ERROR", "PROV_DEVICE_RESULT_HUB_NOT_SPECIFIED",
        "PROV_DEVICE_RESULT_UNAUTHORIZED", "PROV_DEVICE_RESULT_DISABLED"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "UNKNOWN";
}

const char* Prov_Device_Reg_Status_Name(PROV_DEVICE_REG_STATUS s)
{
    static const char* const names[] = {
        "PROV_DEVICE_REG_STATUS_CONNECTED", "PROV_DEVICE_REG_STATUS_REGISTERING", "PROV_DEVICE_REG_STATUS_ASSIGNING",
        "PROV_DEVICE_REG_STATUS_ASSIGNED", "PROV_DEVICE_REG_STATUS_ERROR", "PROV_DEVICE_REG_HUB_NOT_SPECIFIED"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

const char* Prov_Device_LL_GetVersionString(void)
{
    return pdc_version_string();
}

/* "host", "host:port" or "[v6]:port". */
static int parse_uri(const char* uri, char** host, int* port)
{
    const char* end = uri + strlen(uri);
    const char* host_start = uri;
    const char* host_end = end;
    const char* port_text = NULL;
    if (strstr(uri, "://") != NULL || *uri == '\0') {
        return 0;
    }
    if (*uri == '[') {
        host_start = uri + 1;
        host_end = strchr(uri, ']');
        if (host_end == NULL) {
            return 0;
        }
        if (host_end[1] == ':') {
            port_text = host_end + 2;
        } else if (host_end[1] != '\0') {
            return 0;
        }
    } else {
        const char* colon = strchr(uri, ':');
        if (colon != NULL) {
            if (strchr(colon + 1, ':') != NULL) {
                return 0;  /* a bare IPv6 address needs brackets */
            }
            host_end = colon;
            port_text = colon + 1;
        }
    }
    *port = 0;
    if (port_text != NULL) {
        char* stop = NULL;
        long p = strtol(port_text, &stop, 10);
        if (*port_text == '\0' || *stop != '\0' || p < 1 || p > 65535) {
            return 0;
        }
        *port = (int)p;
    }
    size_t n = (size_t)(host_end - host_start);
    if (n == 0) {
        return 0;
    }
    *host = malloc(n + 1);
    if (*host == NULL) {
        return 0;
    }
    memcpy(*host, host_start, n);
    (*host)[n] = '\0';
    return 1;
}

PROV_DEVICE_LL_HANDLE Prov_Device_LL_Create(const char* uri, const char* scope_id,
                                            PROV_DEVICE_TRANSPORT_PROVIDER_FUNCTION protocol)
{
    if (uri == NULL || scope_id == NULL || protocol == NULL || scope_id[0] == '\0') {
        pdc_log(PDC_LOG_ERROR, "Prov_Device_LL_Create: uri, scope_id and protocol are required");
        return NULL;
    }
    if (prov_dev_security_get_type() == SECURE_DEVICE_TYPE_UNKNOWN) {
        pdc_log(PDC_LOG_ERROR, "Prov_Device_LL_Create: call prov_dev_security_init first");
        return NULL;
    }
    PROV_DEVICE_LL_HANDLE h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return NULL;
    }
    h->provider = protocol();
    h->scope = pdc_strdup(scope_id);
    h->timeout_s = PROV_DEFAULT_TIMEOUT;
    h->clock = monotonic_ms;
    if (h->provider == NULL || h->scope == NULL || !parse_uri(uri, &h->host, &h->port)) {
        pdc_log(PDC_LOG_ERROR, "Prov_Device_LL_Create: bad uri '%s' (host or host:port)", uri);
        free(h->scope);
        free(h);
        return NULL;
    }
    return h;
}

static void clear_proxy(PROV_DEVICE_LL_HANDLE h)
{
    free((char*)h->proxy.host_address);
    free((char*)h->proxy.username);
    pdc_free_secret((char*)h->proxy.password);
    memset(&h->proxy, 0, sizeof(h->proxy));
    h->has_proxy = 0;
}

/* Ends the registration's resources (not the callbacks). */
static void end_registration(PROV_DEVICE_LL_HANDLE h)
{
    if (h->transport != NULL) {
        h->provider->destroy(h->transport);
        h->transport = NULL;
    }
    prov_identity_free(&h->identity);
    free(h->register_body);
    free(h->operation_id);
    h->register_body = h->operation_id = NULL;
    h->state = STATE_IDLE;
}

void Prov_Device_LL_Destroy(PROV_DEVICE_LL_HANDLE h)
{
    if (h == NULL) {
        return;
    }
    end_registration(h);
    free(h->host);
    free(h->scope);
    free(h->registration_id_option);
    free(h->x509_cert);
    pdc_free_secret(h->x509_key);
    free(h->trusted_certs);
    clear_proxy(h);
    free(h->payload_json);
    free(h->returned_payload);
    free(h->last_response);
    free(h);
}

static void report_status(PROV_DEVICE_LL_HANDLE h, PROV_DEVICE_REG_STATUS status)
{
    if (h->status_callback != NULL) {
        h->status_callback(status, h->status_context);
    }
}

/* Finishes the registration and calls the register callback exactly once. The handle is
 * idle before the callback runs, so the callback may start another registration. */
static void complete(PROV_DEVICE_LL_HANDLE h, PROV_DEVICE_RESULT result, const char* hub, const char* device_id)
{
    PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK callback = h->register_callback;
    void* context = h->register_context;
    end_registration(h);
    h->register_callback = NULL;
    h->status_callback = NULL;
    if (result != PROV_DEVICE_RESULT_OK) {
        hub = device_id = NULL;
        pdc_log(PDC_LOG_INFO, "registration finished: %s", Prov_Device_Result_Name(result));
    }
    callback(result, hub, device_id, context);
}

PROV_DEVICE_RESULT Prov_Device_LL_Register_Device(PROV_DEVICE_LL_HANDLE h,
                                                  PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK register_callback,
                                                  void* user_context,
                                                  PROV_DEVICE_CLIENT_REGISTER_STATUS_CALLBACK status_callback,
                                                  void* status_context)
{
    char error[256] = "";
    if (h == NULL || register_callback == NULL) {
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    if (h->state != STATE_IDLE) {
        return PROV_DEVICE_RESULT_INVALID_STATE;
    }
    int identity_rc;
    if (h->x509_cert != NULL || h->x509_key != NULL) {
        identity_rc = (h->x509_cert && h->x509_key)
                          ? prov_identity_from_pem(h->x509_cert, h->x509_key, &h->identity, error, sizeof(error))
                          : (snprintf(error, sizeof(error), "set both x509certificate and x509privatekey"), -1);
    } else {
        identity_rc = prov_identity_from_dice(&h->identity, error, sizeof(error));
    }
    if (identity_rc != 0) {
        pdc_log(PDC_LOG_ERROR, "Register_Device: %s", error);
        return PROV_DEVICE_RESULT_ERROR;
    }
    if (h->registration_id_option != NULL) {  /* the option overrides the certificate CN */
        free(h->identity.registration_id);
        h->identity.registration_id = pdc_strdup(h->registration_id_option);
    }
    h->register_body = h->identity.registration_id
                           ? prov_json_registration_body(h->identity.registration_id, h->payload_json)
                           : NULL;
    if (h->register_body == NULL) {
        end_registration(h);
        return PROV_DEVICE_RESULT_MEMORY;
    }
    prov_transport_config config = {
        .host = h->host, .port = h->port,
        .cert_chain_pem = h->identity.cert_chain_pem, .private_key_pem = h->identity.private_key_pem,
        .trusted_certs_pem = h->trusted_certs, .proxy = h->has_proxy ? &h->proxy : NULL,
        .log_trace = h->log_trace,
    };
    h->transport = h->provider->create(&config, error, sizeof(error));
    if (h->transport == NULL) {
        pdc_log(PDC_LOG_ERROR, "Register_Device: %s transport: %s", h->provider->name, error);
        end_registration(h);
        return PROV_DEVICE_RESULT_ERROR;
    }
    free(h->returned_payload);
    free(h->last_response);
    h->returned_payload = h->last_response = NULL;
    h->register_callback = register_callback;
    h->register_context = user_context;
    h->status_callback = status_callback;
    h->status_context = status_context;
    h->next_request = PROV_REQUEST_REGISTER;
    h->started_ms = h->next_send_ms = h->clock(h->clock_context);
    h->transient_retries = 0;
    h->connected = 0;
    h->state = STATE_WAITING;
    return PROV_DEVICE_RESULT_OK;
}

static uint32_t random32(void)
{
    uint32_t r = 0;
    if (RAND_bytes((unsigned char*)&r, sizeof(r)) != 1) {
        r = (uint32_t)pdc_monotonic_ms();
    }
    return r;
}

static void schedule(PROV_DEVICE_LL_HANDLE h, prov_request_kind kind, uint64_t delay_ms)
{
    h->next_request = kind;
    h->next_send_ms = h->clock(h->clock_context) + delay_ms;
    h->state = STATE_WAITING;
}

/* The Azure SDK's mapping of a DPS error code; other codes give the caller's default. */
static PROV_DEVICE_RESULT error_code_result(long error_code, PROV_DEVICE_RESULT otherwise)
{
    if (error_code == 400208) {
        return PROV_DEVICE_RESULT_HUB_NOT_SPECIFIED;
    }
    if (error_code == 400209) {
        return PROV_DEVICE_RESULT_UNAUTHORIZED;
    }
    return otherwise;
}

static void handle_response(PROV_DEVICE_LL_HANDLE h, prov_response* response)
{
    int code = response->status_code;
    prov_parsed_response parsed;
    memset(&parsed, 0, sizeof(parsed));
    free(h->last_response);
    h->last_response = response->body;  /* kept for Get_Last_Response: take it, do not copy */
    response->body = NULL;
    if (!h->connected) {
        h->connected = 1;
        report_status(h, PROV_DEVICE_REG_STATUS_CONNECTED);
    }
    if (response->oversize) {
        pdc_log(PDC_LOG_ERROR, "response body larger than %d bytes", PROV_MAX_BODY_SIZE);
        complete(h, PROV_DEVICE_RESULT_PARSING, NULL, NULL);
        return;
    }
    if (code == 429 || code >= 500) {
        if (++h->transient_retries > MAX_TRANSIENT_RETRIES) {
            complete(h, PROV_DEVICE_RESULT_ERROR, NULL, NULL);
            return;
        }
        uint64_t delay = prov_backoff_ms(h->transient_retries - 1, response->retry_after, random32());
        pdc_log(PDC_LOG_INFO, "service answered %d: retrying in %llu ms", code, (unsigned long long)delay);
        schedule(h, h->next_request, delay);
        return;
    }
    int parsed_ok = prov_json_parse_response(h->last_response, response->body_size, &parsed) == 0;
    if (code == 401 || code == 403 || code == 404) {
        complete(h, PROV_DEVICE_RESULT_DEV_AUTH_ERROR, NULL, NULL);
    } else if (code >= 400 && code < 500) {
        complete(h, error_code_result(parsed_ok ? parsed.error_code : 0, PROV_DEVICE_RESULT_ERROR), NULL, NULL);
    } else if (code < 200 || code >= 300) {
        complete(h, PROV_DEVICE_RESULT_ERROR, NULL, NULL);
    } else if (!parsed_ok || parsed.status == NULL) {
        complete(h, PROV_DEVICE_RESULT_PARSING, NULL, NULL);
    } else if (strcmp(parsed.status, "assigned") == 0) {
        if (parsed.assigned_hub == NULL || parsed.device_id == NULL) {
            complete(h, PROV_DEVICE_RESULT_PARSING, NULL, NULL);
        } else {
            h->returned_payload = parsed.payload_json;
            parsed.payload_json = NULL;
            complete(h, PROV_DEVICE_RESULT_OK, parsed.assigned_hub, parsed.device_id);
        }
    } else if (strcmp(parsed.status, "assigning") == 0 || strcmp(parsed.status, "unassigned") == 0) {
        if (parsed.operation_id == NULL || parsed.operation_id[0] == '\0') {
            complete(h, PROV_DEVICE_RESULT_PARSING, NULL, NULL);
        } else {
            free(h->operation_id);
            h->operation_id = parsed.operation_id;
            parsed.operation_id = NULL;
            h->transient_retries = 0;
            int assigning = strcmp(parsed.status, "assigning") == 0;
            schedule(h, PROV_REQUEST_STATUS, (uint64_t)prov_retry_after_seconds(response->retry_after) * 1000u);
            report_status(h, assigning ? PROV_DEVICE_REG_STATUS_ASSIGNING : PROV_DEVICE_REG_STATUS_REGISTERING);
        }
    } else if (strcmp(parsed.status, "failed") == 0) {
        pdc_log(PDC_LOG_INFO, "registration failed: %ld %s", parsed.error_code,
                parsed.error_message ? parsed.error_message : "");
        complete(h, error_code_result(parsed.error_code, PROV_DEVICE_RESULT_DEV_AUTH_ERROR), NULL, NULL);
    } else if (strcmp(parsed.status, "disabled") == 0) {
        complete(h, PROV_DEVICE_RESULT_DISABLED, NULL, NULL);
    } else if (strcmp(parsed.status, "blacklisted") == 0) {
        complete(h, PROV_DEVICE_RESULT_ERROR, NULL, NULL);
    } else {
        complete(h, PROV_DEVICE_RESULT_PARSING, NULL, NULL);
    }
    prov_parsed_response_free(&parsed);
}

void Prov_Device_LL_DoWork(PROV_DEVICE_LL_HANDLE h)
{
    if (h == NULL || h->state == STATE_IDLE) {
        return;
    }
    uint64_t now = h->clock(h->clock_context);
    if (h->timeout_s > 0 && now - h->started_ms >= (uint64_t)h->timeout_s * 1000u) {
        complete(h, PROV_DEVICE_RESULT_TIMEOUT, NULL, NULL);
        return;
    }
    if (h->state == STATE_WAITING) {
        if (now < h->next_send_ms) {
            return;
        }
        char error[256] = "";
        prov_request request = {
            .kind = h->next_request, .id_scope = h->scope, .registration_id = h->identity.registration_id,
            .operation_id = h->operation_id, .body = h->register_body,
        };
        if (h->provider->send(h->transport, &request, error, sizeof(error)) != 0) {
            pdc_log(PDC_LOG_ERROR, "%s transport: %s", h->provider->name, error);
            complete(h, PROV_DEVICE_RESULT_TRANSPORT, NULL, NULL);
            return;
        }
        h->state = STATE_IN_FLIGHT;
    }
    prov_response response;
    memset(&response, 0, sizeof(response));
    prov_transfer_state state = h->provider->do_work(h->transport, &response);
    if (state == PROV_TRANSFER_FAILED) {
        pdc_log(PDC_LOG_ERROR, "%s transport: %s", h->provider->name, response.error);
        complete(h, PROV_DEVICE_RESULT_TRANSPORT, NULL, NULL);
    } else if (state == PROV_TRANSFER_DONE) {
        handle_response(h, &response);
    }
    prov_response_clear(&response);
}

void prov_response_clear(prov_response* response)
{
    free(response->body);
    memset(response, 0, sizeof(*response));
}

static PROV_DEVICE_RESULT set_string(char** slot, const char* value, int secret)
{
    char* copy = pdc_strdup(value);
    if (copy == NULL) {
        return PROV_DEVICE_RESULT_MEMORY;
    }
    if (secret) {
        pdc_free_secret(*slot);
    } else {
        free(*slot);
    }
    *slot = copy;
    return PROV_DEVICE_RESULT_OK;
}

PROV_DEVICE_RESULT Prov_Device_LL_SetOption(PROV_DEVICE_LL_HANDLE h, const char* name, const void* value)
{
    if (h == NULL || name == NULL || value == NULL) {
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    int idle = h->state == STATE_IDLE;
    if (strcmp(name, PROV_OPTION_LOG_TRACE) == 0) {
        h->log_trace = *(const bool*)value ? 1 : 0;
        return PROV_DEVICE_RESULT_OK;
    }
    if (strcmp(name, PROV_OPTION_TIMEOUT) == 0) {
        h->timeout_s = *(const uint8_t*)value;
        return PROV_DEVICE_RESULT_OK;
    }
    if (strcmp(name, OPTION_TRUSTED_CERT) == 0) {
        return set_string(&h->trusted_certs, value, 0);
    }
    if (strcmp(name, OPTION_HTTP_PROXY) == 0) {
        const HTTP_PROXY_OPTIONS* p = value;
        if (p->host_address == NULL || p->host_address[0] == '\0' || p->port < 1 || p->port > 65535 ||
            ((p->username == NULL || p->username[0] == '\0') != (p->password == NULL || p->password[0] == '\0'))) {
            pdc_log(PDC_LOG_ERROR, "proxy_data: host, port 1-65535, and username with password (or neither)");
            return PROV_DEVICE_RESULT_ERROR;
        }
        clear_proxy(h);
        h->proxy.host_address = pdc_strdup(p->host_address);
        h->proxy.port = p->port;
        h->proxy.username = p->username && p->username[0] ? pdc_strdup(p->username) : NULL;
        h->proxy.password = p->password && p->password[0] ? pdc_strdup(p->password) : NULL;
        h->has_proxy = 1;
        return h->proxy.host_address ? PROV_DEVICE_RESULT_OK : PROV_DEVICE_RESULT_MEMORY;
    }
    int is_reg_id = strcmp(name, PROV_REGISTRATION_ID) == 0;
    int is_cert = strcmp(name, OPTION_X509_CERT) == 0;
    int is_key = strcmp(name, OPTION_X509_PRIVATE_KEY) == 0;
    if (is_reg_id || is_cert || is_key) {
        if (!idle) {
            pdc_log(PDC_LOG_ERROR, "%s can only be set while no registration runs", name);
            return PROV_DEVICE_RESULT_ERROR;
        }
        return set_string(is_reg_id ? &h->registration_id_option : is_cert ? &h->x509_cert : &h->x509_key, value,
                          is_key);
    }
    pdc_log(PDC_LOG_ERROR, "unknown option '%s'", name);
    return PROV_DEVICE_RESULT_ERROR;
}

PROV_DEVICE_RESULT Prov_Device_LL_Set_Provisioning_Payload(PROV_DEVICE_LL_HANDLE h, const char* json)
{
    if (h == NULL) {
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    if (json == NULL) {
        free(h->payload_json);
        h->payload_json = NULL;
        return PROV_DEVICE_RESULT_OK;
    }
    if (!prov_json_is_valid(json)) {
        pdc_log(PDC_LOG_ERROR, "provisioning payload is not valid JSON");
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    return set_string(&h->payload_json, json, 0);
}

const char* Prov_Device_LL_Get_Provisioning_Payload(PROV_DEVICE_LL_HANDLE h)
{
    return h ? h->returned_payload : NULL;
}

const char* Prov_Device_LL_Get_Last_Response(PROV_DEVICE_LL_HANDLE h)
{
    return h ? h->last_response : NULL;
}
