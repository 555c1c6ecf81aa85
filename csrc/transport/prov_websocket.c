/* RFC 6455 client: handshake and framing (see prov_websocket.h). */
#include "prov_websocket.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static const char accept_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int prov_ws_handshake_request(char* out, size_t out_size, const char* host, int port, const char* path,
                              const char* protocol, char key[PROV_WS_KEY_SIZE])
{
    unsigned char nonce[16];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        return -1;
    }
    EVP_EncodeBlock((unsigned char*)key, nonce, sizeof(nonce));
    char host_header[300];
    int ipv6 = strchr(host, ':') != NULL;
    if (port == 443) {
        snprintf(host_header, sizeof(host_header), ipv6 ? "[%s]" : "%s", host);
    } else {
        snprintf(host_header, sizeof(host_header), ipv6 ? "[%s]:%d" : "%s:%d", host, port);
    }
    int n = snprintf(out, out_size,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: %s\r\n"
                     "\r\n",
                     path, host_header, key, protocol);
    return n < 0 || (size_t)n >= out_size ? -1 : n;
}

/* The value of header name in the header block [p, end), trimmed; 0 if absent. */
static int header_value(const char* p, const char* end, const char* name, const char** value, size_t* value_size)
{
    size_t name_size = strlen(name);
    while (p < end) {
        const char* eol = memchr(p, '\n', (size_t)(end - p));
        const char* line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > name_size && strncasecmp(p, name, name_size) == 0 && p[name_size] == ':') {
            const char* v = p + name_size + 1;
            const char* e = line_end;
            while (v < e && (*v == ' ' || *v == '\t')) v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
            *value = v;
            *value_size = (size_t)(e - v);
            return 1;
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}

static int value_is(const char* value, size_t size, const char* expected)
{
    return size == strlen(expected) && strncasecmp(value, expected, size) == 0;
}

long prov_ws_handshake_response(const char* data, size_t size, const char* key, const char* protocol, char* error,
                                size_t error_size)
{
    const char* end = NULL;
    for (size_t i = 3; i < size; i++) {
        if (memcmp(data + i - 3, "\r\n\r\n", 4) == 0) {
            end = data + i + 1;
            break;
        }
    }
    if (end == NULL) {
        if (size > PROV_WS_MAX_HANDSHAKE) {
            snprintf(error, error_size, "WebSocket upgrade answer too long");
            return -1;
        }
        return 0;
    }
    const char* eol = memchr(data, '\n', (size_t)(end - data));
    size_t line = (size_t)(eol - data);
    while (line > 0 && (data[line - 1] == '\r')) line--;
    if (line < 12 || strncmp(data, "HTTP/1.1 101", 12) != 0) {
        /* the status line only: printable, bounded */
        char status[64];
        size_t n = 0;
        for (size_t i = 0; i < line && n < sizeof(status) - 1; i++) {
            status[n++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : '?';
        }
        status[n] = '\0';
        snprintf(error, error_size, "WebSocket upgrade refused: %s", status);
        return -1;
    }
    const char* headers = eol + 1;
    const char* v;
    size_t vn;
    if (!header_value(headers, end, "Upgrade", &v, &vn) || !value_is(v, vn, "websocket")) {
        snprintf(error, error_size, "WebSocket upgrade answer without Upgrade: websocket");
        return -1;
    }
    unsigned char digest[SHA_DIGEST_LENGTH];
    char expected[64];
    char joined[PROV_WS_KEY_SIZE + sizeof(accept_guid)];
    snprintf(joined, sizeof(joined), "%s%s", key, accept_guid);
    SHA1((const unsigned char*)joined, strlen(joined), digest);
    EVP_EncodeBlock((unsigned char*)expected, digest, sizeof(digest));
    if (!header_value(headers, end, "Sec-WebSocket-Accept", &v, &vn) || vn != strlen(expected) ||
        memcmp(v, expected, vn) != 0) {
        snprintf(error, error_size, "WebSocket upgrade answer with a wrong Sec-WebSocket-Accept");
        return -1;
    }
    if (!header_value(headers, end, "Sec-WebSocket-Protocol", &v, &vn) || !value_is(v, vn, protocol)) {
        snprintf(error, error_size, "WebSocket server did not accept subprotocol %s", protocol);
        return -1;
    }
    return (long)(end - data);
}

size_t prov_ws_frame(unsigned char* out, unsigned opcode, const unsigned char* payload, size_t size)
{
    unsigned char mask[4];
    if (RAND_bytes(mask, sizeof(mask)) != 1) {
        return 0;
    }
    size_t n = 0;
    out[n++] = (unsigned char)(0x80 | (opcode & 0x0f));
    if (size < 126) {
        out[n++] = (unsigned char)(0x80 | size);
    } else if (size <= 0xffff) {
        out[n++] = 0x80 | 126;
        out[n++] = (unsigned char)(size >> 8);
        out[n++] = (unsigned char)size;
    } else {
        out[n++] = 0x80 | 127;
        for (int shift = 56; shift >= 0; shift -= 8) {
            out[n++] = (unsigned char)((uint64_t)size >> shift);
        }
    }
    memcpy(out + n, mask, 4);
    n += 4;
    for (size_t i = 0; i < size; i++) {
        out[n + i] = payload[i] ^ mask[i & 3];
    }
    return n + size;
}

int prov_ws_parse(const unsigned char* data, size_t size, size_t max_payload, prov_ws_frame_info* info, char* error,
                  size_t error_size)
{
    if (size < 2) {
        return 0;
    }
    unsigned opcode = data[0] & 0x0f;
    int fin = (data[0] & 0x80) != 0;
    if (data[0] & 0x70) {
        snprintf(error, error_size, "WebSocket frame with reserved bits set");
        return -1;
    }
    if (data[1] & 0x80) {
        snprintf(error, error_size, "masked WebSocket frame from the server");
        return -1;
    }
    int control = (opcode & 0x08) != 0;
    if ((opcode > PROV_WS_BINARY && !control) || opcode > PROV_WS_PONG) {
        snprintf(error, error_size, "WebSocket frame with unknown opcode %u", opcode);
        return -1;
    }
    uint64_t length = data[1] & 0x7f;
    size_t header = 2;
    if (length == 126) {
        if (size < 4) return 0;
        length = ((uint64_t)data[2] << 8) | data[3];
        header = 4;
    } else if (length == 127) {
        if (size < 10) return 0;
        length = 0;
        for (int i = 2; i < 10; i++) {
            length = (length << 8) | data[i];
        }
        header = 10;
    }
    if (control && (length > 125 || !fin)) {
        snprintf(error, error_size, "malformed WebSocket control frame");
        return -1;
    }
    if (length > max_payload) {
        snprintf(error, error_size, "WebSocket frame of %llu bytes exceeds the limit", (unsigned long long)length);
        return -1;
    }
    if (size - header < length) {
        return 0;
    }
    info->opcode = opcode;
    info->fin = fin;
    info->header_size = header;
    info->payload_size = (size_t)length;
    return 1;
}
