/* MQTT and MQTT-over-WebSockets transports on Eclipse Paho MQTT C (dps-protocol.md section 2).
 *
 *   CONNECT  client id = registration id, username {scope}/registrations/{id}/api-version=...
 *   SUBSCRIBE $dps/registrations/res/#, then PUBLISH (QoS 1)
 *            $dps/registrations/PUT/iotdps-register/?$rid={n}
 *            $dps/registrations/GET/iotdps-get-operationstatus/?$rid={n}&operationId={op}
 *   answers  $dps/registrations/res/{status}/?$rid={n}&retry-after={s}  (other $rid: ignored)
 *
 * Threads: Paho's asynchronous client runs its own threads; its callbacks only record state
 * under this transport's lock, and do_work (the LL DoWork thread) reads it, publishes the
 * next request and never blocks. The client connects on the first request, because the
 * username and client id need the scope and registration id.
 * Identity: Paho takes certificates only as file paths, so the chain, key and trusted CAs go
 * into anonymous memory files (memfd_create, "/proc/self/fd/N"), closed once connected;
 * nothing is written to disk. A CONNACK refusal is reported as a 401 (DEV_AUTH_ERROR).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <MQTTAsync.h>

#include "../common/pdc_strings.h"
#include "../common/pdc_time.h"
#include "../prov/prov_log.h"
#include "../prov/prov_transport.h"
#include "azure_prov_client/prov_transport_mqtt_client.h"
#include "azure_prov_client/prov_transport_mqtt_ws_client.h"
#include "pdc/pdc_version.h"

#define API_VERSION "2021-06-01"
#define RESPONSE_FILTER "$dps/registrations/res/#"
#define RESPONSE_PREFIX "$dps/registrations/res/"
#define OPERATION_TIMEOUT_MS 30000u

typedef enum { MQTT_IDLE, MQTT_CONNECTING, MQTT_READY, MQTT_FAILED } mqtt_state;

typedef struct mqtt_transport {
    pthread_mutex_t lock;
    MQTTAsync client;
    int websockets;
    char* host;
    int port;
    char* proxy_url;          /* WebSockets only: [user:pass@]host:port (Paho 1.3 wants no scheme) */
    int fds[3];               /* memfd: chain, key, trusted CAs (-1: none) */
    char paths[3][32];
    int log_trace;
    atomic_int callbacks_running;

    /* guarded by lock */
    mqtt_state state;
    int refused;              /* CONNACK refusal: report a 401 */
    char error[192];
    char* topic;              /* the request waiting to be published */
    char* body;
    int published;
    unsigned next_rid;
    char rid[16];             /* $rid of the request in flight */
    int have_response;
    int status;
    char* response;
    size_t response_size;
    int oversize;
    char retry_after[32];
    uint64_t request_started_ms;
} mqtt_transport;

/* A PEM in an anonymous memory file Paho can open by path. */
static int memory_file(mqtt_transport* t, int slot, const char* name, const char* content)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    size_t left = strlen(content);
    const char* p = content;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) {
            close(fd);
            return 0;
        }
        p += n;
        left -= (size_t)n;
    }
    t->fds[slot] = fd;
    snprintf(t->paths[slot], sizeof(t->paths[slot]), "/proc/self/fd/%d", fd);
    return 1;
}

static void close_memory_files(mqtt_transport* t)
{
    for (int i = 0; i < 3; i++) {
        if (t->fds[i] >= 0) {
            close(t->fds[i]);  /* the key's memory goes with the last reference */
            t->fds[i] = -1;
        }
    }
}

static void fail_locked(mqtt_transport* t, const char* fmt, const char* detail)
{
    if (t->state != MQTT_FAILED) {
        t->state = MQTT_FAILED;
        snprintf(t->error, sizeof(t->error), fmt, detail ? detail : "");
    }
}

/* ---- Paho callbacks (Paho's threads) -------------------------------------------------------- */

