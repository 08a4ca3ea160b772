/*
 * decode_int.h — the decoders' table entries; only decode/ includes this.
 */
#ifndef YM_DECODE_INT_H
#define YM_DECODE_INT_H

#include "decode/decode.h"

extern const struct decoder decode_syslog;
extern const struct decoder decode_json;
extern const struct decoder decode_raw;

#endif
