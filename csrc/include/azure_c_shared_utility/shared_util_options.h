/* The option names and proxy structure the Azure SDK keeps in azure-c-shared-utility, so
 * programs written against it compile unchanged. */
#ifndef SHARED_UTIL_OPTIONS_H
#define SHARED_UTIL_OPTIONS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HTTP_PROXY_OPTIONS_TAG {
    const char* host_address; /* proxy host name */
    int port;                 /* proxy port */
    const char* username;     /* NULL or "" for no authentication */
    const char* password;
} HTTP_PROXY_OPTIONS;

#define OPTION_HTTP_PROXY "proxy_data"           /* const HTTP_PROXY_OPTIONS* */
#define OPTION_TRUSTED_CERT "TrustedCerts"       /* const char*: PEM CA certificates to trust */
#define SU_OPTION_X509_CERT "x509certificate"
#define SU_OPTION_X509_PRIVATE_KEY "x509privatekey"

#ifdef __cplusplus
}
#endif

#endif /* SHARED_UTIL_OPTIONS_H */
