/* header: pdc/pdc_result.h */
typedef enum pdc_result {
    PDC_OK,
    PDC_ERROR_INVALID_ARG,
    PDC_ERROR_OUT_OF_MEMORY,
    PDC_ERROR_CRYPTO,
    PDC_ERROR_NOT_ALLOWED,
    PDC_ERROR_BAD_CERTIFICATE,
    PDC_ERROR_NOT_ENOUGH_SPACE,
    ...
} pdc_result;

const char* pdc_result_name(pdc_result result);
