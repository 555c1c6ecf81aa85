#include "prov_retry.h"

#include <ctype.h>
#include <stddef.h>

unsigned prov_retry_after_seconds(const char* value)
{
    if (value == NULL) {
        return PROV_RETRY_AFTER_DEFAULT_S;
    }
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    if (!isdigit((unsigned char)*value)) {
        return PROV_RETRY_AFTER_DEFAULT_S;
    }
    unsigned long seconds = 0;
    for (; isdigit((unsigned char)*value); value++) {
        seconds = seconds * 10 + (unsigned long)(*value - '0');
        if (seconds > PROV_RETRY_AFTER_MAX_S) {
            return PROV_RETRY_AFTER_MAX_S;
        }
    }
    return seconds < PROV_RETRY_AFTER_MIN_S ? PROV_RETRY_AFTER_MIN_S : (unsigned)seconds;
}

uint64_t prov_backoff_ms(unsigned attempt, const char* retry_after, uint32_t random_value)
{
    uint64_t seconds;
    if (retry_after != NULL && retry_after[0] != '\0') {
        seconds = prov_retry_after_seconds(retry_after);
    } else {
        seconds = attempt >= 6 ? PROV_BACKOFF_CAP_S : (uint64_t)1 << attempt;
        if (seconds > PROV_BACKOFF_CAP_S) {
            seconds = PROV_BACKOFF_CAP_S;
        }
    }
    return seconds * 1000 + random_value % 1000;
}
