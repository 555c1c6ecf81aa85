/* A minimal C test harness: each test is a function, each check records a failure
 * with its location and goes on, and main() prints "N passed, N failed". */
#ifndef PDC_CHECK_H
#define PDC_CHECK_H

#include <stdio.h>
#include <string.h>

static int pdc_check_failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            pdc_check_failures++;                                                        \
        }                                                                                \
    } while (0)

#define CHECK_STR_EQ(actual, expected)                                                   \
    do {                                                                                 \
        const char* a_ = (actual);                                                       \
        const char* e_ = (expected);                                                     \
        if (a_ == NULL || strcmp(a_, e_) != 0) {                                         \
            fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__,  \
                    e_, a_ ? a_ : "(null)");                                             \
            pdc_check_failures++;                                                        \
        }                                                                                \
    } while (0)

#define CHECK_INT_EQ(actual, expected)                                                   \
    do {                                                                                 \
        long long a_ = (long long)(actual);                                              \
        long long e_ = (long long)(expected);                                            \
        if (a_ != e_) {                                                                  \
            fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__,  \
                    #actual, e_, a_);                                                    \
            pdc_check_failures++;                                                        \
        }                                                                                \
    } while (0)

typedef struct {
    const char* name;
    void (*run)(void);
} pdc_test_case;

/* Runs every test, prints one line per failing test and the closing summary. */
static inline int pdc_run_tests(const pdc_test_case* tests, size_t count)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        int before = pdc_check_failures;
        tests[i].run();
        if (pdc_check_failures == before) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAILED: %s\n", tests[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#define PDC_TEST(fn) { #fn, fn }
#define PDC_TEST_MAIN(...)                                                               \
    int main(void)                                                                       \
    {                                                                                    \
        static const pdc_test_case tests_[] = { __VA_ARGS__ };                           \
        return pdc_run_tests(tests_, sizeof(tests_) / sizeof(tests_[0]));                \
    }

#endif /* PDC_CHECK_H */
