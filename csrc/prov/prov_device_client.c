/* The threaded client: the LL client plus a worker thread calling DoWork under a lock. The
 * lock is recursive so a callback (which runs with it held) may call this API again, e.g.
 * to register once more; Destroy from a callback is deferred to the worker's exit. */
#include "azure_prov_client/prov_device_client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/pdc_strings.h"
#include "../common/pdc_time.h"
#include "prov_log.h"

struct PROV_DEVICE_INSTANCE_TAG {
    PROV_DEVICE_LL_HANDLE ll;
    pthread_mutex_t lock;
    pthread_t worker;
    int worker_started;
    atomic_int stop;
    atomic_int destroy_on_exit;
    atomic_uint do_work_freq_ms;
    char* payload_copy;
    char* last_response_copy;
};

static void free_instance(PROV_DEVICE_HANDLE h)
{
    Prov_Device_LL_Destroy(h->ll);
    pthread_mutex_destroy(&h->lock);
    free(h->payload_copy);
    free(h->last_response_copy);
    free(h);
}

static void* worker_main(void* arg)
{
    PROV_DEVICE_HANDLE h = arg;
    while (!atomic_load(&h->stop)) {
        pthread_mutex_lock(&h->lock);
        Prov_Device_LL_DoWork(h->ll);
        pthread_mutex_unlock(&h->lock);
        if (atomic_load(&h->stop)) {
            break;
        }
        pdc_sleep_ms(atomic_load(&h->do_work_freq_ms));
    }
    if (atomic_load(&h->destroy_on_exit)) {
        free_instance(h);  /* Destroy was called from a callback on this thread */
    }
    return NULL;
}

PROV_DEVICE_HANDLE Prov_Device_Create(const char* uri, const char* scope_id,
                                      PROV_DEVICE_TRANSPORT_PROVIDER_FUNCTION protocol)
{
    PROV_DEVICE_HANDLE h = calloc(1, sizeof(*h));
    pthread_mutexattr_t attr;
    if (h == NULL) {
        return NULL;
    }
    h->ll = Prov_Device_LL_Create(uri, scope_id, protocol);
    if (h->ll == NULL) {
        free(h);
        return NULL;
    }
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&h->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    atomic_init(&h->stop, 0);
    atomic_init(&h->destroy_on_exit, 0);
    atomic_init(&h->do_work_freq_ms, PROV_DEFAULT_DO_WORK_FREQ_MS);
    return h;
}

void Prov_Device_Destroy(PROV_DEVICE_HANDLE h)
{
    if (h == NULL) {
        return;
    }
    pthread_mutex_lock(&h->lock);
    int started = h->worker_started;
    pthread_mutex_unlock(&h->lock);
    atomic_store(&h->stop, 1);
    if (started && pthread_equal(pthread_self(), h->worker)) {
        atomic_store(&h->destroy_on_exit, 1);
        pthread_detach(h->worker);
        return;
    }
    if (started) {
        pthread_join(h->worker, NULL);
    }
    free_instance(h);
}

PROV_DEVICE_RESULT Prov_Device_Register_Device(PROV_DEVICE_HANDLE h,
                                               PROV_DEVICE_CLIENT_REGISTER_DEVICE_CALLBACK register_callback,
                                               void* user_context,
                                               PROV_DEVICE_CLIENT_REGISTER_STATUS_CALLBACK register_status_callback,
                                               void* status_user_context)
{
    if (h == NULL || register_callback == NULL) {
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    pthread_mutex_lock(&h->lock);
    PROV_DEVICE_RESULT result = Prov_Device_LL_Register_Device(h->ll, register_callback, user_context,
                                                               register_status_callback, status_user_context);
    if (result == PROV_DEVICE_RESULT_OK && !h->worker_started) {
        if (pthread_create(&h->worker, NULL, worker_main, h) == 0) {
            h->worker_started = 1;
        } else {
            pdc_log(PDC_LOG_ERROR, "Prov_Device_Register_Device: cannot start the worker thread");
            result = PROV_DEVICE_RESULT_ERROR;
        }
    }
    pthread_mutex_unlock(&h->lock);
    return result;
}

PROV_DEVICE_RESULT Prov_Device_SetOption(PROV_DEVICE_HANDLE h, const char* name, const void* value)
{
    if (h == NULL || name == NULL || value == NULL) {
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    if (strcmp(name, PROV_OPTION_DO_WORK_FREQUENCY_IN_MS) == 0) {
        uint16_t ms = *(const uint16_t*)value;
        atomic_store(&h->do_work_freq_ms, ms == 0 ? 1u : ms);
        return PROV_DEVICE_RESULT_OK;
    }
    pthread_mutex_lock(&h->lock);
    PROV_DEVICE_RESULT result = Prov_Device_LL_SetOption(h->ll, name, value);
    pthread_mutex_unlock(&h->lock);
    return result;
}

const char* Prov_Device_GetVersionString(void)
{
    return Prov_Device_LL_GetVersionString();
}

PROV_DEVICE_RESULT Prov_Device_Set_Provisioning_Payload(PROV_DEVICE_HANDLE h, const char* json)
{
    if (h == NULL) {
        return PROV_DEVICE_RESULT_INVALID_ARG;
    }
    pthread_mutex_lock(&h->lock);
    PROV_DEVICE_RESULT result = Prov_Device_LL_Set_Provisioning_Payload(h->ll, json);
    pthread_mutex_unlock(&h->lock);
    return result;
}

/* Copies a string the LL client owns into *slot (under the lock). */
static const char* copy_locked(PROV_DEVICE_HANDLE h, const char* (*get)(PROV_DEVICE_LL_HANDLE), char** slot)
{
    if (h == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    const char* value = get(h->ll);
    free(*slot);
    *slot = pdc_strdup(value);
    const char* copy = *slot;
    pthread_mutex_unlock(&h->lock);
    return copy;
}

const char* Prov_Device_Get_Provisioning_Payload(PROV_DEVICE_HANDLE h)
{
    return h ? copy_locked(h, Prov_Device_LL_Get_Provisioning_Payload, &h->payload_copy) : NULL;
}

const char* Prov_Device_Get_Last_Response(PROV_DEVICE_HANDLE h)
{
    return h ? copy_locked(h, Prov_Device_LL_Get_Last_Response, &h->last_response_copy) : NULL;
}
