/* Result codes of our own (non-Azure-compatible) C API. */
#ifndef PDC_RESULT_H
#define PDC_RESULT_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PDC_NODISCARD __attribute__((warn_unused_result))
#else
#define PDC_NODISCARD
#endif

typedef enum pdc_result {
    PDC_OK = 0,
    PDC_ERROR_INVALID_ARG = 1,       /* a NULL, out-of-range or malformed argument */
    PDC_ERROR_OUT_OF_MEMORY = 2,
    PDC_ERROR_CRYPTO = 3,            /* OpenSSL failed (or a derived key was out of range) */
    PDC_ERROR_NOT_ALLOWED = 4,       /* a combination of options that would be unsafe */
    PDC_ERROR_BAD_CERTIFICATE = 5,   /* a supplied certificate or key cannot be used */
    PDC_ERROR_NOT_ENOUGH_SPACE = 6   /* a caller buffer is too small */
} pdc_result;

/* The enumerator name without the PDC_ prefix ("ERROR_INVALID_ARG"); static string,
 * "UNKNOWN" for values outside the enum. Thread-safe. */
const char* pdc_result_name(pdc_result result);

#ifdef __cplusplus
}
#endif

#endif /* PDC_RESULT_H */
