#include "prov_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static pdc_log_sink sink_fn;  /* NULL: stdout */
static void* sink_context;

void pdc_log_set_sink(pdc_log_sink sink, void* context)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = sink;
    sink_context = context;
    pthread_mutex_unlock(&sink_lock);
}

void pdc_log(pdc_log_level level, const char* format, ...)
{
    char message[2048];
    va_list ap;
    va_start(ap, format);
    vsnprintf(message, sizeof(message), format, ap);
    va_end(ap);
    pthread_mutex_lock(&sink_lock);
    pdc_log_sink fn = sink_fn;
    void* context = sink_context;
    pthread_mutex_unlock(&sink_lock);
    if (fn != NULL) {
        fn(level, message, context);
    } else {
        printf("%s\n", message);
        fflush(stdout);
    }
}
