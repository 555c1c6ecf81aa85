#include "pdc/pdc_version.h"

#include "pdc_check.h"

static void version_is_semver(void)
{
    int major = -1, minor = -1, patch = -1;
    char tail = 0;
    const char* v = pdc_version_string();
    CHECK(v != NULL);
    CHECK_INT_EQ(sscanf(v, "%d.%d.%d%c", &major, &minor, &patch, &tail), 3);
    CHECK(major >= 0 && minor >= 0 && patch >= 0);
}

static void openssl_is_3(void)
{
    const char* v = pdc_openssl_version_string();
    CHECK(v != NULL && strncmp(v, "OpenSSL 3.", 10) == 0);
}

PDC_TEST_MAIN(PDC_TEST(version_is_semver), PDC_TEST(openssl_is_3))
