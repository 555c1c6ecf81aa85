/* The WebSocket client layer under AMQP_WS: the upgrade exchange (RFC 6455's example key),
 * frame encoding (masked, all three length forms) and the parser's refusals. */
#include <stdlib.h>
#include <string.h>

#include "pdc_check.h"
#include "transport/prov_websocket.h"

static const char answer_ok[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "upgrade: WebSocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: amqpwsb10\r\n"
    "\r\n"
    "\x82\x00";
static const char rfc_key[] = "dGhlIHNhbXBsZSBub25jZQ==";

static void request_names_path_host_and_subprotocol(void)
{
    char out[512], key[PROV_WS_KEY_SIZE];
    int n = prov_ws_handshake_request(out, sizeof(out), "dps.example", 8443, "/$iothub/websocket", "AMQPWSB10", key);
    CHECK(n > 0 && (size_t)n == strlen(out));
    CHECK(strncmp(out, "GET /$iothub/websocket HTTP/1.1\r\n", 33) == 0);
    CHECK(strstr(out, "Host: dps.example:8443\r\n") != NULL);
    CHECK(strstr(out, "Sec-WebSocket-Protocol: AMQPWSB10\r\n") != NULL);
    CHECK_INT_EQ(strlen(key), 24);
    char expected[64];
    snprintf(expected, sizeof(expected), "Sec-WebSocket-Key: %s\r\n", key);
    CHECK(strstr(out, expected) != NULL);
    n = prov_ws_handshake_request(out, sizeof(out), "dps.example", 443, "/p", "AMQPWSB10", key);
    CHECK(strstr(out, "Host: dps.example\r\n") != NULL);
    CHECK_INT_EQ(prov_ws_handshake_request(out, 40, "dps.example", 443, "/p", "AMQPWSB10", key), -1);
}

static void answer_is_judged(void)
{
    char error[128];
    size_t headers = (size_t)(strstr(answer_ok, "\r\n\r\n") + 4 - answer_ok);
    /* the frame bytes after the blank line are not counted */
    CHECK_INT_EQ(prov_ws_handshake_response(answer_ok, sizeof(answer_ok) - 1, rfc_key, "AMQPWSB10", error, sizeof(error)),
                 headers);
    CHECK_INT_EQ(prov_ws_handshake_response(answer_ok, 40, rfc_key, "AMQPWSB10", error, sizeof(error)), 0);
    CHECK_INT_EQ(prov_ws_handshake_response(answer_ok, headers, "AAAAAAAAAAAAAAAAAAAAAA==", "AMQPWSB10", error,
                                            sizeof(error)), -1);
    CHECK(strstr(error, "Sec-WebSocket-Accept") != NULL);
    CHECK_INT_EQ(prov_ws_handshake_response(answer_ok, headers, rfc_key, "mqtt", error, sizeof(error)), -1);
    CHECK(strstr(error, "subprotocol mqtt") != NULL);
    const char refused[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    CHECK_INT_EQ(prov_ws_handshake_response(refused, strlen(refused), rfc_key, "AMQPWSB10", error, sizeof(error)), -1);
    CHECK_STR_EQ(error, "WebSocket upgrade refused: HTTP/1.1 404 Not Found");
    char* endless = malloc(PROV_WS_MAX_HANDSHAKE + 10);
    memset(endless, 'a', PROV_WS_MAX_HANDSHAKE + 10);
    CHECK_INT_EQ(prov_ws_handshake_response(endless, PROV_WS_MAX_HANDSHAKE + 10, rfc_key, "AMQPWSB10", error,
                                            sizeof(error)), -1);
    free(endless);
}

/* Unmasks a client frame the way a server would; returns the payload length. */
static size_t unmask(unsigned char* frame, size_t size, unsigned char** payload)
{
    size_t length = frame[1] & 0x7f, header = 2;
    if (length == 126) {
        length = ((size_t)frame[2] << 8) | frame[3];
        header = 4;
    } else if (length == 127) {
        length = 0;
        for (int i = 2; i < 10; i++) length = (length << 8) | frame[i];
        header = 10;
    }
    unsigned char* mask = frame + header;
    *payload = mask + 4;
    for (size_t i = 0; i < length && header + 4 + i < size; i++) (*payload)[i] ^= mask[i & 3];
    return length;
}

static void frames_are_masked_in_all_length_forms(void)
{
    size_t sizes[] = {0, 125, 126, 65535, 65536};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        unsigned char* data = malloc(n + 1);
        unsigned char* frame = malloc(n + PROV_WS_MAX_HEADER);
        for (size_t i = 0; i < n; i++) data[i] = (unsigned char)(i * 7);
        size_t size = prov_ws_frame(frame, PROV_WS_BINARY, data, n);
        CHECK(frame[0] == 0x82 && (frame[1] & 0x80));
        unsigned char* payload;
        CHECK_INT_EQ(unmask(frame, size, &payload), n);
        CHECK_INT_EQ(size, (size_t)(payload - frame) + n);
        CHECK(n == 0 || memcmp(payload, data, n) == 0);
        free(data);
        free(frame);
    }
}

static void parser_reads_server_frames_and_refuses_violations(void)
{
    char error[128];
    prov_ws_frame_info f;
    const unsigned char small[] = {0x82, 0x03, 'a', 'b', 'c', 0x89};
    CHECK_INT_EQ(prov_ws_parse(small, sizeof(small), 100, &f, error, sizeof(error)), 1);
    CHECK(f.opcode == PROV_WS_BINARY && f.fin && f.header_size == 2 && f.payload_size == 3);
    CHECK_INT_EQ(prov_ws_parse(small, 4, 100, &f, error, sizeof(error)), 0);  /* incomplete */
    const unsigned char medium[4] = {0x02, 126, 0x01, 0x00};                  /* 256 bytes, not final */
    CHECK_INT_EQ(prov_ws_parse(medium, sizeof(medium), 1000, &f, error, sizeof(error)), 0);
    CHECK_INT_EQ(prov_ws_parse(medium, sizeof(medium), 100, &f, error, sizeof(error)), -1);  /* over the limit */
    const unsigned char huge[10] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    CHECK_INT_EQ(prov_ws_parse(huge, sizeof(huge), 1u << 20, &f, error, sizeof(error)), -1);
    const unsigned char masked[] = {0x82, 0x81, 1, 2, 3, 4, 5};
    CHECK_INT_EQ(prov_ws_parse(masked, sizeof(masked), 100, &f, error, sizeof(error)), -1);
    CHECK_STR_EQ(error, "masked WebSocket frame from the server");
    const unsigned char reserved[] = {0xc2, 0x00};
    CHECK_INT_EQ(prov_ws_parse(reserved, sizeof(reserved), 100, &f, error, sizeof(error)), -1);
    const unsigned char long_ping[] = {0x89, 126, 0x00, 0x80};
    CHECK_INT_EQ(prov_ws_parse(long_ping, sizeof(long_ping), 1000, &f, error, sizeof(error)), -1);
    const unsigned char fragmented_close[] = {0x08, 0x00};
    CHECK_INT_EQ(prov_ws_parse(fragmented_close, sizeof(fragmented_close), 100, &f, error, sizeof(error)), -1);
    const unsigned char unknown[] = {0x83, 0x00};
    CHECK_INT_EQ(prov_ws_parse(unknown, sizeof(unknown), 100, &f, error, sizeof(error)), -1);
}

PDC_TEST_MAIN(PDC_TEST(request_names_path_host_and_subprotocol), PDC_TEST(answer_is_judged),
              PDC_TEST(frames_are_masked_in_all_length_forms), PDC_TEST(parser_reads_server_frames_and_refuses_violations))
