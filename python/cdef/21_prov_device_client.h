/* header: azure_prov_client/prov_device_client.h */
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
const char* Prov_Device_Get_Provisioning_Payload(PROV_DEVICE_HANDLE handle);
const char* Prov_Device_Get_Last_Response(PROV_DEVICE_HANDLE handle);

/* Callbacks into Python: the user_context is a cffi handle of the owning registration. */
extern "Python" void _pdc_register_callback(PROV_DEVICE_RESULT register_result, const char* iothub_uri,
                                            const char* device_id, void* user_context);
extern "Python" void _pdc_status_callback(PROV_DEVICE_REG_STATUS reg_status, void* user_context);
