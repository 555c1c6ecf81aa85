/* P-256 primitives for the DICE module on OpenSSL libcrypto: public keys, PEM encodings and
 * ECDSA-SHA256 with deterministic nonces. OpenSSL 3.0 (Debian 12) has no deterministic ECDSA
 * (3.2 added it), and certificates must be byte-stable across boots (DPS individual
 * enrollments pin them), so the nonce is RFC 6979's (or, in legacy mode only, the RIoT
 * emulator's fixed one) and the signature equation runs on OpenSSL's BIGNUM/EC_POINT. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "dice_internal.h"

static EC_GROUP* p256_group(void)
{
    return EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

int p256_scalar_is_valid(const uint8_t scalar[P256_SCALAR_SIZE])
{
    EC_GROUP* group = p256_group();
    BIGNUM* d = BN_secure_new();
    int ok = group != NULL && d != NULL && BN_bin2bn(scalar, P256_SCALAR_SIZE, d) != NULL &&
             !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(group)) < 0;
    BN_clear_free(d);
    EC_GROUP_free(group);
    return ok;
}

int p256_public_key(const uint8_t scalar[P256_SCALAR_SIZE], uint8_t point[P256_POINT_SIZE])
{
    EC_GROUP* group = p256_group();
    BN_CTX* ctx = BN_CTX_secure_new();
    BIGNUM* d = BN_secure_new();
    EC_POINT* q = group ? EC_POINT_new(group) : NULL;
    int ok = group && ctx && d && q && BN_bin2bn(scalar, P256_SCALAR_SIZE, d) != NULL;
    if (ok) {
        BN_set_flags(d, BN_FLG_CONSTTIME);
        ok = EC_POINT_mul(group, q, d, NULL, NULL, ctx) == 1 &&
             EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, point, P256_POINT_SIZE, ctx) ==
                 P256_POINT_SIZE;
    }
    EC_POINT_free(q);
    BN_clear_free(d);
    BN_CTX_free(ctx);
    EC_GROUP_free(group);
    return ok;
}

static int hmac2(const uint8_t key[32], const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                 uint8_t out[32])
{
    uint8_t buf[32 + 1 + 32 + 32];
    unsigned int out_size = 0;
    if (a_size + b_size > sizeof(buf)) {
        return 0;
    }
    memcpy(buf, a, a_size);
    if (b_size > 0) {
        memcpy(buf + a_size, b, b_size);
    }
    int ok = HMAC(EVP_sha256(), key, 32, buf, a_size + b_size, out, &out_size) != NULL && out_size == 32;
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok;
}

/* RFC 6979 section 3.2 state for qlen = hlen = 256. */
typedef struct {
    uint8_t k[32];
    uint8_t v[32];
} rfc6979_state;

static int rfc6979_init(rfc6979_state* st, const uint8_t x[32], const uint8_t h1_mod_n[32])
{
    uint8_t seed[1 + 32 + 32];
    memcpy(seed + 1, x, 32);
    memcpy(seed + 33, h1_mod_n, 32);
    memset(st->v, 0x01, 32);
    memset(st->k, 0x00, 32);
    seed[0] = 0x00;
    int ok = hmac2(st->k, st->v, 32, seed, sizeof(seed), st->k) && hmac2(st->k, st->v, 32, NULL, 0, st->v);
    seed[0] = 0x01;
    ok = ok && hmac2(st->k, st->v, 32, seed, sizeof(seed), st->k) && hmac2(st->k, st->v, 32, NULL, 0, st->v);
    OPENSSL_cleanse(seed, sizeof(seed));
    return ok;
}

/* Next candidate T (step h); the caller rejects it if out of range and asks again. */
static int rfc6979_next(rfc6979_state* st, int previous_rejected, uint8_t t[32])
{
    static const uint8_t zero = 0x00;
    if (previous_rejected &&
        !(hmac2(st->k, st->v, 32, &zero, 1, st->k) && hmac2(st->k, st->v, 32, NULL, 0, st->v))) {
        return 0;
    }
    if (!hmac2(st->k, st->v, 32, NULL, 0, st->v)) {
        return 0;
    }
    memcpy(t, st->v, 32);
    return 1;
}

/* r = (kG).x mod n, s = k^-1 (e + r d) mod n. Returns 1 on success, 0 on failure and -1 when
 * r or s is zero (the caller tries another k). */
static int sign_with_k(const EC_GROUP* group, BN_CTX* ctx, const BIGNUM* d, const BIGNUM* e,
                       const BIGNUM* k, ECDSA_SIG* sig)
{
    const BIGNUM* n = EC_GROUP_get0_order(group);
    EC_POINT* kg = EC_POINT_new(group);
    BIGNUM* r = BN_new();
    BIGNUM* s = BN_secure_new();
    BIGNUM* kinv = BN_secure_new();
    BIGNUM* x = BN_new();
    int rc = 0;
    if (kg && r && s && kinv && x && EC_POINT_mul(group, kg, k, NULL, NULL, ctx) == 1 &&
        EC_POINT_get_affine_coordinates(group, kg, x, NULL, ctx) == 1 && BN_nnmod(r, x, n, ctx) == 1 &&
        BN_mod_inverse(kinv, k, n, ctx) != NULL && BN_mod_mul(s, r, d, n, ctx) == 1 &&
        BN_mod_add(s, s, e, n, ctx) == 1 && BN_mod_mul(s, s, kinv, n, ctx) == 1) {
        if (BN_is_zero(r) || BN_is_zero(s)) {
            rc = -1;
        } else if (ECDSA_SIG_set0(sig, r, s) == 1) {
            r = s = NULL;  /* owned by sig now */
            rc = 1;
        }
    }
    EC_POINT_free(kg);
    BN_free(r);
    BN_clear_free(s);
    BN_clear_free(kinv);
    BN_free(x);
    return rc;
}

