/* header: azure_prov_client/prov_transport_amqp_ws_client.h */
const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_AMQP_WS_Protocol(void);
