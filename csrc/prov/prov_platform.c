/* platform_init / platform_deinit / ThreadAPI_Sleep of the Azure shared utility API. Global
 * library setup (libcurl) happens on first use anyway; platform_init just makes it early. */
#include "azure_c_shared_utility/platform.h"
#include "azure_c_shared_utility/threadapi.h"

#include <stdatomic.h>

#include <curl/curl.h>

#include "../common/pdc_time.h"

static atomic_int platform_refs;

int platform_init(void)
{
    if (atomic_fetch_add(&platform_refs, 1) == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        atomic_fetch_sub(&platform_refs, 1);
        return __LINE__;
    }
    return 0;
}

void platform_deinit(void)
{
    /* curl_global_cleanup is not thread-safe against running clients: keep curl initialised. */
    if (atomic_load(&platform_refs) > 0) {
        atomic_fetch_sub(&platform_refs, 1);
    }
}

void ThreadAPI_Sleep(unsigned int milliseconds)
{
    pdc_sleep_ms(milliseconds);
}
