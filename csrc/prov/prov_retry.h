/* Retry-after parsing and backoff (pure). */
#ifndef PROV_RETRY_H
#define PROV_RETRY_H

#include <stdint.h>

#define PROV_RETRY_AFTER_DEFAULT_S 2   /* when the service sends none (the service's own pace) */
#define PROV_RETRY_AFTER_MIN_S 1
#define PROV_RETRY_AFTER_MAX_S 300
#define PROV_BACKOFF_CAP_S 60

/* Seconds to wait from a retry-after value: its leading decimal number clamped to [1, 300];
 * PROV_RETRY_AFTER_DEFAULT_S when empty, not a number (e.g. an HTTP date) or NULL. */
unsigned prov_retry_after_seconds(const char* value);

/* Delay before resending after the attempt-th transient failure (429/5xx), in ms:
 * the retry-after when the service sent one, else min(2^attempt, 60) s, plus jitter in
 * [0, 1000) ms from random_value (any 32-bit number). */
uint64_t prov_backoff_ms(unsigned attempt, const char* retry_after, uint32_t random_value);

#endif /* PROV_RETRY_H */
