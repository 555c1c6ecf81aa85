/* The version of the native library. */
#ifndef PDC_VERSION_H
#define PDC_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library version ("MAJOR.MINOR.PATCH"), the same as the Python package's.
 * Returns a static string: never NULL, never freed. Thread-safe. */
const char* pdc_version_string(void);

/* The OpenSSL version the library runs with (OpenSSL_version(OPENSSL_VERSION)).
 * Static string, never NULL. Thread-safe. */
const char* pdc_openssl_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* PDC_VERSION_H */
