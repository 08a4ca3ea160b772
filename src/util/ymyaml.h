/*
 * ymyaml.h — small helpers over libyaml's document API shared by the
 * loaders that read YAML documents (user decoders, Sigma rules, processing
 * pipelines).
 */
#ifndef YM_YMYAML_H
#define YM_YMYAML_H

#include <stdbool.h>

#include <yaml.h>

/* "a single value", "a list", "a mapping" or "nothing": for "want X, not Y" messages. */
const char *ym_yaml_kind_name(const yaml_node_t *n);

/*
 * True for a YAML 1.1 null: no node, a plain scalar that is empty, ~, null,
 * Null or NULL, or a scalar tagged !!null.
 */
bool ym_yaml_is_null(const yaml_node_t *n);

#endif
