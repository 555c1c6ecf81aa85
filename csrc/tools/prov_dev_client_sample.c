/* The Azure IoT C SDK's prov_dev_client_sample for X.509 over HTTP, on this library: it uses
 * only the Azure-compatible headers, so it is also a check that such programs compile
 * unchanged. Instead of editing global_prov_uri and id_scope in the source, pass them:
 *
 *   prov_dev_client_sample <global endpoint host[:port]> <id scope> [cert.pem key.pem]
 *
 * Without cert/key the device uses its DICE identity. Trust a local emulator's CA with
 * SSL_CERT_FILE. The transport is HTTP, or SAMPLE_TRANSPORT=mqtt|mqtt_ws|amqp|amqp_ws (the original chose
 * it with a compile-time macro). Output lines match the original sample's. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azure_c_shared_utility/platform.h"
#include "azure_c_shared_utility/shared_util_options.h"
#include "azure_c_shared_utility/threadapi.h"
#include "azure_prov_client/prov_device_client.h"
#include "azure_prov_client/prov_security_factory.h"
#include "azure_prov_client/prov_transport_http_client.h"
#include "azure_prov_client/prov_transport_amqp_client.h"
#include "azure_prov_client/prov_transport_amqp_ws_client.h"
#include "azure_prov_client/prov_transport_mqtt_client.h"
#include "azure_prov_client/prov_transport_mqtt_ws_client.h"

static volatile bool registration_complete = false;
static volatile int registration_ok = 0;

static void registration_status_callback(PROV_DEVICE_REG_STATUS reg_status, void* user_context)
{
    (void)user_context;
    (void)printf("Provisioning Status: %s\r\n", Prov_Device_Reg_Status_Name(reg_status));
}

static void register_device_callback(PROV_DEVICE_RESULT register_result, const char* iothub_uri,
                                     const char* device_id, void* user_context)
{
    (void)user_context;
    if (register_result == PROV_DEVICE_RESULT_OK) {
        (void)printf("\r\nRegistration Information received from service: %s, deviceId: %s\r\n", iothub_uri,
                     device_id);
        registration_ok = 1;
    } else {
        (void)printf("\r\nFailure registering device: %s\r\n", Prov_Device_Result_Name(register_result));
    }
    registration_complete = true;
}

static char* read_file(const char* path)
{
    FILE* f = fopen(path, "rb");
    char* text = NULL;
    long size;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (text = malloc((size_t)size + 1)) != NULL) {
        if (fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        } else {
            text[size] = '\0';
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return text;
}

int main(int argc, char** argv)
{
    if (argc != 3 && argc != 5) {
        (void)fprintf(stderr, "usage: %s <global endpoint host[:port]> <id scope> [cert.pem key.pem]\n", argv[0]);
        return 2;
    }
    const char* global_prov_uri = argv[1];
    const char* id_scope = argv[2];
    char* cert = argc == 5 ? read_file(argv[3]) : NULL;
    char* key = argc == 5 ? read_file(argv[4]) : NULL;
    if (argc == 5 && (cert == NULL || key == NULL)) {
        (void)fprintf(stderr, "cannot read %s or %s\n", argv[3], argv[4]);
        return 2;
    }

    (void)platform_init();
    (void)prov_dev_security_init(SECURE_DEVICE_TYPE_X509);
    (void)printf("Provisioning API Version: %s\r\n", Prov_Device_GetVersionString());

    const char* transport = getenv("SAMPLE_TRANSPORT");
    PROV_DEVICE_TRANSPORT_PROVIDER_FUNCTION prov_transport = Prov_Device_HTTP_Protocol;
    if (transport != NULL && strcmp(transport, "mqtt") == 0) {
        prov_transport = Prov_Device_MQTT_Protocol;
    } else if (transport != NULL && strcmp(transport, "mqtt_ws") == 0) {
        prov_transport = Prov_Device_MQTT_WS_Protocol;
    } else if (transport != NULL && strcmp(transport, "amqp") == 0) {
        prov_transport = Prov_Device_AMQP_Protocol;
    } else if (transport != NULL && strcmp(transport, "amqp_ws") == 0) {
        prov_transport = Prov_Device_AMQP_WS_Protocol;
    }
    PROV_DEVICE_HANDLE prov_device_handle = Prov_Device_Create(global_prov_uri, id_scope, prov_transport);
    if (prov_device_handle == NULL) {
        (void)printf("failed calling Prov_Device_Create\r\n");
    } else {
        bool traceOn = getenv("SAMPLE_TRACE") != NULL;
        Prov_Device_SetOption(prov_device_handle, PROV_OPTION_LOG_TRACE, &traceOn);
        if (cert != NULL) {
            Prov_Device_SetOption(prov_device_handle, OPTION_X509_CERT, cert);
            Prov_Device_SetOption(prov_device_handle, OPTION_X509_PRIVATE_KEY, key);
        }
        PROV_DEVICE_RESULT prov_device_result = Prov_Device_Register_Device(
            prov_device_handle, register_device_callback, NULL, registration_status_callback, NULL);
        if (prov_device_result != PROV_DEVICE_RESULT_OK) {
            (void)printf("Registering failed with error: %d\r\n", (int)prov_device_result);
        } else {
            (void)printf("\r\nRegistering Device\r\n\r\n");
            do {
                ThreadAPI_Sleep(10);
            } while (!registration_complete);
        }
        Prov_Device_Destroy(prov_device_handle);
    }
    prov_dev_security_deinit();
    platform_deinit();
    free(cert);
    free(key);

    (void)printf("Press enter key to exit:\r\n");
    (void)getchar();
    return registration_ok ? 0 : 1;
}
