/* DPS request and response bodies (cJSON). Pure functions: no I/O. */
#ifndef PROV_JSON_H
#define PROV_JSON_H

#include <stddef.h>

typedef struct prov_parsed_response {
    char* operation_id;   /* each field heap-allocated or NULL; free with prov_parsed_response_free */
    char* status;         /* "assigning", "assigned", "failed", "disabled", "unassigned", ... */
    char* assigned_hub;
    char* device_id;
    char* payload_json;   /* registrationState.payload, re-serialised */
    long error_code;      /* registrationState.errorCode, else top-level errorCode, else 0 */
    char* error_message;  /* registrationState.errorMessage or top-level message */
} prov_parsed_response;

/* The DeviceRegistration body: {"registrationId": id, "payload": <payload_json>} (payload
 * omitted when NULL). Heap string (free()), NULL on failure or invalid payload JSON. */
char* prov_json_registration_body(const char* registration_id, const char* payload_json);

/* Parses a RegistrationOperationStatus or an error body. Returns 0 on success, -1 when the
 * body is not a JSON object (out is then empty). Never reads past size. */
int prov_json_parse_response(const char* body, size_t size, prov_parsed_response* out);
void prov_parsed_response_free(prov_parsed_response* parsed);

/* 1 if json is a syntactically valid JSON value. */
int prov_json_is_valid(const char* json);

#endif /* PROV_JSON_H */
