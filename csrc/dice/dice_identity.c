/* The public DICE API: validates options, runs the derivation, builds the chain and keeps
 * the PEM outputs. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dice_certs.h"
#include "dice_internal.h"

#define MAX_KEY_ID_SIZE 64

struct pdc_dice_identity {
    pdc_dice_profile profile;
    int legacy;
    char* registration_id;
    char* alias_cert_pem;
    char* deviceid_cert_pem;
    char* root_cert_pem;
    char* chain_pem;
    char* alias_key_pem; /* secret */
    char* deviceid_public_key_pem;
    /* Kept to sign verification certificates later; the scalar is secret. */
    uint8_t root_scalar[P256_SCALAR_SIZE];
    uint8_t root_key_id[MAX_KEY_ID_SIZE];
    size_t root_key_id_size;
    uint8_t* root_name;
    size_t root_name_size;
};

static const uint8_t RIOT_SERIAL_ROOT[] = {0x1A, 0x2B, 0x3C, 0x4D, 0x5E};
static const uint8_t RIOT_SERIAL_DEVICEID[] = {0x0E, 0x0D, 0x0C, 0x0B, 0x0A};
static const uint8_t RIOT_SERIAL_ALIAS[] = {0x0A, 0x0B, 0x0C, 0x0D, 0x0E};
static const uint8_t RIOT_SERIAL_VERIFICATION[] = {0x5E, 0x4D, 0x3C, 0x2B, 0x1A};
static const char* const RIOT_ROOT_CN = "riot-root";
static const char* const RIOT_DEVICEID_CN = "riot-signer-core";
static const char* const RIOT_DEFAULT_REGISTRATION_ID = "riot-device-cert";
static const char* const TCG_DEV_ROOT_CN = "DICE development root NOT FOR PRODUCTION";
static const char* const TCG_DEVICEID_CN = "DICE DeviceID";
/* The TCG development root key: dice_tcg_derive_scalar(SHA-256(seed), "DevelopmentRoot").
 * Public on purpose, like the emulator's: anyone can sign with it. */
static const char* const TCG_DEV_ROOT_SEED = "provisioning-device-client DICE development root v1";

static void set_error(char* buf, size_t size, const char* fmt, ...)
{
    if (buf == NULL || size == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

pdc_dice_options pdc_dice_options_default(void)
{
    pdc_dice_options o;
    memset(&o, 0, sizeof(o));
    o.profile = PDC_DICE_PROFILE_RIOT;
    o.legacy_bytes = PDC_DICE_LEGACY_AUTO;
    o.tcb_svn = -1;
    o.tcb_layer = 1;
    return o;
}

/* A common name we accept for registration ids and verification codes. */
static int valid_cn(const char* s, int allow_colon)
{
    size_t n = strlen(s);
    if (n == 0 || n > PDC_DICE_MAX_CN_LENGTH) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_' || (allow_colon && c == ':'))) {
            return 0;
        }
    }
    return 1;
}

static char* dup_string(const char* s)
{
    size_t n = strlen(s) + 1;
    char* copy = OPENSSL_malloc(n);
    if (copy != NULL) {
        memcpy(copy, s, n);
    }
    return copy;
}

static void hex(const uint8_t* bytes, size_t size, char* out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < size; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xF];
    }
    out[2 * size] = '\0';
}

void pdc_dice_free_string(char* s)
{
    OPENSSL_free(s);
}

void pdc_dice_identity_destroy(pdc_dice_identity* id)
{
    if (id == NULL) {
        return;
    }
    OPENSSL_free(id->registration_id);
    OPENSSL_free(id->alias_cert_pem);
    OPENSSL_free(id->deviceid_cert_pem);
    OPENSSL_free(id->root_cert_pem);
    OPENSSL_free(id->chain_pem);
    if (id->alias_key_pem != NULL) {
        OPENSSL_secure_clear_free(id->alias_key_pem, strlen(id->alias_key_pem));
    }
    OPENSSL_free(id->deviceid_public_key_pem);
    OPENSSL_free(id->root_name);
    OPENSSL_cleanse(id, sizeof(*id));
    OPENSSL_free(id);
}

