#include "pdc/pdc_result.h"

const char* pdc_result_name(pdc_result result)
{
    switch (result) {
    case PDC_OK: return "OK";
    case PDC_ERROR_INVALID_ARG: return "ERROR_INVALID_ARG";
    case PDC_ERROR_OUT_OF_MEMORY: return "ERROR_OUT_OF_MEMORY";
    case PDC_ERROR_CRYPTO: return "ERROR_CRYPTO";
    case PDC_ERROR_NOT_ALLOWED: return "ERROR_NOT_ALLOWED";
    case PDC_ERROR_BAD_CERTIFICATE: return "ERROR_BAD_CERTIFICATE";
    case PDC_ERROR_NOT_ENOUGH_SPACE: return "ERROR_NOT_ENOUGH_SPACE";
    }
    return "UNKNOWN";
}
