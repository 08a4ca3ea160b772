/*
 * sigma_pipe.h — processing pipelines: how Sigma's field names and
 * logsources meet Yamori's events.
 *
 * A pipeline is a YAML file (modelled on pySigma's processing pipelines; the
 * format is documented in docs/DETECTION.md).  Yamori ships one per family of
 * sources in rules/pipelines/ (windows.yml, linux.yml, web.yml, dns.yml,
 * firewall.yml...).  Each holds transformations, applied in file order, each
 * optionally limited to rules whose logsource matches `rule_conditions`:
 *   - field_name_mapping: Sigma field → one or more event field names
 *     (Image → winlog.event_data.Image; User → [user.name, winlog.event_data.User]);
 *   - field_name_prefix_mapping: rewrites the start of a field name;
 *   - field_name_prefix / field_name_suffix: a prefix (or several: a Yamori
 *     extension) for the fields no earlier transformation touched
 *     (Windows: winlog.event_data. and winlog.user_data.);
 *   - add_condition: the logsource's route, conditions the event must meet
 *     (event.module: sshd; winlog.channel: Security and winlog.event_id: 4625).
 * Pipelines load in priority order (`priority:`, then file name).
 */
#ifndef YM_SIGMA_PIPE_H
#define YM_SIGMA_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/err.h"

struct sigma_pipe;
struct sigma_set;
struct sigma_sel;

/* A rule's logsource; NULL or "" members are absent. */
struct sigma_logsource {
    const char *product;
    const char *category;
    const char *service;
};

/* Returns a new empty pipeline list (identity mapping, no routes); free with sigma_pipe_free(). */
struct sigma_pipe *sigma_pipe_new(void);
void sigma_pipe_free(struct sigma_pipe *p);

/*
 * Loads one pipeline file.  Errors (YM_EINVAL, exit 2) name the file, the
 * line and the key: "rules/pipelines/linux.yml:14: transformations[2].type:
 * unknown transformation 'foo'".
 */
int sigma_pipe_load_file(struct sigma_pipe *p, const char *path, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Loads every *.yml / *.yaml in dir (not recursive), sorted by priority then name. */
int sigma_pipe_load_dir(struct sigma_pipe *p, const char *dir, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Number of pipelines loaded, and one's name (for `yamori rules check`). */
size_t sigma_pipe_count(const struct sigma_pipe *p);
const char *sigma_pipe_name(const struct sigma_pipe *p, size_t i);

/*
 * The event field names for Sigma field `field` of a rule with logsource ls:
 * stores up to max names (strings owned by p) in names and returns how many
 * (always at least 1: the field itself when nothing maps it).
 */
size_t sigma_pipe_field(const struct sigma_pipe *p, const struct sigma_logsource *ls,
                        const char *field, const char **names, size_t max);

/*
 * The route of logsource ls: fills *out (allocated in set s's arena, values
 * compiled with sigma_value_str) with the conditions of every add_condition
 * transformation that applies, ANDed; OR lists become several maps.  Stores
 * a canonical text of the conditions in *key (arena) so identical routes can
 * be shared.  Returns 1 when some transformation applied, 0 when none did
 * (the rule then sees every event), or a negative YM_E* with err set.
 */
int sigma_pipe_route(const struct sigma_pipe *p, const struct sigma_logsource *ls,
                     struct sigma_set *s, struct sigma_sel *out, const char **key,
                     struct ym_err *err);

/*
 * True when every attribute ls gives (product, category, service) is named by
 * a logsource condition of some transformation that matches ls (rules
 * check's "mapped"): windows/process_creation is known, windows/file_access
 * (an ETW source nothing decodes) is not.  A rule of an unknown logsource
 * has no route and would see every event.
 */
bool sigma_pipe_knows(const struct sigma_pipe *p, const struct sigma_logsource *ls);

#endif
