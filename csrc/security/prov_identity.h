/* The device's X.509 identity as the transports need it: chain PEM (leaf first), private key
 * PEM and the registration id (leaf CN). */
#ifndef PROV_IDENTITY_H
#define PROV_IDENTITY_H

#include <stddef.h>

typedef struct prov_identity {
    char* cert_chain_pem;
    char* private_key_pem; /* SECRET: wiped on free */
    char* registration_id;
} prov_identity;

/* From PEM text: every certificate in cert_pem (leaf first) and the matching key (EC or RSA).
 * 0 on success; on failure the reason (no secrets) is written to error. */
int prov_identity_from_pem(const char* cert_pem, const char* key_pem, prov_identity* out, char* error,
                           size_t error_size);

/* The DICE identity, riot profile (legacy bytes with the development UDS): UDS from the
 * PDC_DICE_UDS environment variable (64 hex digits) or the public development UDS. */
int prov_identity_from_dice(prov_identity* out, char* error, size_t error_size);

void prov_identity_free(prov_identity* identity);

#endif /* PROV_IDENTITY_H */
