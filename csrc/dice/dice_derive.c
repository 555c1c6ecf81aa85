/* UDS -> CDI -> DeviceID and Alias private scalars, for both profiles.
 *
 * RIOT (the Azure SDK emulator, "Emulator" RIoT tree):
 *   D0 = DiceSHA256(UDS); CDI = DiceSHA256(D0 || measurement)   (word-swapped SHA-256)
 *   Ddev = SHA256(CDI); Dalias = SHA256(Ddev || FWID)
 *   key(src, label) = little-endian integer of HMAC-SHA256(src, 01000000 || label || 00 || 00010000)
 *   (its SP 800-108 counter and length came out little-endian through a macro bug)
 *   DeviceID = key(Ddev, "Identity"), Alias = key(Dalias, "Alias")
 *
 * TCG (our standard derivation; a public contract, never change it):
 *   CDI = SHA256(SHA256(UDS) || measurement)
 *   DeviceID = KDF(CDI, "DeviceID"), Alias = KDF(SHA256(CDI || FWID), "Alias")
 *   KDF = SP 800-108 counter mode, HMAC-SHA256, see dice_tcg_derive_scalar. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dice_internal.h"

const uint8_t dice_dev_uds[PDC_DICE_UDS_SIZE] = {
    0x54, 0x10, 0x5D, 0x2E, 0xCD, 0x07, 0xF9, 0x01, 0x99, 0xB3, 0x95, 0xC7, 0x42, 0x61, 0xA0, 0x8C,
    0xFF, 0x27, 0x1A, 0x0D, 0xF6, 0x6F, 0x1F, 0xE0, 0x00, 0x34, 0xBB, 0x11, 0xF7, 0x98, 0x9A, 0x12};
const uint8_t dice_dev_measurement[PDC_DICE_DIGEST_SIZE] = {
    0xb5, 0x85, 0x94, 0x93, 0x66, 0x1e, 0x2e, 0xae, 0x96, 0x77, 0xc5, 0x5d, 0x59, 0x0b, 0x92, 0x94,
    0xe0, 0x94, 0xab, 0xaf, 0xd7, 0x40, 0x78, 0x7e, 0x05, 0x0d, 0xfe, 0x6d, 0x85, 0x90, 0x53, 0xa0};
const uint8_t dice_dev_fwid[PDC_DICE_DIGEST_SIZE] = {
    0x6B, 0xE9, 0xB1, 0x84, 0xC9, 0x37, 0xC2, 0x8E, 0x12, 0x2E, 0xEE, 0x51, 0x2B, 0x68, 0xEA, 0x8E,
    0x00, 0xC3, 0xDD, 0x15, 0x9E, 0xA4, 0xE8, 0x5E, 0x84, 0xCB, 0xA9, 0x66, 0xF4, 0x46, 0xCD, 0x4E};
const uint8_t dice_riot_dev_root_key[P256_SCALAR_SIZE] = {
    0x70, 0xe5, 0x88, 0x17, 0x0b, 0xa9, 0x26, 0xe6, 0xda, 0xc8, 0x49, 0x53, 0xc0, 0x71, 0xf0, 0x02,
    0x15, 0x56, 0xf1, 0x53, 0xf4, 0xea, 0xe1, 0xb8, 0xc8, 0xd9, 0x3f, 0x57, 0x13, 0xc7, 0xe7, 0xe3};

static int sha256_2(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size, uint8_t out[32])
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, a, a_size) == 1 &&
             (b_size == 0 || EVP_DigestUpdate(ctx, b, b_size) == 1) &&
             EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static int hmac_sha256(const uint8_t key[32], const uint8_t* msg, size_t msg_size, uint8_t out[32])
{
    unsigned int out_size = 0;
    return HMAC(EVP_sha256(), key, 32, msg, msg_size, out, &out_size) != NULL && out_size == 32;
}

/* msg = counter || label || 0x00 || L (context empty); counter and L 32-bit in the given order. */
static size_t kdf_message(uint8_t* msg, size_t cap, uint32_t counter, const char* label, int big_endian)
{
    size_t label_size = strlen(label);
    if (label_size + 9 > cap) {
        return 0;
    }
    const uint32_t bits = 256;
    for (int i = 0; i < 4; i++) {
        int shift = big_endian ? 8 * (3 - i) : 8 * i;
        msg[i] = (uint8_t)(counter >> shift);
        msg[4 + label_size + 1 + i] = (uint8_t)(bits >> shift);
    }
    memcpy(msg + 4, label, label_size);
    msg[4 + label_size] = 0x00;
    return label_size + 9;
}

