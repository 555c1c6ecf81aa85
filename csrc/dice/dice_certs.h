/* Certificate building for the DICE profiles (pure: no I/O, no randomness). */
#ifndef PDC_DICE_CERTS_H
#define PDC_DICE_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "dice_internal.h"

#define DICE_KEY_ID_SIZE 20

typedef enum dice_cert_kind {
    DICE_CERT_ROOT,
    DICE_CERT_DEVICEID,
    DICE_CERT_ALIAS,
    DICE_CERT_VERIFICATION
} dice_cert_kind;

/* Everything one certificate needs. Pointers are borrowed. */
typedef struct dice_cert_request {
    pdc_dice_profile profile;
    int legacy;                         /* RIOT only: the emulator's exact DER quirks */
    dice_cert_kind kind;
    const uint8_t* issuer_name;         /* DER Name */
    size_t issuer_name_size;
    const uint8_t* issuer_key_id;       /* TCG: the AKI key identifier (the issuer's SKI) */
    size_t issuer_key_id_size;
    const uint8_t* subject_name;        /* DER Name */
    size_t subject_name_size;
    const uint8_t* subject_point;       /* P256_POINT_SIZE bytes */
    const uint8_t* serial;
    size_t serial_size;
    const uint8_t* deviceid_point;      /* RIOT alias: CompositeDeviceID */
    const uint8_t* fwid;                /* alias: PDC_DICE_DIGEST_SIZE bytes */
    const pdc_dice_options* tcb;        /* TCG alias: DiceTcbInfo fields */
    const char* registration_id;        /* TCG alias: subjectAltName URI urn:dps:registration:<id> */
    const uint8_t* signer_scalar;       /* the issuer's private key */
    const uint8_t* fixed_k;             /* legacy only: the emulator's fixed ECDSA nonce */
} dice_cert_request;

/* The RIoT emulator's fixed ECDSA nonce 0x0102...1F20 (legacy bytes only). */
extern const uint8_t dice_riot_fixed_nonce[P256_SCALAR_SIZE];

/* Signed certificate DER in *der (OPENSSL_malloc; caller frees). Returns 1 on success. */
int dice_cert_build(const dice_cert_request* request, uint8_t** der, size_t* der_size);

/* A DER Name. RIOT: CN, C, O (C as UTF8String when legacy, else PrintableString), O "MSR_TEST".
 * TCG: C, O, CN and, when serial_number is set, serialNumber. */
int dice_name_build(pdc_dice_profile profile, int legacy, const char* common_name,
                    const char* serial_number, uint8_t** der, size_t* der_size);

/* RFC 5280 method-1 key identifier: SHA-1 of the uncompressed point. */
int dice_key_id(const uint8_t point[P256_POINT_SIZE], uint8_t id[DICE_KEY_ID_SIZE]);
/* TCG serial: SHA-256 of the point, first 20 bytes, top bit cleared, first byte non-zero. */
int dice_key_serial(const uint8_t point[P256_POINT_SIZE], uint8_t serial[DICE_KEY_ID_SIZE]);

/* PEM text of a DER certificate (OPENSSL_malloc). wrap64: 64-column lines, else the
 * emulator's single unwrapped line. */
char* dice_pem(const uint8_t* der, size_t der_size, const char* label, int wrap64);

#endif /* PDC_DICE_CERTS_H */
