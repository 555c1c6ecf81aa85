/* header: pdc/pdc_log.h */
typedef enum pdc_log_level { PDC_LOG_ERROR, PDC_LOG_INFO, PDC_LOG_TRACE, ... } pdc_log_level;
typedef void (*pdc_log_sink)(pdc_log_level level, const char* message, void* context);
void pdc_log_set_sink(pdc_log_sink sink, void* context);

extern "Python" void _pdc_log_sink(pdc_log_level level, const char* message, void* context);