/* Loads a user CA: P-256 key matching the certificate. Fills the root fields of id. */
static pdc_result load_user_root(pdc_dice_identity* id, const char* cert_pem, const char* key_pem,
                                 char* err, size_t err_size)
{
    pdc_result rc = PDC_ERROR_BAD_CERTIFICATE;
    BIO* cert_bio = BIO_new_mem_buf(cert_pem, -1);
    BIO* key_bio = BIO_new_mem_buf(key_pem, -1);
    X509* cert = cert_bio ? PEM_read_bio_X509(cert_bio, NULL, NULL, NULL) : NULL;
    EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, NULL, NULL, NULL) : NULL;
    BIGNUM* d = NULL;
    char group[32] = "";
    uint8_t point[P256_POINT_SIZE];

    if (cert == NULL) {
        set_error(err, err_size, "root certificate: not a PEM X.509 certificate");
    } else if (key == NULL) {
        set_error(err, err_size, "root key: not a PEM private key (or encrypted)");
    } else if (!EVP_PKEY_is_a(key, "EC") ||
               EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) != 1 ||
               strcmp(group, "prime256v1") != 0) {
        set_error(err, err_size, "root key: only EC P-256 (prime256v1) keys are supported");
    } else if (X509_check_private_key(cert, key) != 1) {
        set_error(err, err_size, "root key does not match the root certificate");
    } else if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
               BN_bn2binpad(d, id->root_scalar, P256_SCALAR_SIZE) != P256_SCALAR_SIZE ||
               !p256_public_key(id->root_scalar, point)) {
        set_error(err, err_size, "root key: cannot read the private scalar");
        rc = PDC_ERROR_CRYPTO;
    } else {
        const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
        unsigned char* name = NULL;
        int name_size = i2d_X509_NAME(X509_get_subject_name(cert), &name);
        BIO* out = BIO_new(BIO_s_mem());
        char* data = NULL;
        long out_size = 0;
        if (ski != NULL && ski->length > 0 && ski->length <= MAX_KEY_ID_SIZE) {
            memcpy(id->root_key_id, ski->data, (size_t)ski->length);
            id->root_key_id_size = (size_t)ski->length;
        } else if (dice_key_id(point, id->root_key_id)) {
            id->root_key_id_size = DICE_KEY_ID_SIZE;
        }
        if (name_size > 0 && id->root_key_id_size > 0 && out != NULL && PEM_write_bio_X509(out, cert) == 1 &&
            (out_size = BIO_get_mem_data(out, &data)) > 0 && (id->root_cert_pem = OPENSSL_malloc((size_t)out_size + 1))) {
            memcpy(id->root_cert_pem, data, (size_t)out_size);
            id->root_cert_pem[out_size] = '\0';
            id->root_name = OPENSSL_malloc((size_t)name_size);
            if (id->root_name != NULL) {
                memcpy(id->root_name, name, (size_t)name_size);
                id->root_name_size = (size_t)name_size;
                rc = PDC_OK;
            }
        }
        if (rc != PDC_OK) {
            set_error(err, err_size, "out of memory loading the root certificate");
            rc = PDC_ERROR_OUT_OF_MEMORY;
        }
        OPENSSL_free(name);
        BIO_free(out);
    }
    BN_clear_free(d);
    EVP_PKEY_free(key);
    X509_free(cert);
    BIO_free(key_bio);
    BIO_free(cert_bio);
    return rc;
}

