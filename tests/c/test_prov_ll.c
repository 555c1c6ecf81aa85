/* The LL registration state machine against a scripted fake transport and a fake clock:
 * every branch (assignment, polling, retry-after forms, 429/5xx storms, malformed and
 * oversize bodies, failures with each error code, disabled, timeout, transport failure,
 * destroy mid-flight, re-registration, options). */
#include <stdlib.h>
#include <string.h>

#include "azure_c_shared_utility/shared_util_options.h"
#include "azure_prov_client/prov_device_ll_client.h"
#include "azure_prov_client/prov_security_factory.h"
#include "pdc/pdc_log.h"
#include "pdc_check.h"
#include "prov/prov_json.h"
#include "prov/prov_ll_testing.h"
#include "prov/prov_retry.h"
#include "prov/prov_transport.h"

/* ---- fake clock and transport ----------------------------------------------------------- */
static uint64_t now_ms;
static uint64_t fake_clock(void* context)
{
    (void)context;
    return now_ms;
}

typedef struct {
    int fail_send;       /* send() fails */
    int fail;            /* do_work reports a transport failure */
    int status;
    const char* body;
    const char* retry_after;
    int pending_rounds;  /* PENDING this many times first */
    int oversize;
} step;

static const step* script;
static size_t script_len, script_pos;
static int pending_left;
static prov_request_kind sent_kinds[64];
static char sent_ops[64][96];
static char last_body[512];
static uint64_t sent_at[64];
static size_t sent_count;
static int transports_alive;

static void* fake_create(const prov_transport_config* c, char* error, size_t size)
{
    (void)c;
    (void)error;
    (void)size;
    transports_alive++;
    return &script_pos;
}

static void fake_destroy(void* t)
{
    (void)t;
    transports_alive--;
}

static int fake_send(void* t, const prov_request* r, char* error, size_t size)
{
    (void)t;
    if (script_pos < script_len && script[script_pos].fail_send) {
        snprintf(error, size, "scripted send failure");
        script_pos++;
        return -1;
    }
    if (sent_count < 64) {
        sent_at[sent_count] = now_ms;
        sent_kinds[sent_count] = r->kind;
        snprintf(sent_ops[sent_count], sizeof(sent_ops[0]), "%s", r->operation_id ? r->operation_id : "");
    }
    sent_count++;
    snprintf(last_body, sizeof(last_body), "%s", r->body ? r->body : "");
    pending_left = script_pos < script_len ? script[script_pos].pending_rounds : 0;
    return 0;
}

static prov_transfer_state fake_do_work(void* t, prov_response* response)
{
    (void)t;
    if (pending_left > 0) {
        pending_left--;
        return PROV_TRANSFER_PENDING;
    }
    if (script_pos >= script_len) {
        return PROV_TRANSFER_PENDING;  /* the server never answers */
    }
    const step* s = &script[script_pos++];
    if (s->fail) {
        snprintf(response->error, sizeof(response->error), "scripted connection reset");
        return PROV_TRANSFER_FAILED;
    }
    response->status_code = s->status;
    response->oversize = s->oversize;
    if (s->body != NULL) {
        response->body = strdup(s->body);
        response->body_size = strlen(s->body);
    }
    snprintf(response->retry_after, sizeof(response->retry_after), "%s", s->retry_after ? s->retry_after : "");
    return PROV_TRANSFER_DONE;
}

static const PROV_DEVICE_TRANSPORT_PROVIDER fake_provider = {"FAKE", fake_create, fake_destroy, fake_send, fake_do_work};
static const PROV_DEVICE_TRANSPORT_PROVIDER* fake_protocol(void)
{
    return &fake_provider;
}

/* ---- callbacks ----------------------------------------------------------------------------- */
static int callbacks;
static PROV_DEVICE_RESULT last_result;
static char last_hub[128], last_device[128];
static PROV_DEVICE_REG_STATUS statuses[64];
static size_t status_count;

