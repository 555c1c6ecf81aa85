#include "der_writer.h"

#include <string.h>

#include <openssl/crypto.h>

void der_init(der_writer* w)
{
    memset(w, 0, sizeof(*w));
}

void der_free(der_writer* w)
{
    OPENSSL_clear_free(w->data, w->capacity);
    memset(w, 0, sizeof(*w));
}

static int reserve(der_writer* w, size_t extra)
{
    if (w->failed) {
        return 0;
    }
    if (extra > SIZE_MAX / 2 - w->size) {
        w->failed = 1;
        return 0;
    }
    if (w->size + extra <= w->capacity) {
        return 1;
    }
    size_t capacity = w->capacity ? w->capacity : 256;
    while (capacity < w->size + extra) {
        capacity *= 2;
    }
    /* Not realloc: the old buffer is wiped, never left behind in the heap. */
    uint8_t* data = OPENSSL_malloc(capacity);
    if (data == NULL) {
        w->failed = 1;
        return 0;
    }
    if (w->size > 0) {
        memcpy(data, w->data, w->size);
    }
    OPENSSL_clear_free(w->data, w->capacity);
    w->data = data;
    w->capacity = capacity;
    return 1;
}

void der_raw(der_writer* w, const void* bytes, size_t size)
{
    if (size > 0 && reserve(w, size)) {
        memcpy(w->data + w->size, bytes, size);
        w->size += size;
    }
}

static size_t length_bytes(size_t length, uint8_t out[9])
{
    if (length < 0x80) {
        out[0] = (uint8_t)length;
        return 1;
    }
    size_t n = 0;
    for (size_t v = length; v > 0; v >>= 8) {
        n++;
    }
    out[0] = (uint8_t)(0x80 | n);
    for (size_t i = 0; i < n; i++) {
        out[n - i] = (uint8_t)(length >> (8 * i));
    }
    return n + 1;
}

void der_begin(der_writer* w, uint8_t tag)
{
    if (w->depth >= DER_MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    w->open[w->depth++] = w->size;
    der_raw(w, &tag, 1);
}

void der_end(der_writer* w)
{
    if (w->depth <= 0) {
        w->failed = 1;
        return;
    }
    size_t content_start = w->open[--w->depth] + 1;
    if (w->failed) {
        return;
    }
    uint8_t len[9];
    size_t n = length_bytes(w->size - content_start, len);
    if (!reserve(w, n)) {
        return;
    }
    memmove(w->data + content_start + n, w->data + content_start, w->size - content_start);
    memcpy(w->data + content_start, len, n);
    w->size += n;
}

void der_primitive(der_writer* w, uint8_t tag, const void* content, size_t size)
{
    uint8_t len[9];
    size_t n = length_bytes(size, len);
    der_raw(w, &tag, 1);
    der_raw(w, len, n);
    der_raw(w, content, size);
}

static void integer_tagged(der_writer* w, uint8_t tag, const uint8_t* magnitude, size_t size)
{
    while (size > 1 && magnitude[0] == 0) {
        magnitude++;
        size--;
    }
    der_begin(w, tag);
    if (size == 0) {
        static const uint8_t zero = 0;
        der_raw(w, &zero, 1);
    } else {
        if (magnitude[0] & 0x80) {
            static const uint8_t pad = 0;
            der_raw(w, &pad, 1);
        }
        der_raw(w, magnitude, size);
    }
    der_end(w);
}

void der_integer_bytes(der_writer* w, const uint8_t* magnitude, size_t size)
{
    integer_tagged(w, DER_INTEGER, magnitude, size);
}

void der_integer_u64_tagged(der_writer* w, uint8_t tag, uint64_t value)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++) {
        be[7 - i] = (uint8_t)(value >> (8 * i));
    }
    integer_tagged(w, tag, be, sizeof(be));
}

void der_integer_u64(der_writer* w, uint64_t value)
{
    der_integer_u64_tagged(w, DER_INTEGER, value);
}

void der_string(der_writer* w, uint8_t tag, const char* text)
{
    der_primitive(w, tag, text, strlen(text));
}
