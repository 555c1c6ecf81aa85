#include "prov_json.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../common/pdc_strings.h"

int prov_json_is_valid(const char* json)
{
    cJSON* value = json ? cJSON_Parse(json) : NULL;
    int ok = value != NULL;
    cJSON_Delete(value);
    return ok;
}

char* prov_json_registration_body(const char* registration_id, const char* payload_json)
{
    cJSON* root = cJSON_CreateObject();
    char* text = NULL;
    if (root == NULL || cJSON_AddStringToObject(root, "registrationId", registration_id) == NULL) {
        goto done;
    }
    if (payload_json != NULL) {
        cJSON* payload = cJSON_Parse(payload_json);
        if (payload == NULL) {
            goto done;
        }
        cJSON_AddItemToObject(root, "payload", payload);
    }
    text = cJSON_PrintUnformatted(root);
done:
    cJSON_Delete(root);
    return text;
}

static char* string_field(const cJSON* object, const char* name)
{
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(item) ? pdc_strdup(item->valuestring) : NULL;
}

static long number_field(const cJSON* object, const char* name)
{
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 1e9) {
        return (long)item->valuedouble;
    }
    return 0;
}

void prov_parsed_response_free(prov_parsed_response* p)
{
    free(p->operation_id);
    free(p->status);
    free(p->assigned_hub);
    free(p->device_id);
    free(p->payload_json);
    free(p->error_message);
    memset(p, 0, sizeof(*p));
}

int prov_json_parse_response(const char* body, size_t size, prov_parsed_response* out)
{
    memset(out, 0, sizeof(*out));
    if (body == NULL || size == 0) {
        return -1;
    }
    cJSON* root = cJSON_ParseWithLength(body, size);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    out->operation_id = string_field(root, "operationId");
    out->status = string_field(root, "status");
    out->error_code = number_field(root, "errorCode");
    out->error_message = string_field(root, "message");
    const cJSON* state = cJSON_GetObjectItemCaseSensitive(root, "registrationState");
    if (cJSON_IsObject(state)) {
        out->assigned_hub = string_field(state, "assignedHub");
        out->device_id = string_field(state, "deviceId");
        long code = number_field(state, "errorCode");
        if (code != 0) {
            out->error_code = code;
        }
        char* message = string_field(state, "errorMessage");
        if (message != NULL) {
            free(out->error_message);
            out->error_message = message;
        }
        const cJSON* payload = cJSON_GetObjectItemCaseSensitive(state, "payload");
        if (payload != NULL && !cJSON_IsNull(payload)) {
            out->payload_json = cJSON_PrintUnformatted(payload);
        }
    }
    cJSON_Delete(root);
    return 0;
}
