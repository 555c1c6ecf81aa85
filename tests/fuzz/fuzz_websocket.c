/* libFuzzer harness: the WebSocket client's parsers of untrusted server bytes, the upgrade
 * answer and the frame stream (as the AMQP-over-WebSockets transport consumes it). The first
 * input byte picks which. Built with clang -fsanitize=fuzzer,address,undefined (tools/fuzz). */
#include <stddef.h>
#include <stdint.h>

#include "transport/prov_websocket.h"

#define MAX_PAYLOAD 4096u

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    char error[128];
    if (size == 0) {
        return 0;
    }
    const uint8_t* p = data + 1;
    size_t left = size - 1;
    if (data[0] & 1) {
        /* the RFC 6455 example key */
        long used = prov_ws_handshake_response((const char*)p, left, "dGhlIHNhbXBsZSBub25jZQ==", "AMQPWSB10", error,
                                               sizeof(error));
        if (used > (long)left) {
            __builtin_trap();  /* never claims bytes it was not given */
        }
        return 0;
    }
    for (;;) {
        prov_ws_frame_info f;
        int rc = prov_ws_parse(p, left, MAX_PAYLOAD, &f, error, sizeof(error));
        if (rc <= 0) {
            return 0;
        }
        if (f.payload_size > MAX_PAYLOAD || f.header_size + f.payload_size > left || f.header_size < 2) {
            __builtin_trap();  /* a parsed frame lies inside the input and within the limit */
        }
        p += f.header_size + f.payload_size;
        left -= f.header_size + f.payload_size;
    }
}
