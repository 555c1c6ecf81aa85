/* dice_device_enrollment: prints what to enroll in DPS for this device's DICE identity,
 * with the prompts and output of the Azure IoT C SDK tool of the same name.
 *
 *   dice_device_enrollment [--profile riot|tcg]
 *   environment: PDC_DICE_UDS = 64 hex digits (default: the public development UDS)
 *
 * 'i' prints the alias certificate (individual enrollment); 'g' prints the root CA
 * certificate, reads the verification code DPS generated for it and prints the
 * proof-of-possession certificate. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pdc/pdc_dice.h"

/* Reads one whitespace-delimited word (skipping leading whitespace) of at most max chars.
 * Returns its length, or -1 if it is longer than max or input ended first. */
static int read_word(char* buf, size_t max)
{
    int c;
    size_t n = 0;
    while ((c = getchar()) != EOF && isspace(c)) {
    }
    while (c != EOF && !isspace(c)) {
        if (n == max) {
            return -1;
        }
        buf[n++] = (char)c;
        c = getchar();
    }
    buf[n] = '\0';
    return n == 0 ? -1 : (int)n;
}

static int parse_hex(const char* text, uint8_t* out, size_t size)
{
    if (strlen(text) != 2 * size) {
        return 0;
    }
    for (size_t i = 0; i < size; i++) {
        unsigned int byte;
        if (!isxdigit((unsigned char)text[2 * i]) || !isxdigit((unsigned char)text[2 * i + 1]) ||
            sscanf(text + 2 * i, "%2x", &byte) != 1) {
            return 0;
        }
        out[i] = (uint8_t)byte;
    }
    return 1;
}

int main(int argc, char** argv)
{
    pdc_dice_options options = pdc_dice_options_default();
    uint8_t uds[PDC_DICE_UDS_SIZE];
    char error[256] = "";
    char answer[PDC_DICE_MAX_CN_LENGTH + 1];
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            const char* p = argv[++i];
            if (strcmp(p, "riot") == 0) {
                options.profile = PDC_DICE_PROFILE_RIOT;
            } else if (strcmp(p, "tcg") == 0) {
                options.profile = PDC_DICE_PROFILE_TCG;
            } else {
                fprintf(stderr, "unknown profile '%s' (riot or tcg)\n", p);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: %s [--profile riot|tcg]  (UDS from PDC_DICE_UDS, 64 hex digits)\n", argv[0]);
            return 2;
        }
    }
    const char* uds_hex = getenv("PDC_DICE_UDS");
    if (uds_hex != NULL) {
        if (!parse_hex(uds_hex, uds, sizeof(uds))) {
            fprintf(stderr, "PDC_DICE_UDS must be %d hex digits\n", 2 * PDC_DICE_UDS_SIZE);
            return 2;
        }
        options.uds = uds;
        options.uds_size = sizeof(uds);
    }

    pdc_dice_identity* identity = NULL;
    if (pdc_dice_identity_create(&options, &identity, error, sizeof(error)) != PDC_OK) {
        printf("Failure creating the DICE identity: %s\r\n", error);
        goto done;
    }

    printf("Would you like to do Individual (i) or Group (g) enrollments: ");
    fflush(stdout);
    if (read_word(answer, 1) != 1) {
        printf("Invalid option specified\r\n");
        goto done;
    }
    if (answer[0] == 'g' || answer[0] == 'G') {
        printf("root cert:\r\n%s\r\n", pdc_dice_identity_root_cert_pem(identity));
        printf("Enter the Validation Code (Press enter when finished): ");
        fflush(stdout);
        char* leaf = NULL;
        if (read_word(answer, PDC_DICE_MAX_CN_LENGTH) < 0) {
            printf("\r\nFailure with validation code: 1-%d characters expected\r\n", PDC_DICE_MAX_CN_LENGTH);
            goto done;
        }
        if (pdc_dice_identity_verification_cert(identity, answer, &leaf, error, sizeof(error)) != PDC_OK) {
            printf("\r\nFailure with validation code: %s\r\n", error);
            goto done;
        }
        printf("\r\nLeaf Certificate:\r\n%s\r\n", leaf);
        pdc_dice_free_string(leaf);
    } else {
        printf("Device certificate:\r\n%s\r\n", pdc_dice_identity_alias_cert_pem(identity));
    }
    rc = 0;
done:
    pdc_dice_identity_destroy(identity);
    OPENSSL_cleanse(uds, sizeof(uds));
    printf("Press any key to continue:\r\n");
    (void)getchar();
    return rc;
}