/* The development root: the emulator's key (RIOT) or our derived one (TCG), self-signed. */
static int make_dev_root(pdc_dice_identity* id)
{
    uint8_t point[P256_POINT_SIZE], serial[DICE_KEY_ID_SIZE], seed[32];
    uint8_t* der = NULL;
    size_t der_size = 0;
    int ok;
    if (id->profile == PDC_DICE_PROFILE_RIOT) {
        memcpy(id->root_scalar, dice_riot_dev_root_key, P256_SCALAR_SIZE);
        ok = 1;
    } else {
        ok = EVP_Digest(TCG_DEV_ROOT_SEED, strlen(TCG_DEV_ROOT_SEED), seed, NULL, EVP_sha256(), NULL) == 1 &&
             dice_tcg_derive_scalar(seed, "DevelopmentRoot", id->root_scalar);
    }
    ok = ok && p256_public_key(id->root_scalar, point) && dice_key_id(point, id->root_key_id) &&
         dice_key_serial(point, serial) &&
         dice_name_build(id->profile, id->legacy,
                         id->profile == PDC_DICE_PROFILE_RIOT ? RIOT_ROOT_CN : TCG_DEV_ROOT_CN, NULL,
                         &id->root_name, &id->root_name_size);
    if (ok) {
        id->root_key_id_size = DICE_KEY_ID_SIZE;
        dice_cert_request r = {
            .profile = id->profile, .legacy = id->legacy, .kind = DICE_CERT_ROOT,
            .issuer_name = id->root_name, .issuer_name_size = id->root_name_size,
            .issuer_key_id = id->root_key_id, .issuer_key_id_size = id->root_key_id_size,
            .subject_name = id->root_name, .subject_name_size = id->root_name_size,
            .subject_point = point,
            .serial = id->profile == PDC_DICE_PROFILE_RIOT ? RIOT_SERIAL_ROOT : serial,
            .serial_size = id->profile == PDC_DICE_PROFILE_RIOT ? sizeof(RIOT_SERIAL_ROOT) : sizeof(serial),
            .signer_scalar = id->root_scalar,
            .fixed_k = id->legacy ? dice_riot_fixed_nonce : NULL,
        };
        ok = dice_cert_build(&r, &der, &der_size) &&
             (id->root_cert_pem = dice_pem(der, der_size, "CERTIFICATE", !id->legacy)) != NULL;
    }
    OPENSSL_free(der);
    OPENSSL_cleanse(seed, sizeof(seed));
    return ok;
}

/* Builds one certificate and returns its PEM (NULL on failure). */
static char* issue(const pdc_dice_identity* id, dice_cert_request* r)
{
    uint8_t* der = NULL;
    size_t der_size = 0;
    char* pem = NULL;
    r->profile = id->profile;
    r->legacy = id->legacy;
    r->fixed_k = id->legacy ? dice_riot_fixed_nonce : NULL;
    if (dice_cert_build(r, &der, &der_size)) {
        pem = dice_pem(der, der_size, "CERTIFICATE", !id->legacy);
    }
    OPENSSL_free(der);
    return pem;
}

