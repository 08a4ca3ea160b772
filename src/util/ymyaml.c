/*
 * ymyaml.c — helpers over libyaml's document API (see ymyaml.h).
 */
#include <string.h>

#include "util/ymyaml.h"

const char *
ym_yaml_kind_name(const yaml_node_t *n)
{
    switch (n ? n->type : YAML_NO_NODE) {
    case YAML_SCALAR_NODE:
        return "a single value";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

bool
ym_yaml_is_null(const yaml_node_t *n)
{
    static const char *const nulls[] = {"", "null", "Null", "NULL", "~"};

    if (!n)
        return true;
    if (n->type != YAML_SCALAR_NODE)
        return false;
    if (n->tag && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0)
        return true;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        (n->tag && strcmp((const char *)n->tag, YAML_DEFAULT_SCALAR_TAG) != 0))
        return false;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (n->data.scalar.length == strlen(nulls[i]) &&
            memcmp(n->data.scalar.value, nulls[i], n->data.scalar.length) == 0)
            return true;
    return false;
}
