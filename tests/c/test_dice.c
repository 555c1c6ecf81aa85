/* DICE engine: known answers (DiceSHA256, the emulator's intermediate digests, the legacy
 * root certificate, RFC 6979), DER writer encodings, determinism and argument checks. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dice/der_writer.h"
#include "dice/dice_certs.h"
#include "dice/dice_internal.h"
#include "pdc/pdc_dice.h"
#include "pdc_check.h"

static void to_hex(const uint8_t* b, size_t n, char* out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static void check_hex(const uint8_t* b, size_t n, const char* expected)
{
    char buf[256];
    to_hex(b, n, buf);
    CHECK_STR_EQ(buf, expected);
}

static void from_hex(const char* s, uint8_t* out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* dice-riot.md section 1.2: confirmed by running the emulator's DiceSha256.c */
static void riot_sha256_known_answers(void)
{
    uint8_t out[32], zeros[32] = {0};
    pdc_dice_riot_sha256("abc", 3, out);
    check_hex(out, 32, "bb392cd2622eecbce49cd242285d0009ef70eae1a3e43e5ec8eae7c779b9f600");
    pdc_dice_riot_sha256(zeros, sizeof(zeros), out);
    check_hex(out, 32, "d979443f77cb3530d6bd62f63a318eac88f3526e7ed95654f2384f6b15bd6206");
}

/* dice-riot.md section 5: the intermediate digests for the development inputs */
static void riot_intermediate_digests(void)
{
    dice_secrets s;
    CHECK(dice_derive(PDC_DICE_PROFILE_RIOT, dice_dev_uds, dice_dev_measurement, dice_dev_fwid, &s));
    check_hex(s.d0, 32, "2c7c9c7749b7b9ff2ae45e6dfed3778577bbe4b52e456a8ec695db4dbe322ee0");
    check_hex(s.cdi, 32, "ce1c95020a4902a87fde4dbf8977b68362a944eac301c4c6c25828c92bd80780");
    check_hex(s.ddev, 32, "f946dde38bb9757f251b7a78488f813cf076ec4399331127ff52064c46d78070");
    check_hex(s.dalias, 32, "eab69cf5a413b6fecf0757da8bf6eded932827ee8170afa4bafcef2af364c6e1");
    OPENSSL_cleanse(&s, sizeof(s));
}

/* The TCG derivation with standard SHA-256: D0 and CDI equal the values dice-riot.md gives
 * for "standard SHA-256 in the first two steps". */
static void tcg_uses_standard_sha256(void)
{
    dice_secrets s;
    char buf[65];
    CHECK(dice_derive(PDC_DICE_PROFILE_TCG, dice_dev_uds, dice_dev_measurement, dice_dev_fwid, &s));
    to_hex(s.d0, 32, buf);
    CHECK(strncmp(buf, "6812880a", 8) == 0 && strcmp(buf + 56, "78a4b8dc") == 0);
    to_hex(s.cdi, 32, buf);
    CHECK(strncmp(buf, "31071c86", 8) == 0 && strcmp(buf + 56, "2531e3ea") == 0);
    OPENSSL_cleanse(&s, sizeof(s));
}

/* The development root key of dice-riot.md 1.6 (little-endian reading) is a valid pair. */
static void riot_dev_root_point(void)
{
    uint8_t point[P256_POINT_SIZE];
    CHECK(p256_public_key(dice_riot_dev_root_key, point));
    check_hex(point + 1, 32, "69ab5a26a1520fc9ec5da595f49748b9fed23d09c59d1fa750d39449c8fc9ceb");
    check_hex(point + 33, 32, "df1e5bb0fd9e469a63d237e504fbd4faa2704fb1059ead9ad53cf83962b1ce7d");
}