static pdc_result check_options(const pdc_dice_options* o, int* legacy, char* err, size_t err_size)
{
    if (o->profile != PDC_DICE_PROFILE_RIOT && o->profile != PDC_DICE_PROFILE_TCG) {
        set_error(err, err_size, "unknown DICE profile %d", (int)o->profile);
        return PDC_ERROR_INVALID_ARG;
    }
    if (o->uds != NULL && o->uds_size != PDC_DICE_UDS_SIZE) {
        set_error(err, err_size, "the UDS must be %d bytes, got %zu", PDC_DICE_UDS_SIZE, o->uds_size);
        return PDC_ERROR_INVALID_ARG;
    }
    if ((o->root_cert_pem == NULL) != (o->root_key_pem == NULL)) {
        set_error(err, err_size, "a root CA needs both its certificate and its private key");
        return PDC_ERROR_INVALID_ARG;
    }
    if (o->registration_id != NULL && !valid_cn(o->registration_id, 1)) {
        set_error(err, err_size, "registration id must be 1-%d characters of A-Z a-z 0-9 - . _ :",
                  PDC_DICE_MAX_CN_LENGTH);
        return PDC_ERROR_INVALID_ARG;
    }
    if ((o->tcb_vendor && strlen(o->tcb_vendor) > 256) || (o->tcb_model && strlen(o->tcb_model) > 256) ||
        (o->tcb_version && strlen(o->tcb_version) > 256)) {
        set_error(err, err_size, "TcbInfo vendor/model/version must be at most 256 bytes");
        return PDC_ERROR_INVALID_ARG;
    }
    int public_inputs = (o->uds == NULL || CRYPTO_memcmp(o->uds, dice_dev_uds, PDC_DICE_UDS_SIZE) == 0) &&
                        o->root_cert_pem == NULL;
    switch (o->legacy_bytes) {
    case PDC_DICE_LEGACY_AUTO:
        *legacy = o->profile == PDC_DICE_PROFILE_RIOT && public_inputs;
        return PDC_OK;
    case PDC_DICE_LEGACY_OFF:
        *legacy = 0;
        return PDC_OK;
    case PDC_DICE_LEGACY_ON:
        if (o->profile != PDC_DICE_PROFILE_RIOT || !public_inputs) {
            set_error(err, err_size,
                      "legacy bytes need the riot profile with the public development UDS and root: "
                      "the legacy emulator's fixed ECDSA nonce reveals every signing key");
            return PDC_ERROR_NOT_ALLOWED;
        }
        *legacy = 1;
        return PDC_OK;
    }
    set_error(err, err_size, "unknown legacy_bytes value %d", (int)o->legacy_bytes);
    return PDC_ERROR_INVALID_ARG;
}

