/* AMQP and AMQP-over-WebSockets transports on Qpid Proton-C (dps-protocol.md section 3).
 *
 *   connection  container "prov_connection", hostname = the DPS host, no SASL layer (X.509:
 *               the TLS client certificate authenticates, as with the Azure C SDK); a server
 *               that answers with the SASL header gets a second connection with SASL
 *               (ANONYMOUS, or EXTERNAL)
 *   links       receiver "recv_link"   source amqps://{host}/{scope}/registrations/{id}
 *               sender   "sender_link" target amqps://{host}/{scope}/registrations/{id}
 *               both with the attach property com.microsoft:api-version
 *   requests    application properties iotdps-operation-type = iotdps-register |
 *               iotdps-get-operationstatus (+ iotdps-operation-id), the registration JSON as
 *               one data section, a fresh correlation-id
 *   answers     a message on the receiver (data section, the same correlation-id; others are
 *               ignored), retry-after from `retry-after` or `Retry-After`; or the request
 *               delivery rejected with the error JSON as its description, mapped like an HTTP
 *               status (errorCode / 1000)
 *
 * Threads and blocking: everything runs on the caller of do_work (the LL DoWork thread); there
 * are no threads of our own. Proton's connection driver is a pure engine (bytes in, bytes and
 * events out) and the byte stream under it never blocks: libcurl opens TLS (and the proxy
 * tunnel) in connect-only mode through a multi handle (prov_tls_stream), then do_work moves
 * whatever bytes are ready each call. For WebSockets, an RFC 6455 layer (prov_websocket)
 * frames the same byte stream, subprotocol AMQPWSB10 at /$iothub/websocket.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>
#include <proton/codec.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/connection_driver.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/message.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/transport.h>

#include "../common/pdc_strings.h"
#include "../common/pdc_time.h"
#include "../prov/prov_json.h"
#include "../prov/prov_log.h"
#include "../prov/prov_transport.h"
#include "azure_prov_client/prov_transport_amqp_client.h"
#include "azure_prov_client/prov_transport_amqp_ws_client.h"
#include "pdc/pdc_version.h"
#include "prov_tls_stream.h"
#include "prov_websocket.h"

#define API_VERSION "2021-06-01"
#define AMQP_PORT 5671
#define WEBSOCKET_PORT 443
#define WEBSOCKET_PATH "/$iothub/websocket"
#define WEBSOCKET_PROTOCOL "AMQPWSB10"
#define OPERATION_TIMEOUT_MS 30000u
#define MAX_FRAME_SIZE (64u * 1024u)
#define MAX_MESSAGE_SIZE (PROV_MAX_BODY_SIZE + 16u * 1024u)  /* the body plus properties */
#define MAX_BUFFERED (2u * MAX_MESSAGE_SIZE)                   /* unread stream bytes */

typedef enum { AMQP_IDLE, AMQP_CONNECTING, AMQP_UPGRADING, AMQP_OPEN, AMQP_FAILED } amqp_phase;

typedef struct byte_buffer {
    unsigned char* data;
    size_t size;
    size_t capacity;
} byte_buffer;

typedef struct amqp_transport {
    int websockets;
    prov_transport_config config;  /* identity borrowed (see prov_transport_config); the rest ours */
    HTTP_PROXY_OPTIONS proxy;
    char* host;
    char* trusted_certs;
    char* proxy_host;
    char* proxy_username;
    char* proxy_password;

    amqp_phase phase;
    char error[192];
    prov_tls_stream* stream;
    char ws_key[PROV_WS_KEY_SIZE];
    byte_buffer in;        /* bytes from the stream not consumed yet */
    byte_buffer amqp_in;   /* WebSockets: AMQP bytes unwrapped from frames, waiting for proton */
    byte_buffer out;       /* bytes for the stream (framed for WebSockets) */

    int driver_ready;
    int use_sasl;          /* the server asked for SASL: connect again with it */
    int header_seen;       /* the server's protocol header was checked */
    pn_connection_driver_t driver;
    pn_link_t* sender;
    pn_link_t* receiver;
    char* address;

    /* the request in flight */
    int active;
    pn_message_t* unsent;  /* waiting for link credit */
    pn_delivery_t* delivery;
    unsigned long next_tag;
    char correlation_id[48];
    uint64_t started_ms;

    /* its answer */
    int answered;
    prov_response answer;
} amqp_transport;