/* Every callback counts itself in (mqtt_destroy waits for the count to drop) and holds the lock. */
static void callback_enter(mqtt_transport* t)
{
    atomic_fetch_add(&t->callbacks_running, 1);
    pthread_mutex_lock(&t->lock);
}

static void callback_leave(mqtt_transport* t)
{
    pthread_mutex_unlock(&t->lock);
    atomic_fetch_sub(&t->callbacks_running, 1);
}

static void on_subscribed(void* context, MQTTAsync_successData* response)
{
    (void)response;
    mqtt_transport* t = context;
    callback_enter(t);
    if (t->state == MQTT_CONNECTING) {
        t->state = MQTT_READY;
    }
    callback_leave(t);
}

static void on_subscribe_failed(void* context, MQTTAsync_failureData* response)
{
    mqtt_transport* t = context;
    callback_enter(t);
    fail_locked(t, "subscribe refused%s", response && response->message ? response->message : "");
    callback_leave(t);
}

static void on_connected(void* context, MQTTAsync_successData* response)
{
    (void)response;
    mqtt_transport* t = context;
    MQTTAsync_responseOptions opts = MQTTAsync_responseOptions_initializer;
    opts.onSuccess = on_subscribed;
    opts.onFailure = on_subscribe_failed;
    opts.context = t;
    callback_enter(t);
    close_memory_files(t);
    if (t->log_trace) {
        pdc_log(PDC_LOG_TRACE, "MQTT connected; SUBSCRIBE " RESPONSE_FILTER);
    }
    int rc = MQTTAsync_subscribe(t->client, RESPONSE_FILTER, 1, &opts);
    if (rc != MQTTASYNC_SUCCESS) {
        fail_locked(t, "subscribe failed: %s", MQTTAsync_strerror(rc));
    }
    callback_leave(t);
}

static void on_connect_failed(void* context, MQTTAsync_failureData* response)
{
    mqtt_transport* t = context;
    callback_enter(t);
    close_memory_files(t);
    int code = response ? response->code : 0;
    if (code == 2 || code == 4 || code == 5) {  /* identifier rejected, bad credentials, not authorized */
        t->refused = 1;
    }
    char detail[128];
    snprintf(detail, sizeof(detail), "%s (code %d)", response && response->message ? response->message : "", code);
    fail_locked(t, "connect failed: %s", detail);
    callback_leave(t);
}

static void on_connection_lost(void* context, char* cause)
{
    mqtt_transport* t = context;
    callback_enter(t);
    fail_locked(t, "connection lost%s", cause ? cause : "");
    callback_leave(t);
}

/* "$dps/registrations/res/{status}/?$rid={rid}&retry-after={n}" */
static int parse_response_topic(const char* topic, int* status, char* rid, size_t rid_size, char* retry_after,
                                size_t retry_size)
{
    if (strncmp(topic, RESPONSE_PREFIX, sizeof(RESPONSE_PREFIX) - 1) != 0) {
        return 0;
    }
    char* end = NULL;
    long code = strtol(topic + sizeof(RESPONSE_PREFIX) - 1, &end, 10);
    if (end == NULL || strncmp(end, "/?", 2) != 0 || code < 100 || code > 599) {
        return 0;
    }
    *status = (int)code;
    rid[0] = retry_after[0] = '\0';
    for (const char* p = end + 2; *p != '\0';) {
        const char* amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 5 && strncmp(p, "$rid=", 5) == 0 && len - 5 < rid_size) {
            memcpy(rid, p + 5, len - 5);
            rid[len - 5] = '\0';
        } else if (len > 12 && strncasecmp(p, "retry-after=", 12) == 0 && len - 12 < retry_size) {
            memcpy(retry_after, p + 12, len - 12);
            retry_after[len - 12] = '\0';
        }
        p += len + (amp ? 1 : 0);
    }
    return rid[0] != '\0';
}