pdc_result pdc_dice_identity_create(const pdc_dice_options* o, pdc_dice_identity** out, char* err, size_t err_size)
{
    if (out == NULL) {
        set_error(err, err_size, "identity_out is NULL");
        return PDC_ERROR_INVALID_ARG;
    }
    *out = NULL;
    pdc_dice_options defaults = pdc_dice_options_default();
    if (o == NULL) {
        o = &defaults;
    }
    int legacy = 0;
    pdc_result rc = check_options(o, &legacy, err, err_size);
    if (rc != PDC_OK) {
        return rc;
    }

    pdc_dice_identity* id = OPENSSL_zalloc(sizeof(*id));
    dice_secrets s;
    uint8_t dev_point[P256_POINT_SIZE], alias_point[P256_POINT_SIZE];
    uint8_t dev_key_id[DICE_KEY_ID_SIZE], dev_serial[DICE_KEY_ID_SIZE], alias_serial[DICE_KEY_ID_SIZE];
    uint8_t alias_key_id[DICE_KEY_ID_SIZE];
    char dev_id_hex[2 * DICE_KEY_ID_SIZE + 1], alias_id_hex[2 * DICE_KEY_ID_SIZE + 1], default_reg[32];
    uint8_t *dev_name = NULL, *alias_name = NULL;
    size_t dev_name_size = 0, alias_name_size = 0;
    const uint8_t* fwid = o->fwid ? o->fwid : dice_dev_fwid;
    memset(&s, 0, sizeof(s));
    if (id == NULL) {
        set_error(err, err_size, "out of memory");
        return PDC_ERROR_OUT_OF_MEMORY;
    }
    id->profile = o->profile;
    id->legacy = legacy;

    rc = PDC_ERROR_CRYPTO;
    if (!dice_derive(o->profile, o->uds ? o->uds : dice_dev_uds, o->measurement ? o->measurement : dice_dev_measurement,
                     fwid, &s) ||
        !p256_public_key(s.deviceid_key, dev_point) || !p256_public_key(s.alias_key, alias_point) ||
        !dice_key_id(dev_point, dev_key_id) || !dice_key_id(alias_point, alias_key_id) ||
        !dice_key_serial(dev_point, dev_serial) || !dice_key_serial(alias_point, alias_serial)) {
        set_error(err, err_size, "key derivation failed");
        goto done;
    }
    hex(dev_key_id, sizeof(dev_key_id), dev_id_hex);
    hex(alias_key_id, sizeof(alias_key_id), alias_id_hex);
    snprintf(default_reg, sizeof(default_reg), "dice-%.16s", dev_id_hex);
    id->registration_id = dup_string(o->registration_id ? o->registration_id
                                     : o->profile == PDC_DICE_PROFILE_RIOT ? RIOT_DEFAULT_REGISTRATION_ID
                                                                          : default_reg);

    if (o->root_cert_pem != NULL) {
        rc = load_user_root(id, o->root_cert_pem, o->root_key_pem, err, err_size);
        if (rc != PDC_OK) {
            goto done;
        }
        rc = PDC_ERROR_CRYPTO;
    } else if (!make_dev_root(id)) {
        set_error(err, err_size, "building the development root certificate failed");
        goto done;
    }

    int riot = o->profile == PDC_DICE_PROFILE_RIOT;
    if (id->registration_id == NULL ||
        !dice_name_build(o->profile, legacy, riot ? RIOT_DEVICEID_CN : TCG_DEVICEID_CN, riot ? NULL : dev_id_hex,
                         &dev_name, &dev_name_size) ||
        !dice_name_build(o->profile, legacy, id->registration_id, riot ? NULL : alias_id_hex, &alias_name,
                         &alias_name_size)) {
        set_error(err, err_size, "building certificate names failed");
        goto done;
    }

    dice_cert_request deviceid = {
        .kind = DICE_CERT_DEVICEID,
        .issuer_name = id->root_name, .issuer_name_size = id->root_name_size,
        .issuer_key_id = id->root_key_id, .issuer_key_id_size = id->root_key_id_size,
        .subject_name = dev_name, .subject_name_size = dev_name_size, .subject_point = dev_point,
        .serial = riot ? RIOT_SERIAL_DEVICEID : dev_serial,
        .serial_size = riot ? sizeof(RIOT_SERIAL_DEVICEID) : sizeof(dev_serial),
        .signer_scalar = id->root_scalar,
    };
    dice_cert_request alias = {
        .kind = DICE_CERT_ALIAS,
        .issuer_name = dev_name, .issuer_name_size = dev_name_size,
        .issuer_key_id = dev_key_id, .issuer_key_id_size = sizeof(dev_key_id),
        .subject_name = alias_name, .subject_name_size = alias_name_size, .subject_point = alias_point,
        .serial = riot ? RIOT_SERIAL_ALIAS : alias_serial,
        .serial_size = riot ? sizeof(RIOT_SERIAL_ALIAS) : sizeof(alias_serial),
        .deviceid_point = dev_point, .fwid = fwid, .tcb = o, .registration_id = id->registration_id,
        .signer_scalar = s.deviceid_key,
    };
    id->deviceid_cert_pem = issue(id, &deviceid);
    id->alias_cert_pem = issue(id, &alias);
    id->alias_key_pem = p256_private_key_pem(s.alias_key);
    id->deviceid_public_key_pem = p256_public_key_pem(dev_point);
    if (id->deviceid_cert_pem == NULL || id->alias_cert_pem == NULL || id->alias_key_pem == NULL ||
        id->deviceid_public_key_pem == NULL) {
        set_error(err, err_size, "signing the certificates failed");
        goto done;
    }
    size_t a = strlen(id->alias_cert_pem), d = strlen(id->deviceid_cert_pem);
    id->chain_pem = OPENSSL_malloc(a + d + 1);
    if (id->chain_pem == NULL) {
        set_error(err, err_size, "out of memory");
        rc = PDC_ERROR_OUT_OF_MEMORY;
        goto done;
    }
    memcpy(id->chain_pem, id->alias_cert_pem, a);
    memcpy(id->chain_pem + a, id->deviceid_cert_pem, d + 1);
    rc = PDC_OK;

done:
    OPENSSL_cleanse(&s, sizeof(s));
    OPENSSL_free(dev_name);
    OPENSSL_free(alias_name);
    if (rc != PDC_OK) {
        pdc_dice_identity_destroy(id);
        return rc;
    }
    *out = id;
    return PDC_OK;
}

