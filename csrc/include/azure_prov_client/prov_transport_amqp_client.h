/* The AMQP transport (Qpid Proton-C), as in the Azure IoT C SDK. */
#ifndef PROV_TRANSPORT_AMQP_CLIENT_H
#define PROV_TRANSPORT_AMQP_CLIENT_H

#include "azure_prov_client/prov_device_ll_client.h"

#ifdef __cplusplus
extern "C" {
#endif

const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_AMQP_Protocol(void);

#ifdef __cplusplus
}
#endif

#endif /* PROV_TRANSPORT_AMQP_CLIENT_H */