static int on_message(void* context, char* topic_name, int topic_len, MQTTAsync_message* message)
{
    mqtt_transport* t = context;
    char topic[512];
    size_t n = topic_len > 0 ? (size_t)topic_len : strlen(topic_name);
    int status = 0;
    char rid[16], retry_after[32];
    callback_enter(t);
    if (n < sizeof(topic)) {
        memcpy(topic, topic_name, n);
        topic[n] = '\0';
        if (t->log_trace) {
            pdc_log(PDC_LOG_TRACE, "< PUBLISH %s (%d bytes)", topic, message->payloadlen);
            if (message->payloadlen > 0) {
                pdc_log(PDC_LOG_TRACE, "< %.*s", message->payloadlen > 1500 ? 1500 : message->payloadlen,
                        (const char*)message->payload);
            }
        }
        if (!parse_response_topic(topic, &status, rid, sizeof(rid), retry_after, sizeof(retry_after))) {
            pdc_log(PDC_LOG_INFO, "MQTT: ignoring a message on an unexpected topic");
        } else if (strcmp(rid, t->rid) != 0 || t->have_response || !t->published) {
            pdc_log(PDC_LOG_INFO, "MQTT: ignoring an answer to another request ($rid %s)", rid);
        } else {
            t->have_response = 1;
            t->status = status;
            memcpy(t->retry_after, retry_after, sizeof(t->retry_after));
            t->oversize = message->payloadlen > PROV_MAX_BODY_SIZE;
            if (!t->oversize && message->payloadlen > 0) {
                t->response = malloc((size_t)message->payloadlen + 1);
                if (t->response != NULL) {
                    memcpy(t->response, message->payload, (size_t)message->payloadlen);
                    t->response[message->payloadlen] = '\0';
                    t->response_size = (size_t)message->payloadlen;
                }
            }
        }
    }
    callback_leave(t);
    MQTTAsync_freeMessage(&message);
    MQTTAsync_free(topic_name);
    return 1;
}

/* ---- the transport interface ------------------------------------------------------------------ */

static void mqtt_destroy(void* handle)
{
    mqtt_transport* t = handle;
    if (t == NULL) {
        return;
    }
    if (t->client != NULL) {
        MQTTAsync_disconnectOptions opts = MQTTAsync_disconnectOptions_initializer;
        opts.timeout = 0;
        MQTTAsync_setCallbacks(t->client, NULL, NULL, NULL, NULL);
        MQTTAsync_disconnect(t->client, &opts);
        MQTTAsync_destroy(&t->client);
        /* a callback Paho had already started may still be running: let it finish */
        for (int i = 0; i < 2000 && atomic_load(&t->callbacks_running) > 0; i++) {
            pdc_sleep_ms(1);
        }
    }
    close_memory_files(t);
    pthread_mutex_destroy(&t->lock);
    free(t->host);
    free(t->proxy_url);
    free(t->topic);
    free(t->body);
    free(t->response);
    free(t);
}

static void* mqtt_create_common(const prov_transport_config* c, int websockets, char* error, size_t error_size)
{
    mqtt_transport* t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->fds[0] = t->fds[1] = t->fds[2] = -1;
    t->websockets = websockets;
    t->port = c->port ? c->port : (websockets ? 443 : 8883);
    t->log_trace = c->log_trace;
    t->host = pdc_strdup(c->host);
    if (t->host == NULL || !memory_file(t, 0, "pdc-chain", c->cert_chain_pem) ||
        !memory_file(t, 1, "pdc-key", c->private_key_pem) ||
        (c->trusted_certs_pem != NULL && !memory_file(t, 2, "pdc-trust", c->trusted_certs_pem))) {
        snprintf(error, error_size, "cannot create the in-memory certificate files");
        mqtt_destroy(t);
        return NULL;
    }
    if (c->proxy != NULL) {
        if (!websockets) {
            pdc_log(PDC_LOG_INFO, "MQTT: proxy_data applies to MQTT over WebSockets only; connecting directly");
        } else {
            size_t n = strlen(c->proxy->host_address) + (c->proxy->username ? strlen(c->proxy->username) : 0) +
                       (c->proxy->password ? strlen(c->proxy->password) : 0) + 32;
            t->proxy_url = malloc(n);
            if (t->proxy_url == NULL) {
                mqtt_destroy(t);
                return NULL;
            }
            if (c->proxy->username != NULL) {
                snprintf(t->proxy_url, n, "%s:%s@%s:%d", c->proxy->username, c->proxy->password,
                         c->proxy->host_address, c->proxy->port);
            } else {
                snprintf(t->proxy_url, n, "%s:%d", c->proxy->host_address, c->proxy->port);
            }
        }
    }
    return t;
}

