/* platform_init/platform_deinit of azure-c-shared-utility: global library setup. */
#ifndef AZURE_PLATFORM_H
#define AZURE_PLATFORM_H

#ifdef __cplusplus
extern "C" {
#endif

/* 0 on success; reference-counted, thread-safe. */
int platform_init(void);
void platform_deinit(void);

#ifdef __cplusplus
}
#endif

#endif /* AZURE_PLATFORM_H */
