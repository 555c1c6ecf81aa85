/* ThreadAPI_Sleep of azure-c-shared-utility. */
#ifndef AZURE_THREADAPI_H
#define AZURE_THREADAPI_H

#ifdef __cplusplus
extern "C" {
#endif

void ThreadAPI_Sleep(unsigned int milliseconds);

#ifdef __cplusplus
}
#endif

#endif /* AZURE_THREADAPI_H */
