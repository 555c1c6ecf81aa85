/* Threaded provisioning client, source-compatible with the Azure IoT C SDK's
 * azure_prov_client/prov_device_client.h.
 *
 * Threads: every function is thread-safe. Prov_Device_Register_Device starts (once) a worker
 * thread that calls Prov_Device_LL_DoWork every do_work_freq_ms under the client's lock;
 * callbacks run on that thread with the lock held, so they must not call back into this
 * handle (that would deadlock) and must not block for long. Prov_Device_Destroy stops and
 * joins the worker; never call it from a callback.
 */
#ifndef PROV_DEVICE_CLIENT_H
#define PROV_DEVICE_CLIENT_H

#include "azure_prov_client/prov_device_ll_client.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROV_OPTION_DO_WORK_FREQUENCY_IN_MS "do_work_freq_ms" /* const uint16_t*: default below */
/* The worker's pause between DoWork calls. The Azure SDK's 1 ms made 200 concurrent clients
 * spend the CPU waking up (fleet benchmark: 90 -> 137 registrations/s, p99 3.3 -> 1.5 s at
 * 10 ms); the extra latency is at most this per step, against seconds of retry-after. */
#define PROV_DEFAULT_DO_WORK_FREQ_MS 10

typedef struct PROV_DEVICE_INSTANCE_TAG* PROV_DEVICE_HANDLE;

PROV_DEVICE_HANDLE Prov_Device_Create(const char* uri, const char* scope_id,
                                      PROV_DEVICE_TRANSPORT_PROVIDER_FUNCTION protocol);
void Prov_Device_Destroy(PROV_DEVICE_HANDLE prov_device_handle);
PROV_DEVICE_RESULT Prov_Device_Register_Device(PROV_DEVICE_HANDLE prov_device_handle,
                                               PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK register_callback,
                                               void* user_context,
                                               PROV_DEVICE_CLIENT_REGISTER_STATUS_CALLBACK register_status_callback,
                                               void* status_user_context);
PROV_DEVICE_RESULT Prov_Device_SetOption(PROV_DEVICE_HANDLE prov_device_handle, const char* optionName,
                                         const void* value);
const char* Prov_Device_GetVersionString(void);
PROV_DEVICE_RESULT Prov_Device_Set_Provisioning_Payload(PROV_DEVICE_HANDLE handle, const char* json);
/* Copied under the lock into client-owned storage; valid until the next call or Destroy. */
const char* Prov_Device_Get_Provisioning_Payload(PROV_DEVICE_HANDLE handle);

/* Extension: Prov_Device_LL_Get_Last_Response, copied under the lock (valid until the next
 * call or Destroy). */
const char* Prov_Device_Get_Last_Response(PROV_DEVICE_HANDLE handle);

#ifdef __cplusplus
}
#endif

#endif /* PROV_DEVICE_CLIENT_H */
