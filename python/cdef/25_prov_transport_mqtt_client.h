/* header: azure_prov_client/prov_transport_mqtt_client.h */
const PROV_DEVICE_TRANSPORT_PROVIDER* Prov_Device_MQTT_Protocol(void);