static void* mqtt_create(const prov_transport_config* c, char* error, size_t error_size)
{
    return mqtt_create_common(c, 0, error, error_size);
}

static void* mqtt_ws_create(const prov_transport_config* c, char* error, size_t error_size)
{
    return mqtt_create_common(c, 1, error, error_size);
}

static int start_connect(mqtt_transport* t, const prov_request* r, char* error, size_t error_size)
{
    char uri[512], username[512], user_agent[64];
    int ipv6 = strchr(t->host, ':') != NULL;
    snprintf(uri, sizeof(uri), t->websockets ? (ipv6 ? "wss://[%s]:%d/$iothub/websocket" : "wss://%s:%d/$iothub/websocket")
                                             : (ipv6 ? "ssl://[%s]:%d" : "ssl://%s:%d"),
             t->host, t->port);
    snprintf(user_agent, sizeof(user_agent), "provisioning-device-client%%2F%s", pdc_version_string());
    snprintf(username, sizeof(username), "%s/registrations/%s/api-version=" API_VERSION "&ClientVersion=%s",
             r->id_scope, r->registration_id, user_agent);

    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.MQTTVersion = MQTTVERSION_3_1_1;
    int rc = MQTTAsync_createWithOptions(&t->client, uri, r->registration_id, MQTTCLIENT_PERSISTENCE_NONE, NULL,
                                         &create);
    if (rc == MQTTASYNC_SUCCESS) {
        rc = MQTTAsync_setCallbacks(t->client, t, on_connection_lost, on_message, NULL);
    }
    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    ssl.keyStore = t->paths[0];
    ssl.privateKey = t->paths[1];
    ssl.trustStore = t->fds[2] >= 0 ? t->paths[2] : NULL;
    ssl.enableServerCertAuth = 1;
    ssl.verify = 1;  /* host name */
    ssl.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
    ssl.disableDefaultTrustStore = 0; /* OpenSSL's default paths, which honour SSL_CERT_FILE/DIR */

    MQTTAsync_connectOptions opts = MQTTAsync_connectOptions_initializer;
    opts.MQTTVersion = MQTTVERSION_3_1_1;
    opts.keepAliveInterval = 240;
    opts.cleansession = 1;
    opts.connectTimeout = 30;
    opts.username = username;
    opts.ssl = &ssl;
    opts.onSuccess = on_connected;
    opts.onFailure = on_connect_failed;
    opts.context = t;
    opts.httpsProxy = t->proxy_url;
    if (rc == MQTTASYNC_SUCCESS) {
        if (t->log_trace) {
            pdc_log(PDC_LOG_TRACE, "MQTT CONNECT %s client id %s user %s", uri, r->registration_id, username);
        }
        t->state = MQTT_CONNECTING;
        rc = MQTTAsync_connect(t->client, &opts);
    }
    if (rc != MQTTASYNC_SUCCESS) {
        t->state = MQTT_IDLE;
        snprintf(error, error_size, "MQTT connect: %s", MQTTAsync_strerror(rc));
        return -1;
    }
    return 0;
}