/* ---- small helpers ------------------------------------------------------------------------ */

static int buffer_append(byte_buffer* b, const void* data, size_t size)
{
    if (b->size + size > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        while (capacity < b->size + size) {
            capacity *= 2;
        }
        unsigned char* grown = realloc(b->data, capacity);
        if (grown == NULL) {
            return -1;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, data, size);
    b->size += size;
    return 0;
}

static void buffer_consume(byte_buffer* b, size_t n)
{
    memmove(b->data, b->data + n, b->size - n);
    b->size -= n;
}

static void buffer_free(byte_buffer* b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* The first failure wins; reason must hold no secrets. */
static void fail(amqp_transport* t, const char* reason)
{
    if (t->phase != AMQP_FAILED) {
        t->phase = AMQP_FAILED;
        snprintf(t->error, sizeof(t->error), "%s", reason);
    }
}

static void fail_with_condition(amqp_transport* t, const char* what, pn_condition_t* condition)
{
    char reason[160];
    if (condition != NULL && pn_condition_is_set(condition)) {
        const char* description = pn_condition_get_description(condition);
        snprintf(reason, sizeof(reason), "%s: %.60s %.80s", what, pn_condition_get_name(condition),
                 description ? description : "");
    } else {
        snprintf(reason, sizeof(reason), "%s", what);
    }
    fail(t, reason);
}

static int put_symbol_string(pn_data_t* map, const char* key, const char* value)
{
    int rc = pn_data_put_symbol(map, pn_bytes(strlen(key), key));
    return rc ? rc : pn_data_put_string(map, pn_bytes(strlen(value), value));
}

/* ---- connection set-up ------------------------------------------------------------------- */

static int attach_properties(pn_link_t* link)
{
    char client_version[64];
    snprintf(client_version, sizeof(client_version), "provisioning-device-client/%s", pdc_version_string());
    pn_data_t* p = pn_link_properties(link);
    int rc = pn_data_put_map(p);
    if (rc == 0 && pn_data_enter(p)) {
        rc = put_symbol_string(p, "com.microsoft:api-version", API_VERSION);
        if (rc == 0) rc = put_symbol_string(p, "com.microsoft:client-version", client_version);
        pn_data_exit(p);
    }
    return rc;
}

/* The engine, the session and both links; their frames go out with the next pump. */
static int open_amqp(amqp_transport* t)
{
    if (pn_connection_driver_init(&t->driver, NULL, NULL) != 0) {
        return -1;
    }
    t->driver_ready = 1;
    pn_transport_set_max_frame(t->driver.transport, MAX_FRAME_SIZE);
    if (t->use_sasl) {
        pn_sasl_allowed_mechs(pn_sasl(t->driver.transport), "EXTERNAL ANONYMOUS");
    }
    pn_connection_t* c = t->driver.connection;
    pn_connection_set_container(c, "prov_connection");
    pn_connection_set_hostname(c, t->host);
    pn_connection_open(c);
    pn_session_t* s = pn_session(c);
    if (s == NULL) {
        return -1;
    }
    pn_session_open(s);
    t->receiver = pn_receiver(s, "recv_link");
    t->sender = pn_sender(s, "sender_link");
    if (t->receiver == NULL || t->sender == NULL) {
        return -1;
    }
    pn_terminus_set_address(pn_link_source(t->receiver), t->address);
    pn_terminus_set_address(pn_link_target(t->receiver), "local_endpoint");
    pn_link_set_rcv_settle_mode(t->receiver, PN_RCV_FIRST);
    pn_link_set_max_message_size(t->receiver, MAX_MESSAGE_SIZE);
    pn_terminus_set_address(pn_link_source(t->sender), "remote_endpoint");
    pn_terminus_set_address(pn_link_target(t->sender), t->address);
    if (attach_properties(t->receiver) != 0 || attach_properties(t->sender) != 0) {
        return -1;
    }
    pn_link_open(t->receiver);  /* receiver first, as the Azure clients do */
    pn_link_flow(t->receiver, 1);
    pn_link_open(t->sender);
    return 0;
}

static void start_connection(amqp_transport* t)
{
    t->stream = prov_tls_stream_open(&t->config, t->websockets ? WEBSOCKET_PORT : AMQP_PORT, t->error,
                                     sizeof(t->error));
    t->phase = t->stream != NULL ? AMQP_CONNECTING : AMQP_FAILED;
}

static void on_stream_open(amqp_transport* t)
{
    if (!t->websockets) {
        if (open_amqp(t) != 0) {
            fail(t, "AMQP set-up failed");
            return;
        }
        t->phase = AMQP_OPEN;
        return;
    }
    char request[1024];
    int n = prov_ws_handshake_request(request, sizeof(request), t->host, t->config.port ? t->config.port : WEBSOCKET_PORT,
                                      WEBSOCKET_PATH, WEBSOCKET_PROTOCOL, t->ws_key);
    if (n < 0 || buffer_append(&t->out, request, (size_t)n) != 0) {
        fail(t, "WebSocket upgrade request failed");
        return;
    }
    t->phase = AMQP_UPGRADING;
}

/* ---- answers ----------------------------------------------------------------------------- */

/* A retry-after value (int or string) from a symbol/string keyed map, either spelling. */
static void read_retry_after(pn_data_t* map, char out[32])
{
    if (map == NULL) {
        return;
    }
    pn_data_rewind(map);
    if (!pn_data_next(map) || pn_data_type(map) != PN_MAP || !pn_data_enter(map)) {
        return;
    }
    while (pn_data_next(map)) {
        pn_type_t key_type = pn_data_type(map);
        pn_bytes_t key = key_type == PN_SYMBOL ? pn_data_get_symbol(map)
                         : key_type == PN_STRING ? pn_data_get_string(map)
                                                 : pn_bytes(0, NULL);
        if (!pn_data_next(map)) {
            break;
        }
        if (key.size != 11 || strncasecmp(key.start, "retry-after", 11) != 0) {
            continue;
        }
        long long value = -1;
        switch (pn_data_type(map)) {
        case PN_INT: value = pn_data_get_int(map); break;
        case PN_LONG: value = pn_data_get_long(map); break;
        case PN_UINT: value = pn_data_get_uint(map); break;
        case PN_ULONG: value = (long long)pn_data_get_ulong(map); break;
        case PN_SHORT: value = pn_data_get_short(map); break;
        case PN_USHORT: value = pn_data_get_ushort(map); break;
        case PN_STRING: {
            pn_bytes_t s = pn_data_get_string(map);
            snprintf(out, 32, "%.*s", (int)(s.size < 31 ? s.size : 31), s.start);
            break;
        }
        default: break;
        }
        if (value >= 0) {
            snprintf(out, 32, "%lld", value);
        }
        break;
    }
    pn_data_exit(map);
}

static void answer(amqp_transport* t, int status, const char* body, size_t size, int oversize)
{
    t->answered = 1;
    t->active = 0;
    t->answer.status_code = status;
    t->answer.oversize = oversize;
    if (body != NULL && !oversize) {
        t->answer.body = malloc(size + 1);
        if (t->answer.body == NULL) {
            t->answered = 0;
            fail(t, "out of memory");
            return;
        }
        memcpy(t->answer.body, body, size);
        t->answer.body[size] = '\0';
        t->answer.body_size = size;
    }
}

static int correlation_matches(amqp_transport* t, pn_message_t* m)
{
    pn_msgid_t id = pn_message_get_correlation_id(m);
    if (id.type == PN_NULL) {
        return 1;  /* a service that sets none: the next message is the answer */
    }
    if (id.type != PN_STRING) {
        return 0;
    }
    return id.u.as_bytes.size == strlen(t->correlation_id) &&
           memcmp(id.u.as_bytes.start, t->correlation_id, id.u.as_bytes.size) == 0;
}

static void on_message(amqp_transport* t, pn_delivery_t* d)
{
    size_t pending = pn_delivery_pending(d);
    int oversize = pending > MAX_MESSAGE_SIZE;
    if (!oversize && (pn_delivery_partial(d) || !pn_delivery_readable(d))) {
        return;  /* the rest is still coming */
    }
    char* bytes = oversize ? NULL : malloc(pending ? pending : 1);
    pn_message_t* m = pn_message();
    if ((!oversize && bytes == NULL) || m == NULL) {
        fail(t, "out of memory");
        free(bytes);
        pn_message_free(m);
        return;
    }
    int decoded = !oversize && pn_link_recv(t->receiver, bytes, pending) == (ssize_t)pending &&
                  pn_message_decode(m, bytes, pending) == 0;
    pn_delivery_update(d, oversize ? PN_REJECTED : PN_ACCEPTED);
    pn_delivery_settle(d);  /* also advances the link */
    pn_link_flow(t->receiver, 1);
    if (!t->active) {
        pdc_log(PDC_LOG_INFO, "AMQP: message with no request in flight ignored");
    } else if (oversize) {
        answer(t, 200, NULL, 0, 1);
    } else if (!decoded) {
        fail(t, "undecodable AMQP message from the service");
    } else if (!correlation_matches(t, m)) {
        pdc_log(PDC_LOG_INFO, "AMQP: message for another request ignored");
    } else {
        pn_data_t* body = pn_message_body(m);
        pn_data_rewind(body);
        if (!pn_message_is_inferred(m) || !pn_data_next(body) || pn_data_type(body) != PN_BINARY) {
            fail(t, "the service's answer is not a data section");
        } else {
            pn_bytes_t json = pn_data_get_binary(body);
            read_retry_after(pn_message_properties(m), t->answer.retry_after);
            if (t->config.log_trace) {
                pdc_log(PDC_LOG_TRACE, "AMQP <- message (retry-after %s): %.*s",
                        t->answer.retry_after[0] ? t->answer.retry_after : "-", (int)(json.size > 1500 ? 1500 : json.size),
                        json.start);
            }
            /* DPS answers carry no status code: the body's status tells the state machine */
            answer(t, 200, json.start, json.size, json.size > PROV_MAX_BODY_SIZE);
        }
    }
    pn_message_free(m);
    free(bytes);
}

/* errorCode / 1000 when it is an HTTP-like status, else 400 */
static int status_of_error(const char* description)
{
    prov_parsed_response parsed;
    int status = 400;
    if (description != NULL && prov_json_parse_response(description, strlen(description), &parsed) == 0) {
        if (parsed.error_code >= 100000 && parsed.error_code < 600000) {
            status = (int)(parsed.error_code / 1000);
        }
        prov_parsed_response_free(&parsed);
    }
    return status;
}

static void on_outcome(amqp_transport* t, pn_delivery_t* d)
{
    uint64_t state = pn_delivery_remote_state(d);
    if (state == PN_ACCEPTED) {
        pn_delivery_settle(d);
        t->delivery = NULL;
        return;  /* the answer comes on the receiver */
    }
    if (state == PN_REJECTED) {
        pn_condition_t* c = pn_disposition_condition(pn_delivery_remote(d));
        const char* description = pn_condition_get_description(c);
        read_retry_after(pn_condition_info(c), t->answer.retry_after);
        int status = status_of_error(description);
        pdc_log(PDC_LOG_INFO, "AMQP: request rejected (%d)", status);
        size_t size = description ? strlen(description) : 0;
        answer(t, status, description, size, size > PROV_MAX_BODY_SIZE);
    } else if (state == PN_RELEASED || state == PN_MODIFIED) {
        answer(t, 503, NULL, 0, 0);  /* not processed: a transient condition, retried */
    } else {
        return;  /* not final yet */
    }
    pn_delivery_settle(d);
    t->delivery = NULL;
}

/* ---- the engine -------------------------------------------------------------------------- */

static void reconnect_with_sasl(amqp_transport* t);

static void send_unsent(amqp_transport* t)
{
    if (t->unsent == NULL || pn_link_credit(t->sender) <= 0) {
        return;
    }
    char tag[24];
    int n = snprintf(tag, sizeof(tag), "%lu", t->next_tag++);
    t->delivery = pn_delivery(t->sender, pn_dtag(tag, (size_t)n));
    if (pn_message_send(t->unsent, t->sender, NULL) < 0) {
        fail(t, "AMQP: the request could not be encoded");
    }
    pn_message_free(t->unsent);
    t->unsent = NULL;
}

static void on_event(amqp_transport* t, pn_event_t* e)
{
    switch (pn_event_type(e)) {
    case PN_LINK_FLOW:
        if (pn_event_link(e) == t->sender) {
            send_unsent(t);
        }
        break;
    case PN_DELIVERY: {
        pn_delivery_t* d = pn_event_delivery(e);
        if (pn_delivery_link(d) == t->receiver) {
            on_message(t, d);
        } else if (d == t->delivery && pn_delivery_updated(d)) {
            on_outcome(t, d);
        }
        break;
    }
    case PN_CONNECTION_REMOTE_CLOSE:
        fail_with_condition(t, "the service closed the connection",
                            pn_connection_remote_condition(pn_event_connection(e)));
        break;
    case PN_SESSION_REMOTE_CLOSE:
        fail_with_condition(t, "the service closed the session", pn_session_remote_condition(pn_event_session(e)));
        break;
    case PN_LINK_REMOTE_CLOSE:
    case PN_LINK_REMOTE_DETACH:
        fail_with_condition(t, "the service closed a link", pn_link_remote_condition(pn_event_link(e)));
        break;
    case PN_TRANSPORT_ERROR:
        fail_with_condition(t, "AMQP protocol error", pn_transport_condition(pn_event_transport(e)));
        break;
    case PN_TRANSPORT_CLOSED:
        fail(t, "the AMQP connection closed");
        break;
    default:
        break;
    }
}

/* WebSocket frames in t->in -> AMQP bytes in t->amqp_in (answers pings, stops at close), as
 * long as proton keeps up: the unread bytes stay bounded. */
static void unwrap_frames(amqp_transport* t)
{
    while (t->amqp_in.size < MAX_BUFFERED) {
        prov_ws_frame_info f;
        char reason[128];
        int rc = prov_ws_parse(t->in.data, t->in.size, MAX_MESSAGE_SIZE, &f, reason, sizeof(reason));
        if (rc == 0) {
            return;
        }
        if (rc < 0) {
            fail(t, reason);
            return;
        }
        const unsigned char* payload = t->in.data + f.header_size;
        if (f.opcode == PROV_WS_BINARY || f.opcode == PROV_WS_CONTINUATION) {
            if (buffer_append(&t->amqp_in, payload, f.payload_size) != 0) {
                fail(t, "out of memory");
                return;
            }
        } else if (f.opcode == PROV_WS_PING) {
            unsigned char pong[125 + PROV_WS_MAX_HEADER];
            size_t n = prov_ws_frame(pong, PROV_WS_PONG, payload, f.payload_size);
            if (n == 0 || buffer_append(&t->out, pong, n) != 0) {
                fail(t, "WebSocket pong failed");
                return;
            }
        } else if (f.opcode == PROV_WS_CLOSE) {
            fail(t, "the service closed the WebSocket");
            return;
        } else if (f.opcode == PROV_WS_TEXT) {
            fail(t, "text WebSocket frame on a binary stream");
            return;
        }
        buffer_consume(&t->in, f.header_size + f.payload_size);
    }
}

/* AMQP bytes -> proton, as much as it takes. */
static int feed_proton(amqp_transport* t, byte_buffer* from)
{
    int moved = 0;
    while (from->size > 0 && !pn_connection_driver_read_closed(&t->driver)) {
        pn_rwbytes_t room = pn_connection_driver_read_buffer(&t->driver);
        if (room.size == 0) {
            break;
        }
        size_t n = from->size < room.size ? from->size : room.size;
        memcpy(room.start, from->data, n);
        pn_connection_driver_read_done(&t->driver, n);
        buffer_consume(from, n);
        moved = 1;
    }
    return moved;
}

/* proton's output -> t->out (framed for WebSockets). */
static int drain_proton(amqp_transport* t)
{
    pn_bytes_t pending = pn_connection_driver_write_buffer(&t->driver);
    if (pending.size == 0) {
        return 0;
    }
    int rc;
    if (t->websockets) {
        unsigned char* frame = malloc(pending.size + PROV_WS_MAX_HEADER);
        size_t n = frame ? prov_ws_frame(frame, PROV_WS_BINARY, (const unsigned char*)pending.start, pending.size) : 0;
        rc = n == 0 ? -1 : buffer_append(&t->out, frame, n);
        free(frame);
    } else {
        rc = buffer_append(&t->out, pending.start, pending.size);
    }
    if (rc != 0) {
        fail(t, "out of memory");
        return 0;
    }
    pn_connection_driver_write_done(&t->driver, pending.size);
    return 1;
}

/* One round of non-blocking I/O and engine work; returns whether anything moved. */
static int pump_once(amqp_transport* t)
{
    int moved = 0;
    if (t->out.size > 0) {
        ssize_t n = prov_tls_stream_send(t->stream, t->out.data, t->out.size, t->error, sizeof(t->error));
        if (n < 0) {
            t->phase = AMQP_FAILED;
            return 0;
        }
        buffer_consume(&t->out, (size_t)n);
        moved |= n > 0;
    }
    if (t->in.size < MAX_BUFFERED) {
        unsigned char chunk[16 * 1024];
        ssize_t n = prov_tls_stream_recv(t->stream, chunk, sizeof(chunk), t->error, sizeof(t->error));
        if (n < 0) {
            t->phase = AMQP_FAILED;
            return 0;
        }
        if (n > 0 && buffer_append(&t->in, chunk, (size_t)n) != 0) {
            fail(t, "out of memory");
            return 0;
        }
        moved |= n > 0;
    }
    if (t->phase == AMQP_UPGRADING && t->in.size > 0) {
        char reason[128];
        long used = prov_ws_handshake_response((const char*)t->in.data, t->in.size, t->ws_key, WEBSOCKET_PROTOCOL,
                                               reason, sizeof(reason));
        if (used < 0) {
            fail(t, reason);
            return 0;
        }
        if (used == 0) {
            return moved;
        }
        buffer_consume(&t->in, (size_t)used);
        if (open_amqp(t) != 0) {
            fail(t, "AMQP set-up failed");
            return 0;
        }
        t->phase = AMQP_OPEN;
        moved = 1;
    }
    if (t->phase != AMQP_OPEN) {
        return moved;
    }
    byte_buffer* amqp_bytes = t->websockets ? &t->amqp_in : &t->in;
    if (t->websockets) {
        unwrap_frames(t);
    }
    if (!t->header_seen && amqp_bytes->size >= 5) {
        t->header_seen = 1;
        if (!t->use_sasl && memcmp(amqp_bytes->data, "AMQP\x03", 5) == 0) {
            pdc_log(PDC_LOG_INFO, "AMQP: the service wants SASL; connecting again with it");
            reconnect_with_sasl(t);
            return 0;
        }
    }
    moved |= feed_proton(t, amqp_bytes);
    pn_transport_tick(t->driver.transport, (int64_t)pdc_monotonic_ms());  /* idle timeouts, heartbeats */
    pn_event_t* e;
    while (t->phase == AMQP_OPEN && (e = pn_connection_driver_next_event(&t->driver)) != NULL) {
        on_event(t, e);
        moved = 1;
    }
    if (t->phase == AMQP_OPEN) {
        send_unsent(t);
        moved |= drain_proton(t);
    }
    return moved;
}

static void progress(amqp_transport* t)
{
    if (t->phase == AMQP_CONNECTING) {
        prov_stream_state s = prov_tls_stream_connect(t->stream, t->error, sizeof(t->error));
        if (s == PROV_STREAM_FAILED) {
            t->phase = AMQP_FAILED;
            return;
        }
        if (s == PROV_STREAM_CONNECTING) {
            return;
        }
        on_stream_open(t);
    }
    for (int round = 0; round < 16 && (t->phase == AMQP_UPGRADING || t->phase == AMQP_OPEN) && !t->answered; round++) {
        if (!pump_once(t)) {
            break;
        }
    }
    if (t->phase == AMQP_OPEN && t->out.size > 0) {
        pump_once(t);  /* push out what the last events produced (acknowledgements) */
    }
}

/* ---- the provider ------------------------------------------------------------------------ */

static void reset_connection(amqp_transport* t)
{
    if (t->driver_ready) {
        pn_connection_driver_destroy(&t->driver);  /* frees the connection, session and links */
        t->driver_ready = 0;
    }
    t->sender = t->receiver = NULL;
    t->delivery = NULL;
    pn_message_free(t->unsent);
    t->unsent = NULL;
    prov_tls_stream_close(t->stream);
    t->stream = NULL;
    buffer_free(&t->in);
    buffer_free(&t->amqp_in);
    buffer_free(&t->out);
    t->phase = AMQP_IDLE;
    t->error[0] = '\0';
    t->active = 0;
    t->header_seen = 0;
}

/* The server answered our plain AMQP header with the SASL one: connect again, with SASL,
 * keeping the request that was waiting. */
static void reconnect_with_sasl(amqp_transport* t)
{
    pn_message_t* request = t->unsent;
    t->unsent = NULL;
    reset_connection(t);
    t->use_sasl = 1;
    t->unsent = request;
    t->active = 1;
    start_connection(t);
}

static void amqp_destroy(void* handle)
{
    amqp_transport* t = handle;
    if (t == NULL) {
        return;
    }
    reset_connection(t);
    prov_response_clear(&t->answer);
    free(t->address);
    free(t->host);
    free(t->trusted_certs);
    free(t->proxy_host);
    free(t->proxy_username);
    pdc_free_secret(t->proxy_password);
    free(t);
}

static void* amqp_create_common(const prov_transport_config* c, int websockets, char* error, size_t error_size)
{
    amqp_transport* t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    t->websockets = websockets;
    t->config = *c;
    t->host = pdc_strdup(c->host);
    t->config.host = t->host;
    int ok = t->host != NULL;
    if (c->trusted_certs_pem != NULL) {
        t->trusted_certs = pdc_strdup(c->trusted_certs_pem);
        t->config.trusted_certs_pem = t->trusted_certs;
        ok = ok && t->trusted_certs != NULL;
    }
    t->config.proxy = NULL;
    if (websockets && c->proxy != NULL) {  /* AMQP over plain TCP goes direct, as in the C SDK */
        t->proxy = *c->proxy;
        t->proxy_host = pdc_strdup(c->proxy->host_address);
        t->proxy_username = c->proxy->username ? pdc_strdup(c->proxy->username) : NULL;
        t->proxy_password = c->proxy->password ? pdc_strdup(c->proxy->password) : NULL;
        t->proxy.host_address = t->proxy_host;
        t->proxy.username = t->proxy_username;
        t->proxy.password = t->proxy_password;
        t->config.proxy = &t->proxy;
        ok = ok && t->proxy_host != NULL;
    }
    if (!ok) {
        snprintf(error, error_size, "out of memory");
        amqp_destroy(t);
        return NULL;
    }
    return t;
}

static void* amqp_create(const prov_transport_config* c, char* error, size_t error_size)
{
    return amqp_create_common(c, 0, error, error_size);
}

static void* amqp_ws_create(const prov_transport_config* c, char* error, size_t error_size)
{
    return amqp_create_common(c, 1, error, error_size);
}

static pn_message_t* request_message(const prov_request* r, const char* correlation_id)
{
    pn_message_t* m = pn_message();
    if (m == NULL) {
        return NULL;
    }
    pn_message_set_inferred(m, true);  /* a binary body goes out as a data section */
    pn_msgid_t id;
    memset(&id, 0, sizeof(id));
    id.type = PN_STRING;
    id.u.as_bytes = pn_bytes(strlen(correlation_id), correlation_id);
    int rc = pn_message_set_correlation_id(m, id);
    pn_data_t* p = pn_message_properties(m);
    if (rc == 0) rc = pn_data_put_map(p);
    if (rc == 0 && pn_data_enter(p)) {
        if (r->kind == PROV_REQUEST_REGISTER) {
            rc = put_symbol_string(p, "iotdps-operation-type", "iotdps-register");
        } else {
            rc = put_symbol_string(p, "iotdps-operation-type", "iotdps-get-operationstatus");
            if (rc == 0) rc = put_symbol_string(p, "iotdps-operation-id", r->operation_id ? r->operation_id : "");
        }
        pn_data_exit(p);
    }
    const char* body = r->body ? r->body : "";
    if (rc == 0) rc = pn_data_put_binary(pn_message_body(m), pn_bytes(strlen(body), body));
    if (rc != 0) {
        pn_message_free(m);
        return NULL;
    }
    return m;
}

static int amqp_send(void* handle, const prov_request* r, char* error, size_t error_size)
{
    amqp_transport* t = handle;
    if (t->active) {
        snprintf(error, error_size, "a request is already in flight");
        return -1;
    }
    if (t->phase == AMQP_OPEN) {
        pump_once(t);  /* notice a close the service sent while we waited between requests */
    }
    if (t->phase == AMQP_FAILED) {
        reset_connection(t);  /* a new attempt gets a new connection */
    }
    if (t->address == NULL) {
        size_t size = strlen(t->host) + strlen(r->id_scope) + strlen(r->registration_id) + 32;
        t->address = malloc(size);
        if (t->address == NULL) {
            snprintf(error, error_size, "out of memory");
            return -1;
        }
        snprintf(t->address, size, "amqps://%s/%s/registrations/%s", t->host, r->id_scope, r->registration_id);
    }
    unsigned char nonce[8];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        snprintf(error, error_size, "no randomness for the correlation id");
        return -1;
    }
    snprintf(t->correlation_id, sizeof(t->correlation_id), "%02x%02x%02x%02x-%02x%02x%02x%02x-%lu", nonce[0],
             nonce[1], nonce[2], nonce[3], nonce[4], nonce[5], nonce[6], nonce[7], t->next_tag);
    pn_message_t* m = request_message(r, t->correlation_id);
    if (m == NULL) {
        snprintf(error, error_size, "could not build the AMQP request");
        return -1;
    }
    if (t->config.log_trace) {
        pdc_log(PDC_LOG_TRACE, "AMQP -> %s %s (correlation-id %s): %s",
                r->kind == PROV_REQUEST_REGISTER ? "iotdps-register" : "iotdps-get-operationstatus", t->address,
                t->correlation_id, r->body ? r->body : "");
    }
    pn_message_free(t->unsent);
    t->unsent = m;
    t->active = 1;
    t->answered = 0;
    prov_response_clear(&t->answer);
    t->started_ms = pdc_monotonic_ms();
    if (t->phase == AMQP_IDLE) {
        start_connection(t);
    }
    return 0;
}

static prov_transfer_state amqp_do_work(void* handle, prov_response* response)
{
    amqp_transport* t = handle;
    if (!t->active && !t->answered) {
        return PROV_TRANSFER_PENDING;
    }
    progress(t);
    if (t->answered) {
        *response = t->answer;  /* the body moves to the caller */
        memset(&t->answer, 0, sizeof(t->answer));
        t->answered = 0;
        return PROV_TRANSFER_DONE;
    }
    if (t->phase != AMQP_FAILED && pdc_monotonic_ms() - t->started_ms > OPERATION_TIMEOUT_MS) {
        fail(t, "no answer from the service in 30 s");
    }
    if (t->phase == AMQP_FAILED) {
        t->active = 0;
        snprintf(response->error, sizeof(response->error), "%s", t->error[0] ? t->error : "AMQP failure");
        return PROV_TRANSFER_FAILED;
    }
    return PROV_TRANSFER_PENDING;
}

static const PROV_DEVICE_TRANSPORT_PROVIDER amqp_provider = {
    .name = "AMQP",
    .create = amqp_create,
    .destroy = amqp_destroy,
    .send = amqp_send,
    .do_work = amqp_do_work,
};

static const PROV_DEVICE_TRANSPORT_PROVIDER amqp_ws_provider = {
    .name = "AMQP_WS",
    .create = amqp_ws_create,
    .destroy = amqp_destroy,
    .send = amqp_send,
    .do_work = amqp_do_work,
};

const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_AMQP_Protocol(void)
{
    return &amqp_provider;
}

const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_AMQP_WS_Protocol(void)
{
    return &amqp_ws_provider;
}
