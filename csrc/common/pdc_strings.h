/* Small string helpers shared by the client's C files (heap = malloc/free). */
#ifndef PDC_STRINGS_H
#define PDC_STRINGS_H

/* A malloc'd copy of s, or NULL when s is NULL or memory runs out. */
char* pdc_strdup(const char* s);

/* Wipes a secret string (OPENSSL_cleanse) and frees it. NULL is allowed. */
void pdc_free_secret(char* s);

#endif /* PDC_STRINGS_H */