static void on_register(PROV_DEVICE_RESULT result, const char* hub, const char* device, void* context)
{
    (void)context;
    callbacks++;
    last_result = result;
    snprintf(last_hub, sizeof(last_hub), "%s", hub ? hub : "(null)");
    snprintf(last_device, sizeof(last_device), "%s", device ? device : "(null)");
}

static void on_status(PROV_DEVICE_REG_STATUS status, void* context)
{
    (void)context;
    if (status_count < 64) {
        statuses[status_count] = status;
    }
    status_count++;
}

static PROV_DEVICE_LL_HANDLE start(const step* steps, size_t n)
{
    script = steps;
    script_len = n;
    script_pos = 0;
    pending_left = 0;
    sent_count = 0;
    callbacks = 0;
    status_count = 0;
    now_ms = 1000000;
    last_hub[0] = last_device[0] = '\0';
    PROV_DEVICE_LL_HANDLE h = Prov_Device_LL_Create("dps.example.net", "0ne00000001", fake_protocol);
    CHECK(h != NULL);
    prov_ll_set_clock(h, fake_clock, NULL);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, on_status, NULL), PROV_DEVICE_RESULT_OK);
    return h;
}

/* Runs DoWork at 10 ms steps until the callback or the time limit. */
static void run_for(PROV_DEVICE_LL_HANDLE h, uint64_t ms)
{
    uint64_t end = now_ms + ms;
    while (callbacks == 0 && now_ms < end) {
        Prov_Device_LL_DoWork(h);
        now_ms += 10;
    }
}

#define ASSIGNING(op, ra) {0, 0, 202, "{\"operationId\":\"" op "\",\"status\":\"assigning\"}", ra, 0, 0}
#define ASSIGNED {0, 0, 200, "{\"operationId\":\"op1\",\"status\":\"assigned\",\"registrationState\":{\"assignedHub\":\"hub.example.net\",\"deviceId\":\"dev-1\",\"payload\":{\"k\":1}}}", NULL, 0, 0}
#define STEPS(...) (const step[]){__VA_ARGS__}, sizeof((const step[]){__VA_ARGS__}) / sizeof(step)

static void assigned_after_polling(void)
{
    PROV_DEVICE_LL_HANDLE h = start(STEPS(ASSIGNING("op1", "3"), ASSIGNING("op1", "3"), ASSIGNED));
    run_for(h, 2000);
    CHECK_INT_EQ(sent_count, 1);          /* retry-after 3 s: no poll yet */
    run_for(h, 10000);
    CHECK_INT_EQ(callbacks, 1);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_OK);
    CHECK_STR_EQ(last_hub, "hub.example.net");
    CHECK_STR_EQ(last_device, "dev-1");
    CHECK_INT_EQ(sent_count, 3);
    CHECK(sent_kinds[0] == PROV_REQUEST_REGISTER && sent_kinds[1] == PROV_REQUEST_STATUS);
    CHECK_STR_EQ(sent_ops[2], "op1");
    CHECK_INT_EQ(status_count, 3);
    CHECK(statuses[0] == PROV_DEVICE_REG_STATUS_CONNECTED && statuses[1] == PROV_DEVICE_REG_STATUS_ASSIGNING);
    CHECK_STR_EQ(Prov_Device_LL_Get_Provisioning_Payload(h), "{\"k\":1}");
    CHECK(strstr(Prov_Device_LL_Get_Last_Response(h), "\"status\":\"assigned\"") != NULL);
    CHECK_INT_EQ(transports_alive, 0);    /* closed after completion */
    run_for(h, 5000);
    CHECK_INT_EQ(callbacks, 1);           /* exactly one */
    Prov_Device_LL_Destroy(h);
}

