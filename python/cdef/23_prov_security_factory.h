/* header: azure_prov_client/prov_security_factory.h */
typedef enum SECURE_DEVICE_TYPE_TAG {
    SECURE_DEVICE_TYPE_UNKNOWN, SECURE_DEVICE_TYPE_TPM, SECURE_DEVICE_TYPE_X509,
    SECURE_DEVICE_TYPE_HTTP_EDGE, SECURE_DEVICE_TYPE_SYMMETRIC_KEY, ...
} SECURE_DEVICE_TYPE;

int prov_dev_security_init(SECURE_DEVICE_TYPE hsm_type);
void prov_dev_security_deinit(void);
SECURE_DEVICE_TYPE prov_dev_security_get_type(void);