/* RFC 6979 A.2.5, P-256 with SHA-256, message "sample". */
static void rfc6979_p256_sha256_vector(void)
{
    uint8_t x[32], sig[72];
    size_t sig_size = 0;
    from_hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", x);
    CHECK(p256_sign(x, (const uint8_t*)"sample", 6, NULL, sig, &sig_size));
    const unsigned char* p = sig;
    ECDSA_SIG* es = d2i_ECDSA_SIG(NULL, &p, (long)sig_size);
    CHECK(es != NULL);
    if (es != NULL) {
        uint8_t r[32], s[32];
        BN_bn2binpad(ECDSA_SIG_get0_r(es), r, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), s, 32);
        check_hex(r, 32, "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
        check_hex(s, 32, "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
        ECDSA_SIG_free(es);
    }
}

static void der_writer_encodings(void)
{
    der_writer w;
    uint8_t big[200];
    memset(big, 0xAB, sizeof(big));
    der_init(&w);
    der_integer_u64(&w, 0);
    der_integer_u64(&w, 0x80);
    der_begin(&w, DER_SEQUENCE);
    der_raw(&w, big, sizeof(big));
    der_end(&w);
    CHECK(!w.failed);
    const uint8_t expected_head[] = {0x02, 0x01, 0x00, 0x02, 0x02, 0x00, 0x80, 0x30, 0x81, 0xC8, 0xAB};
    CHECK_INT_EQ(w.size, sizeof(expected_head) - 1 + sizeof(big));
    CHECK(memcmp(w.data, expected_head, sizeof(expected_head)) == 0);
    der_end(&w); /* unbalanced: latches failure */
    CHECK(w.failed);
    der_free(&w);
}

static char* der_sha256_of_pem(const char* pem, size_t* der_size)
{
    BIO* bio = BIO_new_mem_buf(pem, -1);
    X509* cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    unsigned char* der = NULL;
    int n = cert ? i2d_X509(cert, &der) : -1;
    uint8_t digest[32];
    static char hexbuf[65];
    hexbuf[0] = '\0';
    if (n > 0 && EVP_Digest(der, (size_t)n, digest, NULL, EVP_sha256(), NULL) == 1) {
        to_hex(digest, 32, hexbuf);
        *der_size = (size_t)n;
    }
    OPENSSL_free(der);
    X509_free(cert);
    BIO_free(bio);
    return hexbuf;
}

/* dice-riot.md section 5: the emulator's root certificate, 385 bytes. */
static void legacy_bytes_root_certificate(void)
{
    pdc_dice_identity* id = NULL;
    size_t size = 0;
    CHECK(pdc_dice_identity_create(NULL, &id, NULL, 0) == PDC_OK);
    if (id == NULL) {
        return;
    }
    CHECK(pdc_dice_identity_is_legacy_bytes(id));
    CHECK_STR_EQ(der_sha256_of_pem(pdc_dice_identity_root_cert_pem(id), &size),
                 "0b437edbc67b65f825491113dcbcafb0296c83607c442df1014921daa107bdf6");
    CHECK_INT_EQ(size, 385);
    der_sha256_of_pem(pdc_dice_identity_deviceid_cert_pem(id), &size);
    CHECK_INT_EQ(size, 393);
    der_sha256_of_pem(pdc_dice_identity_alias_cert_pem(id), &size);
    CHECK_INT_EQ(size, 548);
    CHECK_STR_EQ(pdc_dice_identity_registration_id(id), "riot-device-cert");
    pdc_dice_identity_destroy(id);
}

static pdc_dice_identity* make(pdc_dice_profile profile, const uint8_t* uds)
{
    pdc_dice_options o = pdc_dice_options_default();
    pdc_dice_identity* id = NULL;
    o.profile = profile;
    o.uds = uds;
    o.uds_size = uds ? PDC_DICE_UDS_SIZE : 0;
    CHECK(pdc_dice_identity_create(&o, &id, NULL, 0) == PDC_OK);
    return id;
}

static void deterministic_and_uds_sensitive(void)
{
    uint8_t uds_a[32], uds_b[32];
    memset(uds_a, 0x11, sizeof(uds_a));
    memcpy(uds_b, uds_a, sizeof(uds_b));
    uds_b[31] ^= 1;
    for (int profile = 0; profile < 2; profile++) {
        pdc_dice_identity* a1 = make((pdc_dice_profile)profile, uds_a);
        pdc_dice_identity* a2 = make((pdc_dice_profile)profile, uds_a);
        pdc_dice_identity* b = make((pdc_dice_profile)profile, uds_b);
        if (a1 && a2 && b) {
            CHECK(!pdc_dice_identity_is_legacy_bytes(a1));
            CHECK_STR_EQ(pdc_dice_identity_chain_pem(a1), pdc_dice_identity_chain_pem(a2));
            CHECK_STR_EQ(pdc_dice_identity_alias_key_pem(a1), pdc_dice_identity_alias_key_pem(a2));
            CHECK(strcmp(pdc_dice_identity_alias_key_pem(a1), pdc_dice_identity_alias_key_pem(b)) != 0);
            CHECK(strcmp(pdc_dice_identity_deviceid_public_key_pem(a1),
                         pdc_dice_identity_deviceid_public_key_pem(b)) != 0);
        }
        pdc_dice_identity_destroy(a1);
        pdc_dice_identity_destroy(a2);
        pdc_dice_identity_destroy(b);
    }
}

static void rejects_bad_options(void)
{
    char err[256];
    uint8_t uds[32];
    memset(uds, 7, sizeof(uds));
    pdc_dice_identity* id = (pdc_dice_identity*)&err; /* must be reset to NULL on failure */
    pdc_dice_options o = pdc_dice_options_default();

    o.uds = uds;
    o.uds_size = 31;
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
    CHECK(id == NULL);
    CHECK(strstr(err, "32 bytes") != NULL);

    o.uds_size = 32;
    o.legacy_bytes = PDC_DICE_LEGACY_ON;
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_NOT_ALLOWED);
    CHECK(strstr(err, "fixed ECDSA nonce") != NULL);

    o = pdc_dice_options_default();
    o.profile = PDC_DICE_PROFILE_TCG;
    o.legacy_bytes = PDC_DICE_LEGACY_ON;
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_NOT_ALLOWED);

    o = pdc_dice_options_default();
    o.registration_id = "bad id with spaces";
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
    o.registration_id = "";
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);

    o = pdc_dice_options_default();
    o.root_cert_pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
    o.root_key_pem = "not a key";
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_BAD_CERTIFICATE);
    CHECK(id == NULL);

    o = pdc_dice_options_default();
    o.profile = (pdc_dice_profile)7;
    CHECK(pdc_dice_identity_create(&o, &id, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
    CHECK(pdc_dice_identity_create(NULL, NULL, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
}

static void verification_certificate(void)
{
    char err[256];
    char* pem = NULL;
    pdc_dice_identity* id = make(PDC_DICE_PROFILE_TCG, NULL);
    if (id == NULL) {
        return;
    }
    CHECK(pdc_dice_identity_verification_cert(id, "", &pem, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
    CHECK(pdc_dice_identity_verification_cert(id, "has space", &pem, err, sizeof(err)) == PDC_ERROR_INVALID_ARG);
    CHECK(pem == NULL);
    const char* code = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    CHECK(pdc_dice_identity_verification_cert(id, code, &pem, err, sizeof(err)) == PDC_OK);
    CHECK(pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL);
    pdc_dice_free_string(pem);
    pdc_dice_identity_destroy(id);
}

static void result_names(void)
{
    CHECK_STR_EQ(pdc_result_name(PDC_OK), "OK");
    CHECK_STR_EQ(pdc_result_name(PDC_ERROR_NOT_ALLOWED), "ERROR_NOT_ALLOWED");
    CHECK_STR_EQ(pdc_result_name((pdc_result)99), "UNKNOWN");
}

PDC_TEST_MAIN(PDC_TEST(riot_sha256_known_answers), PDC_TEST(riot_intermediate_digests),
              PDC_TEST(tcg_uses_standard_sha256), PDC_TEST(riot_dev_root_point),
              PDC_TEST(rfc6979_p256_sha256_vector), PDC_TEST(der_writer_encodings),
              PDC_TEST(legacy_bytes_root_certificate), PDC_TEST(deterministic_and_uds_sensitive),
              PDC_TEST(rejects_bad_options), PDC_TEST(verification_certificate), PDC_TEST(result_names))