int p256_sign(const uint8_t scalar[P256_SCALAR_SIZE], const uint8_t* msg, size_t msg_size,
              const uint8_t* fixed_k, uint8_t sig_out[72], size_t* sig_size)
{
    uint8_t h1[32], h1n[32], t[32];
    rfc6979_state st;
    EC_GROUP* group = p256_group();
    BN_CTX* ctx = BN_CTX_secure_new();
    BIGNUM* d = BN_secure_new();
    BIGNUM* e = BN_new();
    BIGNUM* k = BN_secure_new();
    ECDSA_SIG* sig = ECDSA_SIG_new();
    int ok = group && ctx && d && e && k && sig && BN_bin2bn(scalar, 32, d) != NULL &&
             EVP_Digest(msg, msg_size, h1, NULL, EVP_sha256(), NULL) == 1 && BN_bin2bn(h1, 32, e) != NULL &&
             BN_nnmod(e, e, EC_GROUP_get0_order(group), ctx) == 1 && BN_bn2binpad(e, h1n, 32) == 32;
    if (ok) {
        BN_set_flags(d, BN_FLG_CONSTTIME);
        BN_set_flags(k, BN_FLG_CONSTTIME);
    }
    if (ok && fixed_k != NULL) {
        ok = BN_bin2bn(fixed_k, 32, k) != NULL && sign_with_k(group, ctx, d, e, k, sig) == 1;
    } else if (ok) {
        ok = rfc6979_init(&st, scalar, h1n);
        int rejected = 0, rc = 0;
        for (int attempt = 0; ok && rc != 1 && attempt < 64; attempt++) {
            ok = rfc6979_next(&st, rejected, t) && BN_bin2bn(t, 32, k) != NULL;
            rejected = 1;
            if (ok && !BN_is_zero(k) && BN_cmp(k, EC_GROUP_get0_order(group)) < 0) {
                rc = sign_with_k(group, ctx, d, e, k, sig);
                ok = rc != 0;
            }
        }
        ok = ok && rc == 1;
        OPENSSL_cleanse(&st, sizeof(st));
    }
    if (ok) {
        int n = i2d_ECDSA_SIG(sig, NULL);
        unsigned char* p = sig_out;
        ok = n > 0 && n <= 72 && i2d_ECDSA_SIG(sig, &p) == n;
        *sig_size = ok ? (size_t)n : 0;
    }
    OPENSSL_cleanse(t, sizeof(t));
    OPENSSL_cleanse(h1n, sizeof(h1n));
    ECDSA_SIG_free(sig);
    BN_clear_free(k);
    BN_free(e);
    BN_clear_free(d);
    BN_CTX_free(ctx);
    EC_GROUP_free(group);
    return ok;
}

/* Builds an EVP_PKEY from a scalar (and its point) or from a point alone. */
static EVP_PKEY* p256_pkey(const uint8_t* scalar, const uint8_t point[P256_POINT_SIZE])
{
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = NULL;
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY* pkey = NULL;
    BIGNUM* d = NULL;
    int ok = bld && pctx &&
             OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
             OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, P256_POINT_SIZE) == 1;
    if (ok && scalar != NULL) {
        d = BN_secure_new();
        ok = d && BN_bin2bn(scalar, P256_SCALAR_SIZE, d) != NULL &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1;
    }
    ok = ok && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pctx) == 1 &&
         EVP_PKEY_fromdata(pctx, &pkey, scalar ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1;
    if (!ok) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_PARAM_free(params);  /* OSSL_PARAM_clear_free would be 3.2+; the BN copy is wiped below */
    BN_clear_free(d);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    return pkey;
}

/* Copies a memory BIO into a NUL-terminated heap string (secure heap when secret). */
static char* bio_to_string(BIO* bio, int secret)
{
    char* data = NULL;
    long size = BIO_get_mem_data(bio, &data);
    if (size <= 0) {
        return NULL;
    }
    char* s = secret ? OPENSSL_secure_malloc((size_t)size + 1) : OPENSSL_malloc((size_t)size + 1);
    if (s != NULL) {
        memcpy(s, data, (size_t)size);
        s[size] = '\0';
    }
    return s;
}

char* p256_private_key_pem(const uint8_t scalar[P256_SCALAR_SIZE])
{
    uint8_t point[P256_POINT_SIZE];
    char* pem = NULL;
    if (!p256_public_key(scalar, point)) {
        return NULL;
    }
    EVP_PKEY* pkey = p256_pkey(scalar, point);
    BIO* bio = BIO_new(BIO_s_secmem());
    if (pkey && bio && PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        pem = bio_to_string(bio, 1);
    }
    BIO_free(bio);  /* a secure-memory BIO wipes its buffer */
    EVP_PKEY_free(pkey);
    return pem;
}

char* p256_public_key_pem(const uint8_t point[P256_POINT_SIZE])
{
    char* pem = NULL;
    EVP_PKEY* pkey = p256_pkey(NULL, point);
    BIO* bio = BIO_new(BIO_s_mem());
    if (pkey && bio && PEM_write_bio_PUBKEY(bio, pkey) == 1) {
        pem = bio_to_string(bio, 0);
    }
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return pem;
}

int p256_random_scalar(uint8_t scalar[P256_SCALAR_SIZE])
{
    for (int attempt = 0; attempt < 16; attempt++) {
        if (RAND_priv_bytes(scalar, P256_SCALAR_SIZE) != 1) {
            return 0;
        }
        if (p256_scalar_is_valid(scalar)) {
            return 1;
        }
    }
    return 0;
}