static void throttling_storm_resends_the_same_request(void)
{
    const char* busy = "{\"errorCode\":429001,\"message\":\"Too many requests\"}";
    PROV_DEVICE_LL_HANDLE h = start(STEPS({0, 0, 429, busy, "1", 0, 0}, {0, 0, 429, busy, "1", 0, 0},
                                          {0, 0, 503, NULL, NULL, 0, 0}, ASSIGNING("op9", "1"),
                                          {0, 0, 429, busy, "2", 0, 0}, ASSIGNED));
    run_for(h, 30000);
    CHECK_INT_EQ(callbacks, 1);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(sent_count, 6);
    for (int i = 0; i < 4; i++) {
        CHECK(sent_kinds[i] == PROV_REQUEST_REGISTER);
    }
    CHECK(sent_kinds[4] == PROV_REQUEST_STATUS && sent_kinds[5] == PROV_REQUEST_STATUS);
    Prov_Device_LL_Destroy(h);
}

static void server_errors_back_off_exponentially(void)
{
    PROV_DEVICE_LL_HANDLE h = start(STEPS({0, 0, 500, NULL, NULL, 0, 0}, {0, 0, 502, NULL, NULL, 0, 0}, ASSIGNED));
    run_for(h, 10000);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(sent_count, 3);
    /* no retry-after: 1 s then 2 s, each plus up to 1 s of jitter (and one 10 ms DoWork step) */
    uint64_t first = sent_at[1] - sent_at[0], second = sent_at[2] - sent_at[1];
    CHECK(first >= 1000 && first < 2020);
    CHECK(second >= 2000 && second < 3020);
    Prov_Device_LL_Destroy(h);
}

static void expect_result(const step* steps, size_t n, PROV_DEVICE_RESULT expected)
{
    PROV_DEVICE_LL_HANDLE h = start(steps, n);
    run_for(h, 20000);
    CHECK_INT_EQ(callbacks, 1);
    CHECK_INT_EQ(last_result, expected);
    CHECK_STR_EQ(last_hub, "(null)");
    Prov_Device_LL_Destroy(h);
}

static void error_mapping(void)
{
    expect_result(STEPS({0, 0, 200, "{not json", NULL, 0, 0}), PROV_DEVICE_RESULT_PARSING);
    expect_result(STEPS({0, 0, 200, "[]", NULL, 0, 0}), PROV_DEVICE_RESULT_PARSING);
    expect_result(STEPS({0, 0, 202, "{\"status\":\"assigning\"}", NULL, 0, 0}), PROV_DEVICE_RESULT_PARSING);
    expect_result(STEPS({0, 0, 200, "{\"operationId\":\"x\",\"status\":\"assigned\",\"registrationState\":{}}", NULL, 0, 0}),
                  PROV_DEVICE_RESULT_PARSING);
    expect_result(STEPS({0, 0, 200, "{\"operationId\":\"x\",\"status\":\"weird\"}", NULL, 0, 0}), PROV_DEVICE_RESULT_PARSING);
    expect_result(STEPS({0, 0, 200, NULL, NULL, 0, 1}), PROV_DEVICE_RESULT_PARSING); /* oversize */
    expect_result(STEPS({0, 0, 200, "{\"operationId\":\"\",\"status\":\"disabled\"}", NULL, 0, 0}),
                  PROV_DEVICE_RESULT_DISABLED);
    expect_result(STEPS(ASSIGNING("o", "1"), {0, 0, 200, "{\"operationId\":\"o\",\"status\":\"failed\",\"registrationState\":{\"errorCode\":400208}}", NULL, 0, 0}),
                  PROV_DEVICE_RESULT_HUB_NOT_SPECIFIED);
    expect_result(STEPS({0, 0, 200, "{\"operationId\":\"o\",\"status\":\"failed\",\"registrationState\":{\"errorCode\":400209}}", NULL, 0, 0}),
                  PROV_DEVICE_RESULT_UNAUTHORIZED);
    expect_result(STEPS({0, 0, 200, "{\"operationId\":\"o\",\"status\":\"failed\",\"registrationState\":{\"errorCode\":400207,\"errorMessage\":\"Custom allocation failed\"}}", NULL, 0, 0}),
                  PROV_DEVICE_RESULT_DEV_AUTH_ERROR);
    expect_result(STEPS({0, 0, 200, "{\"operationId\":\"o\",\"status\":\"blacklisted\"}", NULL, 0, 0}), PROV_DEVICE_RESULT_ERROR);
    expect_result(STEPS({0, 0, 401, "{\"errorCode\":401002,\"message\":\"Invalid certificate.\"}", NULL, 0, 0}),
                  PROV_DEVICE_RESULT_DEV_AUTH_ERROR);
    expect_result(STEPS({0, 0, 404, "{\"errorCode\":404201}", NULL, 0, 0}), PROV_DEVICE_RESULT_DEV_AUTH_ERROR);
    expect_result(STEPS({0, 0, 400, "{\"errorCode\":400209}", NULL, 0, 0}), PROV_DEVICE_RESULT_UNAUTHORIZED);
    expect_result(STEPS({0, 0, 400, "{\"errorCode\":400001}", NULL, 0, 0}), PROV_DEVICE_RESULT_ERROR);
    expect_result(STEPS({0, 0, 302, NULL, NULL, 0, 0}), PROV_DEVICE_RESULT_ERROR);
    expect_result(STEPS({0, 1, 0, NULL, NULL, 0, 0}), PROV_DEVICE_RESULT_TRANSPORT);
    expect_result(STEPS({1, 0, 0, NULL, NULL, 0, 0}), PROV_DEVICE_RESULT_TRANSPORT);
    expect_result(STEPS(ASSIGNING("o", "1"), {0, 1, 0, NULL, NULL, 0, 0}), PROV_DEVICE_RESULT_TRANSPORT);
}

