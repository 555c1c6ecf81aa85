/* The log sink: where wire traces (the "logtrace" option) and diagnostics go.
 * Default: lines on stdout (as the Azure SDK's logtrace). One process-wide sink, set before
 * starting clients; thread-safe to call, the sink itself runs on the logging thread.
 * Secrets (private keys, SAS signatures) are never passed to it. */
#ifndef PDC_LOG_H
#define PDC_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pdc_log_level {
    PDC_LOG_ERROR = 0,
    PDC_LOG_INFO = 1,
    PDC_LOG_TRACE = 2
} pdc_log_level;

/* message is NUL-terminated, without a trailing newline, valid during the call only. */
typedef void (*pdc_log_sink)(pdc_log_level level, const char* message, void* context);

/* NULL restores the default (stdout). */
void pdc_log_set_sink(pdc_log_sink sink, void* context);

#ifdef __cplusplus
}
#endif

#endif /* PDC_LOG_H */
