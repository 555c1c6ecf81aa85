/* Low-level provisioning client, source-compatible with the Azure IoT C SDK's
 * azure_prov_client/prov_device_ll_client.h.
 *
 * Threads: a PROV_DEVICE_LL_HANDLE is not thread-safe; call every function for one handle
 * from one thread (or serialise the calls). Callbacks run inside Prov_Device_LL_DoWork on
 * the calling thread. Prov_Device_LL_DoWork never blocks on the network. The register
 * callback may start a new registration or destroy the handle; a status callback must not
 * destroy it.
 * Ownership: strings passed in are copied; strings returned are owned by the client.
 */
#ifndef PROV_DEVICE_LL_CLIENT_H
#define PROV_DEVICE_LL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values are the Azure SDK's (the order is part of the API). */
typedef enum PROV_DEVICE_RESULT_TAG {
    PROV_DEVICE_RESULT_OK,
    PROV_DEVICE_RESULT_INVALID_ARG,
    PROV_DEVICE_RESULT_SUCCESS,
    PROV_DEVICE_RESULT_MEMORY,
    PROV_DEVICE_RESULT_PARSING,
    PROV_DEVICE_RESULT_TRANSPORT,
    PROV_DEVICE_RESULT_INVALID_STATE,
    PROV_DEVICE_RESULT_DEV_AUTH_ERROR,
    PROV_DEVICE_RESULT_TIMEOUT,
    PROV_DEVICE_RESULT_KEY_ERROR,
    PROV_DEVICE_RESULT_ERROR,
    PROV_DEVICE_RESULT_HUB_NOT_SPECIFIED,
    PROV_DEVICE_RESULT_UNAUTHORIZED,
    PROV_DEVICE_RESULT_DISABLED
} PROV_DEVICE_RESULT;

typedef enum PROV_DEVICE_REG_STATUS_TAG {
    PROV_DEVICE_REG_STATUS_CONNECTED,
    PROV_DEVICE_REG_STATUS_REGISTERING,
    PROV_DEVICE_REG_STATUS_ASSIGNING,
    PROV_DEVICE_REG_STATUS_ASSIGNED,
    PROV_DEVICE_REG_STATUS_ERROR,
    PROV_DEVICE_REG_HUB_NOT_SPECIFIED
} PROV_DEVICE_REG_STATUS;

/* The enumerator name ("PROV_DEVICE_RESULT_OK"), or "UNKNOWN". Static string. (Ours: the
 * Azure SDK offers MU_ENUM_TO_STRING for this.) */
const char* Prov_Device_Result_Name(PROV_DEVICE_RESULT result);
const char* Prov_Device_Reg_Status_Name(PROV_DEVICE_REG_STATUS status);

/* Option names for Prov_Device_LL_SetOption. */
#define PROV_OPTION_LOG_TRACE "logtrace"                /* const bool*: wire traces to the log sink */
#define PROV_OPTION_TIMEOUT "provisioning_timeout"      /* const uint8_t*: seconds, 0 = none; default 60 */
#define PROV_REGISTRATION_ID "registration_id"          /* const char*: overrides the certificate CN */
#define OPTION_X509_CERT "x509certificate"              /* const char*: PEM leaf, then its chain */
#define OPTION_X509_PRIVATE_KEY "x509privatekey"        /* const char*: PEM private key (EC or RSA) */
#define PROV_DEFAULT_TIMEOUT 60

typedef struct PROV_INSTANCE_INFO_TAG* PROV_DEVICE_LL_HANDLE;
typedef struct PROV_DEVICE_TRANSPORT_PROVIDER_TAG PROV_DEVICE_TRANSPORT_PROVIDER;
typedef const PROV_DEVICE_TRANSPORT_PROVIDER* (*PROV_DEVICE_TRANSPORT_PROVIDER_FUNCTION)(void);

/* Called once per successful Register_Device: iothub_uri and device_id are the assignment
 * (NULL unless register_result is PROV_DEVICE_RESULT_OK), valid during the call only. */
typedef void (*PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK)(PROV_DEVICE_RESULT register_result,
                                                           const char* iothub_uri, const char* device_id,
                                                           void* user_context);
typedef void (*PROV_DEVICE_CLIENT_REGISTER_STATUS_CALLBACK)(PROV_DEVICE_REG_STATUS reg_status, void* user_context);

/* uri: the global device endpoint host ("global.azure-devices-provisioning.net"), or
 * host:port. Returns NULL on bad arguments or when the security type was not initialised
 * (prov_dev_security_init). Free with Prov_Device_LL_Destroy. */
PROV_DEVICE_LL_HANDLE Prov_Device_LL_Create(const char* uri, const char* scope_id,
                                            PROV_DEVICE_TRANSPORT_PROVIDER_FUNCTION protocol);
/* Safe at any time, also while registering (no callback follows). NULL is ignored. */
void Prov_Device_LL_Destroy(PROV_DEVICE_LL_HANDLE handle);
/* Starts a registration. PROV_DEVICE_RESULT_OK: exactly one register_callback follows from
 * DoWork. INVALID_ARG: NULL handle/callback; INVALID_STATE: one is already running; ERROR:
 * no usable identity. status_callback may be NULL. */
PROV_DEVICE_RESULT Prov_Device_LL_Register_Device(PROV_DEVICE_LL_HANDLE handle,
                                                  PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK register_callback,
                                                  void* user_context,
                                                  PROV_DEVICE_CLIENT_REGISTER_STATUS_CALLBACK register_status_callback,
                                                  void* status_user_context);
/* Advances the registration; call it periodically (every few ms to 100 ms). Non-blocking. */
void Prov_Device_LL_DoWork(PROV_DEVICE_LL_HANDLE handle);
/* Options above, plus "TrustedCerts" (const char* PEM) and "proxy_data" (const HTTP_PROXY_OPTIONS*)
 * from azure_c_shared_utility/shared_util_options.h. Identity options only while idle.
 * INVALID_ARG for NULL arguments, ERROR for an unknown option or a bad value. */
PROV_DEVICE_RESULT Prov_Device_LL_SetOption(PROV_DEVICE_LL_HANDLE handle, const char* option_name,
                                            const void* value);
const char* Prov_Device_LL_GetVersionString(void);
/* json: a JSON value sent as "payload" with the registration (copied); NULL clears it. */
PROV_DEVICE_RESULT Prov_Device_LL_Set_Provisioning_Payload(PROV_DEVICE_LL_HANDLE handle, const char* json);
/* The payload the service returned with the last assignment (JSON text), or NULL. Owned by
 * the client, valid until the next registration or Destroy. */
const char* Prov_Device_LL_Get_Provisioning_Payload(PROV_DEVICE_LL_HANDLE handle);

/* Extension (not in the Azure SDK): the JSON body of the service's last response to the last
 * registration (the RegistrationOperationStatus, or the error body), or NULL when there was
 * none (transport failure, timeout). Owned by the client; valid until the next registration
 * or Destroy. Lets bindings report the operation id, substatus, etag and error code. */
const char* Prov_Device_LL_Get_Last_Response(PROV_DEVICE_LL_HANDLE handle);

#ifdef __cplusplus
}
#endif

#endif /* PROV_DEVICE_LL_CLIENT_H */