static void unassigned_reports_registering_and_polls(void)
{
    PROV_DEVICE_LL_HANDLE h = start(STEPS({0, 0, 202, "{\"operationId\":\"u1\",\"status\":\"unassigned\"}", "1", 0, 0}, ASSIGNED));
    run_for(h, 5000);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_OK);
    CHECK(status_count >= 2 && statuses[1] == PROV_DEVICE_REG_STATUS_REGISTERING);
    Prov_Device_LL_Destroy(h);
}

static void timeout_is_on_by_default_and_configurable(void)
{
    /* the server never answers: the default 60 s timeout ends it */
    PROV_DEVICE_LL_HANDLE h = start(STEPS({0, 0, 200, NULL, NULL, 1 << 30, 0}));
    run_for(h, 59000);
    CHECK_INT_EQ(callbacks, 0);
    run_for(h, 2000);
    CHECK_INT_EQ(callbacks, 1);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_TIMEOUT);
    CHECK_INT_EQ(transports_alive, 0);
    /* polling for ever, 5 s timeout */
    static const step forever[] = {ASSIGNING("f", "1"), ASSIGNING("f", "1"), ASSIGNING("f", "1"), ASSIGNING("f", "1"),
                                   ASSIGNING("f", "1"), ASSIGNING("f", "1"), ASSIGNING("f", "1"), ASSIGNING("f", "1")};
    script = forever;
    script_len = 8;
    script_pos = 0;
    callbacks = 0;
    uint8_t timeout = 5;
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, PROV_OPTION_TIMEOUT, &timeout), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_OK);
    run_for(h, 4900);
    CHECK_INT_EQ(callbacks, 0);
    run_for(h, 300);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_TIMEOUT);
    Prov_Device_LL_Destroy(h);
}

static void transient_retries_are_capped_without_timeout(void)
{
    static step storm[40];
    for (int i = 0; i < 40; i++) {
        storm[i] = (step){0, 0, 503, NULL, "1", 0, 0};
    }
    PROV_DEVICE_LL_HANDLE h = start(storm, 40);
    uint8_t no_timeout = 0;
    Prov_Device_LL_SetOption(h, PROV_OPTION_TIMEOUT, &no_timeout);
    run_for(h, 200000);
    CHECK_INT_EQ(callbacks, 1);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_ERROR);
    CHECK_INT_EQ(sent_count, 33);
    Prov_Device_LL_Destroy(h);
}

