/* header: pdc/pdc_dice.h */
#define PDC_DICE_UDS_SIZE ...
#define PDC_DICE_DIGEST_SIZE ...
#define PDC_DICE_MAX_CN_LENGTH ...

typedef enum pdc_dice_profile { PDC_DICE_PROFILE_RIOT, PDC_DICE_PROFILE_TCG, ... } pdc_dice_profile;
typedef enum pdc_dice_legacy_bytes {
    PDC_DICE_LEGACY_AUTO, PDC_DICE_LEGACY_OFF, PDC_DICE_LEGACY_ON, ...
} pdc_dice_legacy_bytes;

typedef struct pdc_dice_options {
    pdc_dice_profile profile;
    const uint8_t* uds;
    size_t uds_size;
    const uint8_t* measurement;
    const uint8_t* fwid;
    const char* registration_id;
    pdc_dice_legacy_bytes legacy_bytes;
    const char* root_cert_pem;
    const char* root_key_pem;
    const char* tcb_vendor;
    const char* tcb_model;
    const char* tcb_version;
    int64_t tcb_svn;
    int64_t tcb_layer;
    ...;
} pdc_dice_options;

pdc_dice_options pdc_dice_options_default(void);

typedef struct pdc_dice_identity pdc_dice_identity;

pdc_result pdc_dice_identity_create(const pdc_dice_options* options, pdc_dice_identity** identity_out,
                                    char* error_message, size_t error_message_size);
void pdc_dice_identity_destroy(pdc_dice_identity* identity);
const char* pdc_dice_identity_registration_id(const pdc_dice_identity* identity);
const char* pdc_dice_identity_alias_cert_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_deviceid_cert_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_root_cert_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_chain_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_alias_key_pem(const pdc_dice_identity* identity);
const char* pdc_dice_identity_deviceid_public_key_pem(const pdc_dice_identity* identity);
pdc_dice_profile pdc_dice_identity_profile(const pdc_dice_identity* identity);
int pdc_dice_identity_is_legacy_bytes(const pdc_dice_identity* identity);
pdc_result pdc_dice_identity_verification_cert(const pdc_dice_identity* identity, const char* code,
                                               char** pem_out, char* error_message,
                                               size_t error_message_size);
void pdc_dice_free_string(char* s);
void pdc_dice_riot_sha256(const void* data, size_t size, uint8_t out[32]);
