/* header: azure_c_shared_utility/shared_util_options.h */
typedef struct HTTP_PROXY_OPTIONS_TAG {
    const char* host_address;
    int port;
    const char* username;
    const char* password;
} HTTP_PROXY_OPTIONS;