pdc_result pdc_dice_identity_verification_cert(const pdc_dice_identity* id, const char* code, char** pem_out,
                                               char* err, size_t err_size)
{
    uint8_t scalar[P256_SCALAR_SIZE], point[P256_POINT_SIZE], serial[DICE_KEY_ID_SIZE];
    uint8_t* name = NULL;
    size_t name_size = 0;
    pdc_result rc = PDC_ERROR_CRYPTO;
    if (id == NULL || code == NULL || pem_out == NULL) {
        set_error(err, err_size, "identity, code and pem_out must not be NULL");
        return PDC_ERROR_INVALID_ARG;
    }
    *pem_out = NULL;
    if (!valid_cn(code, 0)) {
        set_error(err, err_size, "verification code must be 1-%d characters of A-Z a-z 0-9 - . _",
                  PDC_DICE_MAX_CN_LENGTH);
        return PDC_ERROR_INVALID_ARG;
    }
    /* A real, freshly generated subject key (the emulator used uninitialised memory). */
    if (!p256_random_scalar(scalar) || !p256_public_key(scalar, point) || !dice_key_serial(point, serial) ||
        !dice_name_build(id->profile, 0, code, NULL, &name, &name_size)) {
        set_error(err, err_size, "generating the verification key failed");
        goto done;
    }
    int riot = id->profile == PDC_DICE_PROFILE_RIOT;
    dice_cert_request r = {
        .profile = id->profile, .legacy = 0, .kind = DICE_CERT_VERIFICATION,
        .issuer_name = id->root_name, .issuer_name_size = id->root_name_size,
        .issuer_key_id = id->root_key_id, .issuer_key_id_size = id->root_key_id_size,
        .subject_name = name, .subject_name_size = name_size, .subject_point = point,
        .serial = riot ? RIOT_SERIAL_VERIFICATION : serial,
        .serial_size = riot ? sizeof(RIOT_SERIAL_VERIFICATION) : sizeof(serial),
        .signer_scalar = id->root_scalar,
    };
    uint8_t* der = NULL;
    size_t der_size = 0;
    if (dice_cert_build(&r, &der, &der_size) && (*pem_out = dice_pem(der, der_size, "CERTIFICATE", 1)) != NULL) {
        rc = PDC_OK;
    } else {
        set_error(err, err_size, "signing the verification certificate failed");
    }
    OPENSSL_free(der);
done:
    OPENSSL_cleanse(scalar, sizeof(scalar));
    OPENSSL_free(name);
    return rc;
}

const char* pdc_dice_identity_registration_id(const pdc_dice_identity* id) { return id->registration_id; }
const char* pdc_dice_identity_alias_cert_pem(const pdc_dice_identity* id) { return id->alias_cert_pem; }
const char* pdc_dice_identity_deviceid_cert_pem(const pdc_dice_identity* id) { return id->deviceid_cert_pem; }
const char* pdc_dice_identity_root_cert_pem(const pdc_dice_identity* id) { return id->root_cert_pem; }
const char* pdc_dice_identity_chain_pem(const pdc_dice_identity* id) { return id->chain_pem; }
const char* pdc_dice_identity_alias_key_pem(const pdc_dice_identity* id) { return id->alias_key_pem; }
const char* pdc_dice_identity_deviceid_public_key_pem(const pdc_dice_identity* id)
{
    return id->deviceid_public_key_pem;
}
pdc_dice_profile pdc_dice_identity_profile(const pdc_dice_identity* id) { return id->profile; }
int pdc_dice_identity_is_legacy_bytes(const pdc_dice_identity* id) { return id->legacy; }
