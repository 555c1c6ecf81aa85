#include "pdc/pdc_version.h"

#include <openssl/crypto.h>

#ifndef PDC_VERSION
#error "PDC_VERSION must be defined by the build (CMakeLists.txt project version)"
#endif

const char* pdc_version_string(void)
{
    return PDC_VERSION;
}

const char* pdc_openssl_version_string(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}
