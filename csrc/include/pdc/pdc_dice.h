/* DICE identity engine: UDS -> CDI -> DeviceID and Alias P-256 key pairs -> certificate chain.
 *
 * Two profiles (see docs/dice.md for the exact, stable derivations):
 *  - PDC_DICE_PROFILE_RIOT: the Azure IoT C SDK's RIoT emulator (2017-2020 "Emulator" tree):
 *    its derivation, names, serials, validity and CompositeDeviceID extension. By default,
 *    with the public development UDS, the certificates are byte-for-byte those the legacy
 *    emulator printed (its DER quirks and fixed ECDSA nonce: "legacy bytes"), so old DPS
 *    enrollments keep working. Otherwise signatures are deterministic (RFC 6979).
 *  - PDC_DICE_PROFILE_TCG: standard primitives (SHA-256, SP 800-108 HMAC KDF) and certificates
 *    after the TCG DICE profiles (SKI/AKI, critical KU/BC, DiceTcbInfo, key-derived serials).
 *
 * No global state; every function is thread-safe for distinct objects. Secrets (UDS, CDI,
 * derived digests, private scalars) are wiped with OPENSSL_cleanse once used. The alias
 * private key is held (as PEM) by the identity and wiped when the identity is destroyed.
 */
#ifndef PDC_DICE_H
#define PDC_DICE_H

#include <stddef.h>
#include <stdint.h>

#include "pdc/pdc_result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PDC_DICE_UDS_SIZE 32
#define PDC_DICE_DIGEST_SIZE 32
/* Longest registration id / verification code: the X.520 upper bound of a common name. */
#define PDC_DICE_MAX_CN_LENGTH 64

typedef enum pdc_dice_profile {
    PDC_DICE_PROFILE_RIOT = 0,
    PDC_DICE_PROFILE_TCG = 1
} pdc_dice_profile;

typedef enum pdc_dice_legacy_bytes {
    PDC_DICE_LEGACY_AUTO = 0, /* on for RIOT with the development UDS and root, else off */
    PDC_DICE_LEGACY_OFF = 1,
    PDC_DICE_LEGACY_ON = 2    /* refused unless the UDS and root are the public development ones */
} pdc_dice_legacy_bytes;

/* Inputs. Every pointer is borrowed for the duration of pdc_dice_identity_create only and
 * may be NULL, meaning "the default" given per field. Start from pdc_dice_options_default(). */
typedef struct pdc_dice_options {
    pdc_dice_profile profile;
    const uint8_t* uds;           /* PDC_DICE_UDS_SIZE bytes; NULL: the public development UDS */
    size_t uds_size;              /* must be PDC_DICE_UDS_SIZE when uds is set */
    const uint8_t* measurement;   /* PDC_DICE_DIGEST_SIZE bytes (layer-0 TCI); NULL: development value */
    const uint8_t* fwid;          /* PDC_DICE_DIGEST_SIZE bytes (firmware measurement); NULL: development value */
    const char* registration_id;  /* alias certificate CN; NULL: "riot-device-cert" (RIOT) or
                                     "dice-<16 hex of the DeviceID key id>" (TCG) */
    pdc_dice_legacy_bytes legacy_bytes;
    const char* root_cert_pem;    /* optional CA certificate (P-256 key) that signs the DeviceID cert */
    const char* root_key_pem;     /* its private key; both or neither. NULL: the development root */
    /* DiceTcbInfo fields of the TCG alias certificate (NULL / negative: omitted) */
    const char* tcb_vendor;
    const char* tcb_model;
    const char* tcb_version;
    int64_t tcb_svn;
    int64_t tcb_layer;            /* default 1 */
} pdc_dice_options;

/* Defaults: RIOT profile, development inputs, legacy bytes AUTO, tcb_svn -1, tcb_layer 1. */
pdc_dice_options pdc_dice_options_default(void);

typedef struct pdc_dice_identity pdc_dice_identity;

/* Derives the keys and builds the chain. On success *identity_out is owned by the caller
 * (free with pdc_dice_identity_destroy). On failure *identity_out is NULL and, when
 * error_message is not NULL, a NUL-terminated reason (never containing secrets) is written
 * into it (at most error_message_size bytes). */
PDC_NODISCARD pdc_result pdc_dice_identity_create(const pdc_dice_options* options,
                                                  pdc_dice_identity** identity_out,
                                                  char* error_message, size_t error_message_size);

/* Wipes and frees. NULL is allowed. */
void pdc_dice_identity_destroy(pdc_dice_identity* identity);

/* Accessors: NUL-terminated strings owned by the identity, valid until it is destroyed.
 * Never NULL for a valid identity. */
const char* pdc_dice_identity_registration_id(const pdc_dice_identity* identity);
const char* pdc_dice_identity_alias_cert_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_deviceid_cert_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_root_cert_pem(const pdc_dice_identity* identity);
/* Alias certificate followed by the DeviceID certificate: what the device presents in TLS. */
const char* pdc_dice_identity_chain_pem(const pdc_dice_identity* identity);
/* SECRET: the alias private key (SEC 1 "EC PRIVATE KEY" PEM). Never log it. */
const char* pdc_dice_identity_alias_key_pem(const pdc_dice_identity* identity);
/* The DeviceID public key (SubjectPublicKeyInfo PEM). */
const char* pdc_dice_identity_deviceid_public_key_pem(const pdc_dice_identity* identity);
pdc_dice_profile pdc_dice_identity_profile(const pdc_dice_identity* identity);
/* 1 when the certificates are the legacy emulator's exact bytes, else 0. */
int pdc_dice_identity_is_legacy_bytes(const pdc_dice_identity* identity);

/* Proof of possession for a group enrollment: a certificate whose subject CN is the
 * service's verification code, signed by the root key, with a freshly generated subject key.
 * code: 1..PDC_DICE_MAX_CN_LENGTH characters of [A-Za-z0-9-._]. On success *pem_out is a
 * heap string the caller frees with pdc_dice_free_string. */
PDC_NODISCARD pdc_result pdc_dice_identity_verification_cert(const pdc_dice_identity* identity,
                                                             const char* code, char** pem_out,
                                                             char* error_message,
                                                             size_t error_message_size);

/* Frees a string returned by this module. NULL is allowed. */
void pdc_dice_free_string(char* s);

/* The RIoT emulator's word-swapped SHA-256 ("DiceSHA256", see docs/dice.md): exposed for
 * known-answer tests and tooling. out must hold PDC_DICE_DIGEST_SIZE bytes. */
void pdc_dice_riot_sha256(const void* data, size_t size, uint8_t out[PDC_DICE_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* PDC_DICE_H */
