/* A small DER writer for the DICE certificates. Constructed values are opened with
 * der_begin and closed with der_end, which inserts the (minimal) length once the content is
 * known. Any failure (allocation, nesting) latches w->failed; check it once at the end. */
#ifndef PDC_DER_WRITER_H
#define PDC_DER_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define DER_MAX_DEPTH 16

enum {
    DER_BOOLEAN = 0x01, DER_INTEGER = 0x02, DER_BIT_STRING = 0x03, DER_OCTET_STRING = 0x04,
    DER_OID = 0x06, DER_UTF8_STRING = 0x0C, DER_PRINTABLE_STRING = 0x13, DER_UTC_TIME = 0x17,
    DER_GENERALIZED_TIME = 0x18, DER_SEQUENCE = 0x30, DER_SET = 0x31
};
#define DER_CONTEXT(n) (0x80 | (n))             /* [n] IMPLICIT, primitive */
#define DER_CONTEXT_CONSTRUCTED(n) (0xA0 | (n)) /* [n] EXPLICIT, or IMPLICIT of a constructed type */

typedef struct der_writer {
    uint8_t* data;
    size_t size;
    size_t capacity;
    size_t open[DER_MAX_DEPTH]; /* offsets of the tags of open constructed values */
    int depth;
    int failed;
} der_writer;

void der_init(der_writer* w);
/* Frees the buffer (wiped first: DER here may hold key material). */
void der_free(der_writer* w);

void der_raw(der_writer* w, const void* bytes, size_t size);
void der_begin(der_writer* w, uint8_t tag);
void der_end(der_writer* w);
/* A primitive value: tag, length, content. */
void der_primitive(der_writer* w, uint8_t tag, const void* content, size_t size);
/* A non-negative INTEGER from big-endian magnitude bytes: leading zeros stripped, 0x00 added
 * when the top bit is set; an all-zero (or empty) magnitude encodes 0. */
void der_integer_bytes(der_writer* w, const uint8_t* magnitude, size_t size);
void der_integer_u64(der_writer* w, uint64_t value);
/* The same INTEGER content under another tag (e.g. DER_CONTEXT(n) for [n] IMPLICIT INTEGER). */
void der_integer_u64_tagged(der_writer* w, uint8_t tag, uint64_t value);
void der_string(der_writer* w, uint8_t tag, const char* text);

#endif /* PDC_DER_WRITER_H */
