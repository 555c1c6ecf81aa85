/* The client side of RFC 6455 for a binary byte stream (AMQP over WebSockets): the upgrade
 * request and its answer, and frame encoding/parsing. Pure functions over buffers, no I/O,
 * so they are fuzzed on their own (tests/fuzz/fuzz_websocket.c). */
#ifndef PROV_WEBSOCKET_H
#define PROV_WEBSOCKET_H

#include <stddef.h>

#define PROV_WS_KEY_SIZE 25          /* base64 of 16 random bytes, NUL-terminated */
#define PROV_WS_MAX_HEADER 14        /* largest frame header a client writes */
#define PROV_WS_MAX_HANDSHAKE 8192   /* largest upgrade answer accepted */

enum { PROV_WS_CONTINUATION = 0x0, PROV_WS_TEXT = 0x1, PROV_WS_BINARY = 0x2,
       PROV_WS_CLOSE = 0x8, PROV_WS_PING = 0x9, PROV_WS_PONG = 0xA };

/* Writes the GET upgrade request for path with one subprotocol into out and a fresh random
 * key into key. Returns its length, or -1 if out is too small or no randomness. */
int prov_ws_handshake_request(char* out, size_t out_size, const char* host, int port, const char* path,
                              const char* protocol, char key[PROV_WS_KEY_SIZE]);

/* Judges the server's answer at data[0..size): > 0 the answer's length (frames follow it);
 * 0 incomplete; -1 refused or malformed (reason in error: status line, missing upgrade, wrong
 * Sec-WebSocket-Accept or subprotocol). */
long prov_ws_handshake_response(const char* data, size_t size, const char* key, const char* protocol, char* error,
                                size_t error_size);

/* Writes one final, masked client frame into out (room for size + PROV_WS_MAX_HEADER).
 * Returns the frame's length, 0 if no randomness for the mask. */
size_t prov_ws_frame(unsigned char* out, unsigned opcode, const unsigned char* payload, size_t size);

typedef struct prov_ws_frame_info {
    unsigned opcode;
    int fin;
    size_t header_size;   /* the payload starts at data + header_size */
    size_t payload_size;
} prov_ws_frame_info;

/* Parses the server frame at data[0..size): 1 complete (info filled), 0 incomplete, -1 a
 * protocol violation (masked server frame, reserved bits, bad control frame, payload over
 * max_payload; reason in error). */
int prov_ws_parse(const unsigned char* data, size_t size, size_t max_payload, prov_ws_frame_info* info, char* error,
                  size_t error_size);

#endif /* PROV_WEBSOCKET_H */
