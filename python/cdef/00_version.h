/* header: pdc/pdc_version.h */
const char* pdc_version_string(void);
const char* pdc_openssl_version_string(void);
