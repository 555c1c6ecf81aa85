#include "prov_identity.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../common/pdc_strings.h"
#include "pdc/pdc_dice.h"

static void set_error(char* buf, size_t size, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

void prov_identity_free(prov_identity* id)
{
    free(id->cert_chain_pem);
    pdc_free_secret(id->private_key_pem);
    free(id->registration_id);
    memset(id, 0, sizeof(*id));
}

int prov_identity_from_pem(const char* cert_pem, const char* key_pem, prov_identity* out, char* error,
                           size_t error_size)
{
    memset(out, 0, sizeof(*out));
    BIO* cert_bio = BIO_new_mem_buf(cert_pem, -1);
    BIO* key_bio = BIO_new_mem_buf(key_pem, -1);
    X509* leaf = cert_bio ? PEM_read_bio_X509(cert_bio, NULL, NULL, NULL) : NULL;
    EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, NULL, NULL, NULL) : NULL;
    int rc = -1;
    char cn[256] = "";
    if (leaf == NULL) {
        set_error(error, error_size, "x509certificate: not a PEM certificate");
    } else if (key == NULL) {
        set_error(error, error_size, "x509privatekey: not a PEM private key (encrypted keys are not supported)");
    } else if (X509_check_private_key(leaf, key) != 1) {
        set_error(error, error_size, "x509privatekey does not match the x509certificate leaf");
    } else if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof(cn)) <= 0) {
        set_error(error, error_size, "x509certificate: the leaf has no subject CN (the registration id)");
    } else {
        out->cert_chain_pem = pdc_strdup(cert_pem);
        out->private_key_pem = pdc_strdup(key_pem);
        out->registration_id = pdc_strdup(cn);
        if (out->cert_chain_pem && out->private_key_pem && out->registration_id) {
            rc = 0;
        } else {
            prov_identity_free(out);
            set_error(error, error_size, "out of memory");
        }
    }
    ERR_clear_error(); /* failed PEM reads leave errors queued */
    EVP_PKEY_free(key);
    X509_free(leaf);
    BIO_free(key_bio);
    BIO_free(cert_bio);
    return rc;
}

static int parse_uds(const char* text, uint8_t uds[PDC_DICE_UDS_SIZE])
{
    if (strlen(text) != 2 * PDC_DICE_UDS_SIZE) {
        return 0;
    }
    for (size_t i = 0; i < PDC_DICE_UDS_SIZE; i++) {
        unsigned byte;
        if (!isxdigit((unsigned char)text[2 * i]) || !isxdigit((unsigned char)text[2 * i + 1]) ||
            sscanf(text + 2 * i, "%2x", &byte) != 1) {
            return 0;
        }
        uds[i] = (uint8_t)byte;
    }
    return 1;
}

int prov_identity_from_dice(prov_identity* out, char* error, size_t error_size)
{
    uint8_t uds[PDC_DICE_UDS_SIZE];
    char dice_error[256] = "";
    pdc_dice_options options = pdc_dice_options_default();
    const char* uds_text = getenv("PDC_DICE_UDS");
    memset(out, 0, sizeof(*out));
    if (uds_text != NULL && uds_text[0] != '\0') {
        if (!parse_uds(uds_text, uds)) {
            set_error(error, error_size, "PDC_DICE_UDS must be %d hex digits", 2 * PDC_DICE_UDS_SIZE);
            return -1;
        }
        options.uds = uds;
        options.uds_size = sizeof(uds);
    }
    pdc_dice_identity* dice = NULL;
    pdc_result result = pdc_dice_identity_create(&options, &dice, dice_error, sizeof(dice_error));
    OPENSSL_cleanse(uds, sizeof(uds));
    if (result != PDC_OK) {
        set_error(error, error_size, "DICE identity: %s", dice_error);
        return -1;
    }
    out->cert_chain_pem = pdc_strdup(pdc_dice_identity_chain_pem(dice));
    out->private_key_pem = pdc_strdup(pdc_dice_identity_alias_key_pem(dice));
    out->registration_id = pdc_strdup(pdc_dice_identity_registration_id(dice));
    pdc_dice_identity_destroy(dice);
    if (!out->cert_chain_pem || !out->private_key_pem || !out->registration_id) {
        prov_identity_free(out);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    return 0;
}
