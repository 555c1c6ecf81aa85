/* Monotonic time and sleeping, shared by the client's C files. */
#ifndef PDC_TIME_H
#define PDC_TIME_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t pdc_monotonic_ms(void);

/* Sleeps ms milliseconds (resumed after signals). */
void pdc_sleep_ms(unsigned ms);

#endif /* PDC_TIME_H */
