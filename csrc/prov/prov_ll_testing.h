/* Test hooks of the LL client (not installed): inject a clock and a transport-independent
 * random source so the state machine's timing is deterministic in C unit tests. */
#ifndef PROV_LL_TESTING_H
#define PROV_LL_TESTING_H

#include <stdint.h>

#include "azure_prov_client/prov_device_ll_client.h"

typedef uint64_t (*prov_clock_fn)(void* context); /* milliseconds, monotonic */

void prov_ll_set_clock(PROV_DEVICE_LL_HANDLE handle, prov_clock_fn clock, void* context);

#endif /* PROV_LL_TESTING_H */
