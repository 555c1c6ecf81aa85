/* The DICE certificates, DER-encoded by hand because the RIoT profile must reproduce the
 * emulator byte for byte and every profile signs deterministically (see ec_p256.c).
 * Layouts: docs/dice.md; independent checks: the pytest suite (cryptography, openssl). */
#include "dice_certs.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "der_writer.h"

const uint8_t dice_riot_fixed_nonce[P256_SCALAR_SIZE] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};

/* Encoded object identifiers (content octets). */
static const uint8_t OID_ECDSA_SHA256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t OID_PRIME256V1[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static const uint8_t OID_CN[] = {0x55, 0x04, 0x03};
static const uint8_t OID_SERIAL_NUMBER[] = {0x55, 0x04, 0x05};
static const uint8_t OID_COUNTRY[] = {0x55, 0x04, 0x06};
static const uint8_t OID_ORGANIZATION[] = {0x55, 0x04, 0x0A};
static const uint8_t OID_SKI[] = {0x55, 0x1D, 0x0E};
static const uint8_t OID_KEY_USAGE[] = {0x55, 0x1D, 0x0F};
static const uint8_t OID_BASIC_CONSTRAINTS[] = {0x55, 0x1D, 0x13};
static const uint8_t OID_SUBJECT_ALT_NAME[] = {0x55, 0x1D, 0x11};
static const uint8_t OID_CERT_POLICIES[] = {0x55, 0x1D, 0x20};
static const uint8_t OID_AKI[] = {0x55, 0x1D, 0x23};
static const uint8_t OID_EXT_KEY_USAGE[] = {0x55, 0x1D, 0x25};
static const uint8_t OID_CLIENT_AUTH[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
static const uint8_t OID_SHA256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
/* 2.23.133.5.4.1: RIoT CompositeDeviceID in the emulator, tcg-dice-TcbInfo for the TCG. */
static const uint8_t OID_DICE_4_1[] = {0x67, 0x81, 0x05, 0x05, 0x04, 0x01};
static const uint8_t OID_TCG_KP_IDENTITY_INIT[] = {0x67, 0x81, 0x05, 0x05, 0x04, 0x64, 0x06};
static const uint8_t OID_TCG_KP_IDENTITY_LOC[] = {0x67, 0x81, 0x05, 0x05, 0x04, 0x64, 0x07};
static const uint8_t OID_TCG_KP_ECA[] = {0x67, 0x81, 0x05, 0x05, 0x04, 0x64, 0x0C};

/* Key usage bits (first octet of the BIT STRING). */
enum { KU_DIGITAL_SIGNATURE = 0x80, KU_KEY_CERT_SIGN = 0x04 };

static const char* const RIOT_ORGANIZATION = "MSR_TEST";
static const char* const DICE_COUNTRY = "US";
static const char* const TCG_ORGANIZATION = "provisioning-device-client";

static void oid(der_writer* w, const uint8_t* encoded, size_t size)
{
    der_primitive(w, DER_OID, encoded, size);
}
#define OID(w, o) oid((w), (o), sizeof(o))

static void rdn(der_writer* w, const uint8_t* type, size_t type_size, uint8_t string_tag, const char* value)
{
    der_begin(w, DER_SET);
    der_begin(w, DER_SEQUENCE);
    oid(w, type, type_size);
    der_string(w, string_tag, value);
    der_end(w);
    der_end(w);
}

int dice_name_build(pdc_dice_profile profile, int legacy, const char* common_name,
                    const char* serial_number, uint8_t** der, size_t* der_size)
{
    der_writer w;
    der_init(&w);
    der_begin(&w, DER_SEQUENCE);
    if (profile == PDC_DICE_PROFILE_RIOT) {
        rdn(&w, OID_CN, sizeof(OID_CN), DER_UTF8_STRING, common_name);
        rdn(&w, OID_COUNTRY, sizeof(OID_COUNTRY), legacy ? DER_UTF8_STRING : DER_PRINTABLE_STRING, DICE_COUNTRY);
        rdn(&w, OID_ORGANIZATION, sizeof(OID_ORGANIZATION), DER_UTF8_STRING, RIOT_ORGANIZATION);
    } else {
        rdn(&w, OID_COUNTRY, sizeof(OID_COUNTRY), DER_PRINTABLE_STRING, DICE_COUNTRY);
        rdn(&w, OID_ORGANIZATION, sizeof(OID_ORGANIZATION), DER_UTF8_STRING, TCG_ORGANIZATION);
        rdn(&w, OID_CN, sizeof(OID_CN), DER_UTF8_STRING, common_name);
        if (serial_number != NULL) {
            rdn(&w, OID_SERIAL_NUMBER, sizeof(OID_SERIAL_NUMBER), DER_PRINTABLE_STRING, serial_number);
        }
    }
    der_end(&w);
    if (w.failed) {
        der_free(&w);
        return 0;
    }
    *der = w.data;  /* ownership moves to the caller */
    *der_size = w.size;
    return 1;
}

int dice_key_id(const uint8_t point[P256_POINT_SIZE], uint8_t id[DICE_KEY_ID_SIZE])
{
    unsigned int size = 0;
    return EVP_Digest(point, P256_POINT_SIZE, id, &size, EVP_sha1(), NULL) == 1 && size == DICE_KEY_ID_SIZE;
}

int dice_key_serial(const uint8_t point[P256_POINT_SIZE], uint8_t serial[DICE_KEY_ID_SIZE])
{
    uint8_t digest[32];
    if (EVP_Digest(point, P256_POINT_SIZE, digest, NULL, EVP_sha256(), NULL) != 1) {
        return 0;
    }
    memcpy(serial, digest, DICE_KEY_ID_SIZE);
    serial[0] &= 0x7F;
    if (serial[0] == 0) {
        serial[0] = 0x01;
    }
    return 1;
}

static void algorithm_ecdsa_sha256(der_writer* w)
{
    der_begin(w, DER_SEQUENCE);
    OID(w, OID_ECDSA_SHA256);
    der_end(w);
}

static void spki(der_writer* w, const uint8_t point[P256_POINT_SIZE])
{
    static const uint8_t no_unused_bits = 0;
    der_begin(w, DER_SEQUENCE);
    der_begin(w, DER_SEQUENCE);
    OID(w, OID_EC_PUBLIC_KEY);
    OID(w, OID_PRIME256V1);
    der_end(w);
    der_begin(w, DER_BIT_STRING);
    der_raw(w, &no_unused_bits, 1);
    der_raw(w, point, P256_POINT_SIZE);
    der_end(w);
    der_end(w);
}

static void validity(der_writer* w, pdc_dice_profile profile)
{
    der_begin(w, DER_SEQUENCE);
    if (profile == PDC_DICE_PROFILE_RIOT) {
        der_string(w, DER_UTC_TIME, "170101000000Z");
        der_string(w, DER_UTC_TIME, "370101000000Z");
    } else {
        /* Devices may have no clock: a fixed past notBefore and the "no expiry" notAfter. */
        der_string(w, DER_UTC_TIME, "240101000000Z");
        der_string(w, DER_GENERALIZED_TIME, "99991231235959Z");
    }
    der_end(w);
}

/* Opens Extension { extnID, [critical], extnValue OCTET STRING { ... } }; close with ext_end. */
static void ext_begin(der_writer* w, const uint8_t* id, size_t id_size, int critical)
{
    static const uint8_t true_value = 0xFF;
    der_begin(w, DER_SEQUENCE);
    oid(w, id, id_size);
    if (critical) {
        der_primitive(w, DER_BOOLEAN, &true_value, 1);
    }
    der_begin(w, DER_OCTET_STRING);
}

static void ext_end(der_writer* w)
{
    der_end(w);
    der_end(w);
}

static void ext_key_usage(der_writer* w, uint8_t bits, int critical, int legacy)
{
    uint8_t value[2] = {0, bits};
    if (!legacy) {  /* DER: count the unused trailing zero bits (the emulator wrote 0) */
        while (value[0] < 7 && !(bits & (1u << value[0]))) {
            value[0]++;
        }
    }
    ext_begin(w, OID_KEY_USAGE, sizeof(OID_KEY_USAGE), critical);
    der_primitive(w, DER_BIT_STRING, value, sizeof(value));
    ext_end(w);
}

static void ext_basic_constraints_ca(der_writer* w, int path_length)
{
    static const uint8_t true_value = 0xFF;
    ext_begin(w, OID_BASIC_CONSTRAINTS, sizeof(OID_BASIC_CONSTRAINTS), 1);
    der_begin(w, DER_SEQUENCE);
    der_primitive(w, DER_BOOLEAN, &true_value, 1);
    der_integer_u64(w, (uint64_t)path_length);
    der_end(w);
    ext_end(w);
}

static void ext_client_auth(der_writer* w)
{
    ext_begin(w, OID_EXT_KEY_USAGE, sizeof(OID_EXT_KEY_USAGE), 0);
    der_begin(w, DER_SEQUENCE);
    OID(w, OID_CLIENT_AUTH);
    der_end(w);
    ext_end(w);
}

static void ext_subject_key_id(der_writer* w, const uint8_t point[P256_POINT_SIZE])
{
    uint8_t id[DICE_KEY_ID_SIZE];
    if (!dice_key_id(point, id)) {
        w->failed = 1;
        return;
    }
    ext_begin(w, OID_SKI, sizeof(OID_SKI), 0);
    der_primitive(w, DER_OCTET_STRING, id, sizeof(id));
    ext_end(w);
}

static void ext_authority_key_id(der_writer* w, const uint8_t* id, size_t id_size)
{
    ext_begin(w, OID_AKI, sizeof(OID_AKI), 0);
    der_begin(w, DER_SEQUENCE);
    der_primitive(w, DER_CONTEXT(0), id, id_size);  /* keyIdentifier [0] IMPLICIT */
    der_end(w);
    ext_end(w);
}

/* subjectAltName { uniformResourceIdentifier "urn:dps:registration:<id>" }: TLS client
 * verifiers (pyca's among them) want a SAN on the leaf; this one names the DPS identity. */
static void ext_registration_san(der_writer* w, const char* registration_id)
{
    static const char prefix[] = "urn:dps:registration:";
    ext_begin(w, OID_SUBJECT_ALT_NAME, sizeof(OID_SUBJECT_ALT_NAME), 0);
    der_begin(w, DER_SEQUENCE);
    der_begin(w, DER_CONTEXT(6)); /* [6] IMPLICIT IA5String */
    der_raw(w, prefix, sizeof(prefix) - 1);
    der_raw(w, registration_id, strlen(registration_id));
    der_end(w);
    der_end(w);
    ext_end(w);
}

static void ext_policies(der_writer* w, const uint8_t* const* oids, const size_t* sizes, size_t count)
{
    ext_begin(w, OID_CERT_POLICIES, sizeof(OID_CERT_POLICIES), 0);
    der_begin(w, DER_SEQUENCE);
    for (size_t i = 0; i < count; i++) {
        der_begin(w, DER_SEQUENCE);
        oid(w, oids[i], sizes[i]);
        der_end(w);
    }
    der_end(w);
    ext_end(w);
}

static void fwid(der_writer* w, const uint8_t digest[PDC_DICE_DIGEST_SIZE])
{
    der_begin(w, DER_SEQUENCE);
    OID(w, OID_SHA256);
    der_primitive(w, DER_OCTET_STRING, digest, PDC_DICE_DIGEST_SIZE);
    der_end(w);
}

/* RIoT CompositeDeviceID { version 1, DeviceID SPKI, FWID }, non-critical. */
static void ext_riot_composite_device_id(der_writer* w, const uint8_t deviceid_point[P256_POINT_SIZE],
                                         const uint8_t digest[PDC_DICE_DIGEST_SIZE])
{
    ext_begin(w, OID_DICE_4_1, sizeof(OID_DICE_4_1), 0);
    der_begin(w, DER_SEQUENCE);
    der_integer_u64(w, 1);
    spki(w, deviceid_point);
    fwid(w, digest);
    der_end(w);
    ext_end(w);
}

/* TCG DiceTcbInfo, non-critical (critical breaks stock OpenSSL/mbedTLS verification). */
static void ext_tcg_tcb_info(der_writer* w, const pdc_dice_options* tcb, const uint8_t digest[PDC_DICE_DIGEST_SIZE])
{
    ext_begin(w, OID_DICE_4_1, sizeof(OID_DICE_4_1), 0);
    der_begin(w, DER_SEQUENCE);
    if (tcb->tcb_vendor != NULL) {
        der_string(w, DER_CONTEXT(0), tcb->tcb_vendor);
    }
    if (tcb->tcb_model != NULL) {
        der_string(w, DER_CONTEXT(1), tcb->tcb_model);
    }
    if (tcb->tcb_version != NULL) {
        der_string(w, DER_CONTEXT(2), tcb->tcb_version);
    }
    if (tcb->tcb_svn >= 0) {
        der_integer_u64_tagged(w, DER_CONTEXT(3), (uint64_t)tcb->tcb_svn);
    }
    if (tcb->tcb_layer >= 0) {
        der_integer_u64_tagged(w, DER_CONTEXT(4), (uint64_t)tcb->tcb_layer);
    }
    der_begin(w, DER_CONTEXT_CONSTRUCTED(6));  /* fwids [6] IMPLICIT SEQUENCE OF FWID */
    fwid(w, digest);
    der_end(w);
    der_end(w);
    ext_end(w);
}

static void riot_extensions(der_writer* w, const dice_cert_request* r)
{
    switch (r->kind) {
    case DICE_CERT_ROOT:
    case DICE_CERT_DEVICEID:
    case DICE_CERT_VERIFICATION: /* the emulator built it with its device-cert builder */
        ext_key_usage(w, KU_KEY_CERT_SIGN, 0, r->legacy);
        ext_basic_constraints_ca(w, 1);
        break;
    case DICE_CERT_ALIAS:
        ext_client_auth(w);
        ext_riot_composite_device_id(w, r->deviceid_point, r->fwid);
        break;
    }
}

static void tcg_extensions(der_writer* w, const dice_cert_request* r)
{
    static const uint8_t* const deviceid_policies[] = {OID_TCG_KP_IDENTITY_INIT, OID_TCG_KP_ECA};
    static const size_t deviceid_policy_sizes[] = {sizeof(OID_TCG_KP_IDENTITY_INIT), sizeof(OID_TCG_KP_ECA)};
    static const uint8_t* const alias_policies[] = {OID_TCG_KP_IDENTITY_LOC};
    static const size_t alias_policy_sizes[] = {sizeof(OID_TCG_KP_IDENTITY_LOC)};

    switch (r->kind) {
    case DICE_CERT_ROOT:
    case DICE_CERT_DEVICEID:
        ext_key_usage(w, KU_KEY_CERT_SIGN, 1, 0);
        /* root -> DeviceID -> alias: the DeviceID issues only end-entity certificates */
        ext_basic_constraints_ca(w, r->kind == DICE_CERT_ROOT ? 1 : 0);
        ext_subject_key_id(w, r->subject_point);
        ext_authority_key_id(w, r->issuer_key_id, r->issuer_key_id_size);
        if (r->kind == DICE_CERT_DEVICEID) {
            ext_policies(w, deviceid_policies, deviceid_policy_sizes, 2);
        }
        break;
    case DICE_CERT_ALIAS:
        ext_key_usage(w, KU_DIGITAL_SIGNATURE, 1, 0);
        ext_client_auth(w);
        ext_registration_san(w, r->registration_id);
        ext_subject_key_id(w, r->subject_point);
        ext_authority_key_id(w, r->issuer_key_id, r->issuer_key_id_size);
        ext_policies(w, alias_policies, alias_policy_sizes, 1);
        ext_tcg_tcb_info(w, r->tcb, r->fwid);
        break;
    case DICE_CERT_VERIFICATION:
        ext_key_usage(w, KU_DIGITAL_SIGNATURE, 1, 0);
        ext_subject_key_id(w, r->subject_point);
        ext_authority_key_id(w, r->issuer_key_id, r->issuer_key_id_size);
        break;
    }
}

static void tbs_certificate(der_writer* w, const dice_cert_request* r)
{
    der_begin(w, DER_SEQUENCE);
    der_begin(w, DER_CONTEXT_CONSTRUCTED(0)); /* version v3 */
    der_integer_u64(w, 2);
    der_end(w);
    der_integer_bytes(w, r->serial, r->serial_size);
    algorithm_ecdsa_sha256(w);
    der_raw(w, r->issuer_name, r->issuer_name_size);
    validity(w, r->profile);
    der_raw(w, r->subject_name, r->subject_name_size);
    spki(w, r->subject_point);
    der_begin(w, DER_CONTEXT_CONSTRUCTED(3));
    der_begin(w, DER_SEQUENCE);
    if (r->profile == PDC_DICE_PROFILE_RIOT) {
        riot_extensions(w, r);
    } else {
        tcg_extensions(w, r);
    }
    der_end(w);
    der_end(w);
    der_end(w);
}

int dice_cert_build(const dice_cert_request* r, uint8_t** der, size_t* der_size)
{
    static const uint8_t no_unused_bits = 0;
    uint8_t sig[72];
    size_t sig_size = 0;
    der_writer tbs, cert;
    der_init(&tbs);
    der_init(&cert);

    tbs_certificate(&tbs, r);
    int ok = !tbs.failed && p256_sign(r->signer_scalar, tbs.data, tbs.size, r->fixed_k, sig, &sig_size);
    if (ok) {
        der_begin(&cert, DER_SEQUENCE);
        der_raw(&cert, tbs.data, tbs.size);
        algorithm_ecdsa_sha256(&cert);
        der_begin(&cert, DER_BIT_STRING);
        der_raw(&cert, &no_unused_bits, 1);
        der_raw(&cert, sig, sig_size);
        der_end(&cert);
        der_end(&cert);
        ok = !cert.failed;
    }
    der_free(&tbs);
    if (!ok) {
        der_free(&cert);
        return 0;
    }
    *der = cert.data;
    *der_size = cert.size;
    return 1;
}

char* dice_pem(const uint8_t* der, size_t der_size, const char* label, int wrap64)
{
    size_t b64_size = 4 * ((der_size + 2) / 3);
    uint8_t* b64 = OPENSSL_malloc(b64_size + 1);
    size_t cap = b64_size + b64_size / 64 + 2 * strlen(label) + 64;
    char* pem = OPENSSL_malloc(cap);
    if (b64 == NULL || pem == NULL || der_size > INT32_MAX ||
        EVP_EncodeBlock(b64, der, (int)der_size) != (int)b64_size) {
        OPENSSL_free(b64);
        OPENSSL_free(pem);
        return NULL;
    }
    size_t n = (size_t)snprintf(pem, cap, "-----BEGIN %s-----\n", label);
    size_t line = wrap64 ? 64 : b64_size;
    for (size_t i = 0; i < b64_size; i += line) {
        size_t chunk = b64_size - i < line ? b64_size - i : line;
        memcpy(pem + n, b64 + i, chunk);
        n += chunk;
        pem[n++] = '\n';
    }
    snprintf(pem + n, cap - n, "-----END %s-----\n", label);
    OPENSSL_free(b64);
    return pem;
}
