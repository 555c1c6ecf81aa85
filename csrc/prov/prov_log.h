/* Internal logging into the sink of pdc/pdc_log.h. */
#ifndef PROV_LOG_H
#define PROV_LOG_H

#include "pdc/pdc_log.h"

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void pdc_log(pdc_log_level level, const char* format, ...);

#endif /* PROV_LOG_H */
