/* header: azure_prov_client/prov_transport_http_client.h */
const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_HTTP_Protocol(void);