static void destroy_mid_flight_is_safe(void)
{
    PROV_DEVICE_LL_HANDLE h = start(STEPS(ASSIGNING("d", "1"), ASSIGNED));
    run_for(h, 100);
    CHECK_INT_EQ(transports_alive, 1);
    Prov_Device_LL_Destroy(h);
    CHECK_INT_EQ(callbacks, 0);
    CHECK_INT_EQ(transports_alive, 0);
}

static void register_again_on_the_same_handle(void)
{
    static const step steps[] = {{0, 0, 401, "{}", NULL, 0, 0}, ASSIGNED};
    PROV_DEVICE_LL_HANDLE h = start(steps, 2);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_INVALID_STATE);
    run_for(h, 1000);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_DEV_AUTH_ERROR);
    callbacks = 0;
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_OK);
    run_for(h, 1000);
    CHECK_INT_EQ(callbacks, 1);
    CHECK_INT_EQ(last_result, PROV_DEVICE_RESULT_OK);
    Prov_Device_LL_Destroy(h);
}

static void payload_and_registration_id_reach_the_body(void)
{
    script = (const step[]){ASSIGNED};
    script_len = 1;
    script_pos = 0;
    sent_count = 0;
    callbacks = 0;
    PROV_DEVICE_LL_HANDLE h = Prov_Device_LL_Create("dps.example.net:8443", "0ne00000001", fake_protocol);
    prov_ll_set_clock(h, fake_clock, NULL);
    CHECK_INT_EQ(Prov_Device_LL_Set_Provisioning_Payload(h, "{\"model\":\"x\"}"), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_Set_Provisioning_Payload(h, "{broken"), PROV_DEVICE_RESULT_INVALID_ARG);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, PROV_REGISTRATION_ID, "custom-id"), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, PROV_REGISTRATION_ID, "late"), PROV_DEVICE_RESULT_ERROR);
    run_for(h, 1000);
    CHECK_STR_EQ(last_body, "{\"registrationId\":\"custom-id\",\"payload\":{\"model\":\"x\"}}");
    Prov_Device_LL_Destroy(h);
}

static void options_and_arguments(void)
{
    PROV_DEVICE_LL_HANDLE h = Prov_Device_LL_Create("dps.example.net", "0ne00000001", fake_protocol);
    bool on = true;
    HTTP_PROXY_OPTIONS proxy = {"proxy.local", 8888, "user", "pw"};
    HTTP_PROXY_OPTIONS half_auth = {"proxy.local", 8888, "user", NULL};
    HTTP_PROXY_OPTIONS bad_port = {"proxy.local", 0, NULL, NULL};
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, PROV_OPTION_LOG_TRACE, &on), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, OPTION_TRUSTED_CERT, "-----BEGIN CERTIFICATE-----"), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, OPTION_HTTP_PROXY, &proxy), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, OPTION_HTTP_PROXY, &half_auth), PROV_DEVICE_RESULT_ERROR);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, OPTION_HTTP_PROXY, &bad_port), PROV_DEVICE_RESULT_ERROR);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, "no_such_option", &on), PROV_DEVICE_RESULT_ERROR);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, NULL, &on), PROV_DEVICE_RESULT_INVALID_ARG);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(NULL, PROV_OPTION_LOG_TRACE, &on), PROV_DEVICE_RESULT_INVALID_ARG);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, NULL, NULL, NULL, NULL), PROV_DEVICE_RESULT_INVALID_ARG);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(NULL, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_INVALID_ARG);
    /* a certificate without its key is refused at registration */
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, OPTION_X509_CERT, "-----BEGIN CERTIFICATE-----"), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_ERROR);
    CHECK_INT_EQ(Prov_Device_LL_SetOption(h, OPTION_X509_PRIVATE_KEY, "not a key"), PROV_DEVICE_RESULT_OK);
    CHECK_INT_EQ(Prov_Device_LL_Register_Device(h, on_register, NULL, NULL, NULL), PROV_DEVICE_RESULT_ERROR);
    Prov_Device_LL_Destroy(h);
    Prov_Device_LL_Destroy(NULL);
    CHECK(Prov_Device_LL_GetVersionString() != NULL);
}

