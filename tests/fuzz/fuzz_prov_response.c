/* libFuzzer harness: the DPS response parser, the code that reads untrusted service bodies.
 * Built with clang -fsanitize=fuzzer,address,undefined (tools/fuzz). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "prov/prov_json.h"
#include "prov/prov_retry.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    prov_parsed_response parsed;
    if (prov_json_parse_response((const char*)data, size, &parsed) == 0) {
        /* touch every field the state machine reads */
        size_t total = 0;
        const char* fields[] = {parsed.operation_id, parsed.status, parsed.assigned_hub, parsed.device_id,
                                parsed.payload_json, parsed.error_message};
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            total += fields[i] ? strlen(fields[i]) : 0;
        }
        (void)total;
        prov_parsed_response_free(&parsed);
    }
    char retry_after[32];
    size_t n = size < sizeof(retry_after) - 1 ? size : sizeof(retry_after) - 1;
    memcpy(retry_after, data, n);
    retry_after[n] = '\0';
    unsigned s = prov_retry_after_seconds(retry_after);
    if (s < 1 || s > 300) {
        __builtin_trap();  /* the clamp is a contract */
    }
    return 0;
}
