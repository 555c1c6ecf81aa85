#include "pdc_strings.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

char* pdc_strdup(const char* s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char* copy = malloc(n);
    if (copy != NULL) {
        memcpy(copy, s, n);
    }
    return copy;
}

void pdc_free_secret(char* s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}