static int riot_derive_scalar(const uint8_t src[32], const char* label, uint8_t scalar[P256_SCALAR_SIZE])
{
    uint8_t msg[64], k[32];
    size_t msg_size = kdf_message(msg, sizeof(msg), 1, label, 0);
    int ok = msg_size > 0 && hmac_sha256(src, msg, msg_size, k);
    for (int i = 0; ok && i < 32; i++) {
        scalar[i] = k[31 - i];  /* the emulator reads the bytes as a little-endian integer */
    }
    /* The emulator retried with the same input (an endless loop) when out of range; we fail. */
    ok = ok && p256_scalar_is_valid(scalar);
    OPENSSL_cleanse(k, sizeof(k));
    return ok;
}

int dice_tcg_derive_scalar(const uint8_t key[32], const char* label, uint8_t scalar[P256_SCALAR_SIZE])
{
    uint8_t msg[64];
    int ok = 0;
    for (uint32_t counter = 1; counter <= 16 && !ok; counter++) {
        size_t msg_size = kdf_message(msg, sizeof(msg), counter, label, 1);
        if (msg_size == 0 || !hmac_sha256(key, msg, msg_size, scalar)) {
            break;
        }
        ok = p256_scalar_is_valid(scalar);
    }
    if (!ok) {
        OPENSSL_cleanse(scalar, P256_SCALAR_SIZE);
    }
    return ok;
}

int dice_derive(pdc_dice_profile profile, const uint8_t uds[PDC_DICE_UDS_SIZE],
                const uint8_t measurement[PDC_DICE_DIGEST_SIZE],
                const uint8_t fwid[PDC_DICE_DIGEST_SIZE], dice_secrets* out)
{
    int ok;
    memset(out, 0, sizeof(*out));
    if (profile == PDC_DICE_PROFILE_RIOT) {
        uint8_t joined[64];
        pdc_dice_riot_sha256(uds, PDC_DICE_UDS_SIZE, out->d0);
        memcpy(joined, out->d0, 32);
        memcpy(joined + 32, measurement, 32);
        pdc_dice_riot_sha256(joined, sizeof(joined), out->cdi);
        OPENSSL_cleanse(joined, sizeof(joined));
        ok = sha256_2(out->cdi, 32, NULL, 0, out->ddev) &&
             sha256_2(out->ddev, 32, fwid, PDC_DICE_DIGEST_SIZE, out->dalias) &&
             riot_derive_scalar(out->ddev, "Identity", out->deviceid_key) &&
             riot_derive_scalar(out->dalias, "Alias", out->alias_key);
    } else if (profile == PDC_DICE_PROFILE_TCG) {
        ok = sha256_2(uds, PDC_DICE_UDS_SIZE, NULL, 0, out->d0) &&
             sha256_2(out->d0, 32, measurement, PDC_DICE_DIGEST_SIZE, out->cdi) &&
             sha256_2(out->cdi, 32, fwid, PDC_DICE_DIGEST_SIZE, out->dalias) &&
             dice_tcg_derive_scalar(out->cdi, "DeviceID", out->deviceid_key) &&
             dice_tcg_derive_scalar(out->dalias, "Alias", out->alias_key);
        if (ok) {
            memcpy(out->ddev, out->cdi, 32);
        }
    } else {
        ok = 0;
    }
    if (!ok) {
        OPENSSL_cleanse(out, sizeof(*out));
    }
    return ok;
}
