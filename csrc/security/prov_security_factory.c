/* The process-wide security type of the Azure API (prov_dev_security_init). */
#include "azure_prov_client/prov_security_factory.h"

#include <stdatomic.h>

#include "../prov/prov_log.h"

static _Atomic int security_type = SECURE_DEVICE_TYPE_UNKNOWN;

int prov_dev_security_init(SECURE_DEVICE_TYPE hsm_type)
{
    if (hsm_type != SECURE_DEVICE_TYPE_X509) {
        pdc_log(PDC_LOG_ERROR, "HSM type %d is not supported on this build (X509 is)", (int)hsm_type);
        return __LINE__;
    }
    int expected = SECURE_DEVICE_TYPE_UNKNOWN;
    if (!atomic_compare_exchange_strong(&security_type, &expected, (int)hsm_type) && expected != (int)hsm_type) {
        pdc_log(PDC_LOG_ERROR, "security type already initialised as %d", expected);
        return __LINE__;
    }
    return 0;
}

void prov_dev_security_deinit(void)
{
    atomic_store(&security_type, SECURE_DEVICE_TYPE_UNKNOWN);
}

SECURE_DEVICE_TYPE prov_dev_security_get_type(void)
{
    return (SECURE_DEVICE_TYPE)atomic_load(&security_type);
}
