/* Internal interfaces of the DICE module (not installed; the C tests include it). */
#ifndef PDC_DICE_INTERNAL_H
#define PDC_DICE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pdc/pdc_dice.h"

#define P256_SCALAR_SIZE 32
#define P256_POINT_SIZE 65 /* 04 || X || Y */

/* The public development inputs of the Azure SDK emulator (hsm_client_riot.c). */
extern const uint8_t dice_dev_uds[PDC_DICE_UDS_SIZE];
extern const uint8_t dice_dev_measurement[PDC_DICE_DIGEST_SIZE];
extern const uint8_t dice_dev_fwid[PDC_DICE_DIGEST_SIZE];
/* The emulator's development root key, little-endian reading (a valid P-256 pair). */
extern const uint8_t dice_riot_dev_root_key[P256_SCALAR_SIZE];

/* Everything derived from the UDS. All secret: wipe with OPENSSL_cleanse. Scalars are
 * big-endian. d0/cdi/ddev/dalias are filled for the RIOT profile; for TCG d0 and cdi are
 * the standard-SHA-256 values, ddev is the CDI used as DeviceID KDF key and dalias the
 * SHA-256(CDI || FWID) used as Alias KDF key. */
typedef struct dice_secrets {
    uint8_t d0[32];
    uint8_t cdi[32];
    uint8_t ddev[32];
    uint8_t dalias[32];
    uint8_t deviceid_key[P256_SCALAR_SIZE];
    uint8_t alias_key[P256_SCALAR_SIZE];
} dice_secrets;

/* Returns 1 on success, 0 if a primitive failed or (RIOT) a derived scalar is out of range. */
int dice_derive(pdc_dice_profile profile, const uint8_t uds[PDC_DICE_UDS_SIZE],
                const uint8_t measurement[PDC_DICE_DIGEST_SIZE],
                const uint8_t fwid[PDC_DICE_DIGEST_SIZE], dice_secrets* out);

/* SP 800-108 counter-mode KDF with HMAC-SHA256 (32-bit big-endian counter and length,
 * label, 0x00, empty context), 256 output bits, read big-endian as a P-256 scalar; counter
 * blocks 1, 2, ... until the scalar is in [1, n-1]. Returns 1 on success. */
int dice_tcg_derive_scalar(const uint8_t key[32], const char* label, uint8_t scalar[P256_SCALAR_SIZE]);

/* P-256 helpers (ec_p256.c). Return 1 on success. */
int p256_public_key(const uint8_t scalar[P256_SCALAR_SIZE], uint8_t point[P256_POINT_SIZE]);
int p256_scalar_is_valid(const uint8_t scalar[P256_SCALAR_SIZE]);
/* ECDSA-SHA256 over msg. fixed_k: the nonce as a big-endian scalar (legacy mode only), or
 * NULL for RFC 6979 deterministic nonces. sig receives the DER Ecdsa-Sig-Value (<= 72 bytes). */
int p256_sign(const uint8_t scalar[P256_SCALAR_SIZE], const uint8_t* msg, size_t msg_size,
              const uint8_t* fixed_k, uint8_t sig[72], size_t* sig_size);
/* PEM encodings made by OpenSSL: heap strings (free with OPENSSL_clear_free / OPENSSL_free). */
char* p256_private_key_pem(const uint8_t scalar[P256_SCALAR_SIZE]);
char* p256_public_key_pem(const uint8_t point[P256_POINT_SIZE]);
/* A fresh random key (verification certificates). */
int p256_random_scalar(uint8_t scalar[P256_SCALAR_SIZE]);

#endif /* PDC_DICE_INTERNAL_H */