static void uri_forms(void)
{
    const char* good[] = {"global.azure-devices-provisioning.net", "localhost:8443", "[::1]:443", "10.0.0.1"};
    const char* bad[] = {"", "https://x", "host:", "host:0", "host:70000", "host:12ab", "::1", "[::1", "[::1]x"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        PROV_DEVICE_LL_HANDLE h = Prov_Device_LL_Create(good[i], "scope", fake_protocol);
        CHECK(h != NULL);
        Prov_Device_LL_Destroy(h);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(Prov_Device_LL_Create(bad[i], "scope", fake_protocol) == NULL);
    }
    CHECK(Prov_Device_LL_Create("host", "", fake_protocol) == NULL);
    CHECK(Prov_Device_LL_Create("host", "scope", NULL) == NULL);
}

static void retry_after_forms(void)
{
    CHECK_INT_EQ(prov_retry_after_seconds("3"), 3);
    CHECK_INT_EQ(prov_retry_after_seconds(" 7"), 7);
    CHECK_INT_EQ(prov_retry_after_seconds("0"), 1);
    CHECK_INT_EQ(prov_retry_after_seconds("100000000000000000000"), 300);
    CHECK_INT_EQ(prov_retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), PROV_RETRY_AFTER_DEFAULT_S);
    CHECK_INT_EQ(prov_retry_after_seconds(""), PROV_RETRY_AFTER_DEFAULT_S);
    CHECK_INT_EQ(prov_retry_after_seconds(NULL), PROV_RETRY_AFTER_DEFAULT_S);
    CHECK_INT_EQ(prov_retry_after_seconds("5s"), 5);
    CHECK(prov_backoff_ms(0, NULL, 0) == 1000 && prov_backoff_ms(3, NULL, 999) == 8999);
    CHECK(prov_backoff_ms(20, NULL, 0) == 60000 && prov_backoff_ms(0, "4", 1) == 4001);
}

static void result_and_status_names(void)
{
    CHECK_STR_EQ(Prov_Device_Result_Name(PROV_DEVICE_RESULT_DISABLED), "PROV_DEVICE_RESULT_DISABLED");
    CHECK_STR_EQ(Prov_Device_Reg_Status_Name(PROV_DEVICE_REG_HUB_NOT_SPECIFIED), "PROV_DEVICE_REG_HUB_NOT_SPECIFIED");
    CHECK_STR_EQ(Prov_Device_Result_Name((PROV_DEVICE_RESULT)42), "UNKNOWN");
}

static void quiet(pdc_log_level level, const char* message, void* context)
{
    (void)level;
    (void)message;
    (void)context;
}

static void setup(void)
{
    pdc_log_set_sink(quiet, NULL);
    CHECK_INT_EQ(prov_dev_security_init(SECURE_DEVICE_TYPE_X509), 0);
    CHECK(prov_dev_security_init(SECURE_DEVICE_TYPE_TPM) != 0);
    CHECK_INT_EQ(prov_dev_security_get_type(), SECURE_DEVICE_TYPE_X509);
}

PDC_TEST_MAIN(PDC_TEST(setup), PDC_TEST(assigned_after_polling), PDC_TEST(throttling_storm_resends_the_same_request),
              PDC_TEST(server_errors_back_off_exponentially), PDC_TEST(error_mapping),
              PDC_TEST(unassigned_reports_registering_and_polls), PDC_TEST(timeout_is_on_by_default_and_configurable),
              PDC_TEST(transient_retries_are_capped_without_timeout), PDC_TEST(destroy_mid_flight_is_safe),
              PDC_TEST(register_again_on_the_same_handle), PDC_TEST(payload_and_registration_id_reach_the_body),
              PDC_TEST(options_and_arguments), PDC_TEST(uri_forms), PDC_TEST(retry_after_forms),
              PDC_TEST(result_and_status_names))
