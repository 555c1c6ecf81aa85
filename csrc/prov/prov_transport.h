/* The transport interface under the LL state machine. A transport maps one request
 * (register or operation-status query) onto its wire protocol and reports one response:
 * status code, JSON body, retry-after. It knows nothing of the registration flow. */
#ifndef PROV_TRANSPORT_INTERNAL_H
#define PROV_TRANSPORT_INTERNAL_H

#include <stddef.h>

#include "azure_c_shared_utility/shared_util_options.h"
#include "azure_prov_client/prov_device_ll_client.h"

/* Largest body accepted from the service (the DPS message size limit). */
#define PROV_MAX_BODY_SIZE (96 * 1024)

typedef enum prov_request_kind { PROV_REQUEST_REGISTER, PROV_REQUEST_STATUS } prov_request_kind;

typedef struct prov_request {
    prov_request_kind kind;
    const char* id_scope;
    const char* registration_id;
    const char* operation_id; /* PROV_REQUEST_STATUS only */
    const char* body;         /* JSON */
} prov_request;

typedef struct prov_response {
    int status_code;          /* HTTP-style status; 0 when the transport failed */
    char* body;               /* NUL-terminated, heap (free with free()); may be NULL */
    size_t body_size;
    char retry_after[32];     /* the raw retry-after value, "" when absent */
    int oversize;             /* the body exceeded PROV_MAX_BODY_SIZE and was dropped */
    char error[192];          /* transport failure reason (no secrets) */
} prov_response;

/* Borrowed by create(): cert_chain_pem and private_key_pem must outlive the transport
 * (transports may use them in place); the other strings are copied. */
typedef struct prov_transport_config {
    const char* host;               /* without port */
    int port;                       /* 0: the transport's default */
    const char* cert_chain_pem;     /* leaf first; secret-free */
    const char* private_key_pem;    /* SECRET */
    const char* trusted_certs_pem;  /* NULL: system store, honouring SSL_CERT_FILE/SSL_CERT_DIR */
    const HTTP_PROXY_OPTIONS* proxy;/* NULL: direct */
    int log_trace;
} prov_transport_config;

typedef enum prov_transfer_state {
    PROV_TRANSFER_PENDING,  /* nothing yet: call do_work again later */
    PROV_TRANSFER_DONE,     /* response filled (any status code) */
    PROV_TRANSFER_FAILED    /* transport failure: response->error says why */
} prov_transfer_state;

struct PROV_DEVICE_TRANSPORT_PROVIDER_TAG {
    const char* name;
    /* Copies what it needs from config; NULL on failure (reason in error). */
    void* (*create)(const prov_transport_config* config, char* error, size_t error_size);
    void (*destroy)(void* transport);
    /* Starts a request (a previous one must be finished). 0 on success. */
    int (*send)(void* transport, const prov_request* request, char* error, size_t error_size);
    /* Non-blocking progress. On DONE/FAILED the response is filled; the caller frees body. */
    prov_transfer_state (*do_work)(void* transport, prov_response* response);
};

void prov_response_clear(prov_response* response);

#endif /* PROV_TRANSPORT_INTERNAL_H */