static int mqtt_send(void* handle, const prov_request* r, char* error, size_t error_size)
{
    mqtt_transport* t = handle;
    char topic[512];
    pthread_mutex_lock(&t->lock);
    t->next_rid++;
    snprintf(t->rid, sizeof(t->rid), "%u", t->next_rid);
    if (r->kind == PROV_REQUEST_REGISTER) {
        snprintf(topic, sizeof(topic), "$dps/registrations/PUT/iotdps-register/?$rid=%s", t->rid);
    } else {
        snprintf(topic, sizeof(topic), "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=%s&operationId=%s",
                 t->rid, r->operation_id);
    }
    free(t->topic);
    free(t->body);
    free(t->response);
    t->topic = pdc_strdup(topic);
    t->body = pdc_strdup(r->body ? r->body : "");
    t->response = NULL;
    t->response_size = 0;
    t->have_response = t->published = t->oversize = 0;
    t->request_started_ms = pdc_monotonic_ms();
    int rc = 0;
    if (t->topic == NULL || t->body == NULL) {
        snprintf(error, error_size, "out of memory");
        rc = -1;
    } else if (t->state == MQTT_IDLE) {
        rc = start_connect(t, r, error, error_size);
    } else if (t->state == MQTT_FAILED) {
        snprintf(error, error_size, "%s", t->error);
        rc = -1;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

static prov_transfer_state mqtt_do_work(void* handle, prov_response* response)
{
    mqtt_transport* t = handle;
    prov_transfer_state result = PROV_TRANSFER_PENDING;
    pthread_mutex_lock(&t->lock);
    if (t->have_response) {
        response->status_code = t->status;
        response->body = t->response;
        response->body_size = t->response_size;
        response->oversize = t->oversize;
        memcpy(response->retry_after, t->retry_after, sizeof(response->retry_after));
        t->response = NULL;
        t->have_response = 0;
        result = PROV_TRANSFER_DONE;
    } else if (t->state == MQTT_FAILED && t->refused) {
        response->status_code = 401;  /* CONNACK refusal: the service refused the device */
        result = PROV_TRANSFER_DONE;
    } else if (t->state == MQTT_FAILED) {
        snprintf(response->error, sizeof(response->error), "%s", t->error);
        result = PROV_TRANSFER_FAILED;
    } else if (pdc_monotonic_ms() - t->request_started_ms > OPERATION_TIMEOUT_MS) {
        snprintf(response->error, sizeof(response->error), "no answer within %u s", OPERATION_TIMEOUT_MS / 1000);
        result = PROV_TRANSFER_FAILED;
    } else if (t->state == MQTT_READY && !t->published) {
        MQTTAsync_message msg = MQTTAsync_message_initializer;
        msg.payload = t->body;
        msg.payloadlen = (int)strlen(t->body);
        msg.qos = 1;
        if (t->log_trace) {
            pdc_log(PDC_LOG_TRACE, "> PUBLISH %s", t->topic);
            pdc_log(PDC_LOG_TRACE, "> %.1500s", t->body);
        }
        int rc = MQTTAsync_sendMessage(t->client, t->topic, &msg, NULL);
        if (rc == MQTTASYNC_SUCCESS) {
            t->published = 1;
        } else {
            snprintf(response->error, sizeof(response->error), "MQTT publish: %s", MQTTAsync_strerror(rc));
            result = PROV_TRANSFER_FAILED;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return result;
}

static const PROV_DEVICE_TRANSPORT_PROVIDER mqtt_provider = {
    .name = "MQTT", .create = mqtt_create, .destroy = mqtt_destroy, .send = mqtt_send, .do_work = mqtt_do_work};
static const PROV_DEVICE_TRANSPORT_PROVIDER mqtt_ws_provider = {
    .name = "MQTT_WS", .create = mqtt_ws_create, .destroy = mqtt_destroy, .send = mqtt_send, .do_work = mqtt_do_work};

const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_MQTT_Protocol(void)
{
    return &mqtt_provider;
}

const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_MQTT_WS_Protocol(void)
{
    return &mqtt_ws_provider;
}
