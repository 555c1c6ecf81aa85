/* Device security types, source-compatible with the Azure IoT C SDK's prov_security_factory.h.
 * The security type is process-wide (as in the SDK); init/deinit are thread-safe. */
#ifndef PROV_SECURITY_FACTORY_H
#define PROV_SECURITY_FACTORY_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum SECURE_DEVICE_TYPE_TAG {
    SECURE_DEVICE_TYPE_UNKNOWN,
    SECURE_DEVICE_TYPE_TPM,
    SECURE_DEVICE_TYPE_X509,
    SECURE_DEVICE_TYPE_HTTP_EDGE,
    SECURE_DEVICE_TYPE_SYMMETRIC_KEY
} SECURE_DEVICE_TYPE;

/* 0 on success. Supported: SECURE_DEVICE_TYPE_X509 (a PEM certificate set with the
 * x509certificate/x509privatekey options, else the DICE identity: riot profile, UDS from
 * PDC_DICE_UDS or the public development UDS). Other types fail (not built in yet). */
int prov_dev_security_init(SECURE_DEVICE_TYPE hsm_type);
void prov_dev_security_deinit(void);
SECURE_DEVICE_TYPE prov_dev_security_get_type(void);

#ifdef __cplusplus
}
#endif

#endif /* PROV_SECURITY_FACTORY_H */
