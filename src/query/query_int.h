/*
 * query_int.h — the parsed query, shared by the query module only.
 */
#ifndef YM_QUERY_INT_H
#define YM_QUERY_INT_H

#include "query/query.h"
#include "util/arena.h"
#include "util/buf.h"

enum qnode_kind {
    Q_ALL = 1, /* "*" or an empty expression */
    Q_TERM = 2,
    Q_FIELD = 3,
    Q_AND = 4,
    Q_OR = 5,
    Q_NOT = 6,
};

enum qmeta {
    QM_NONE = 0, /* an event field */
    QM_INDEX = 1,
    QM_HOST = 2,
    QM_SOURCE = 3,
    QM_SOURCETYPE = 4,
    QM_RAW = 5,
};

struct qnode {
    enum qnode_kind kind;
    int col; /* 1-based column in the query text */
    union {
        struct {
            char *text; /* lowercased, without the '*'s; arena */
            size_t len;
            bool open_start; /* leading '*': no word boundary before */
            bool open_end;   /* trailing '*': no word boundary after */
            bool is_phrase;
            uint32_t *toks; /* indexes into query.tokens of the tokens the
                               term requires (query_may_match); arena */
            size_t n_toks;
        } term;
        struct {
            struct ym_str name; /* arena */
            char *value;        /* as typed, unquoted; arena */
            size_t value_len;
            enum qmeta meta;
            bool negate;        /* != */
            bool is_exists;     /* value "*" */
            bool has_int;
            int64_t int_value;
            bool has_num;
            double num_value;
            bool has_ip;
            struct ym_ip ip_value;
        } field;
        struct {
            struct qnode **kids; /* arena */
            size_t n;
        } list;
        struct qnode *kid;
    } u;
};

#define QUERY_MAX_CMDS 64

struct qcmd;

struct query {
    struct arena arena; /* owns nodes, commands and strings */
    const char *text;   /* the query text (arena copy) */
    struct qnode *root; /* the search clause; NULL for a generating query */
    struct qcmd *cmds;  /* the pipeline after the search clause (arena) */
    size_t n_cmds;
    int64_t earliest;   /* inline earliest= (INT64_MIN: none) */
    int64_t latest;     /* inline latest= (INT64_MAX: none) */
    bool has_terms;     /* some node needs the lowercased raw line */
    struct ym_str *tokens; /* distinct tokens the terms require; views into
                              the terms' text (arena) */
    size_t n_tokens;
    struct ym_buf lower;   /* scratch: the raw line lowercased */
    struct ym_buf scratch; /* scratch: a field value as text */
};

struct qrow;
struct qparse;

/*
 * A search expression (the search clause's grammar) read from p->lx's
 * remaining text, for the `search` command; nodes in p->arena.
 */
int qsearch_parse(struct qparse *p, struct qnode **out) __attribute__((warn_unused_result));
/* True when row satisfies n (terms match the row's _raw). */
bool qsearch_match_row(const struct qnode *n, const struct qrow *row, struct ym_buf *scratch);
/* Appends n in the --explain form. */
void qsearch_explain(const struct qnode *n, struct ym_buf *out);

/*
 * A word byte: ASCII letter, digit, '_' or any byte >= 0x80 (so UTF-8 is
 * never split).  The store's tokenizer (store/tokindex.c) uses the same class;
 * query_may_match is only sound while the two agree.
 */
static inline bool
query_is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

/* Maps a field name to the event metadata it denotes (index, host...). */
enum qmeta query_meta_of(struct ym_str name);
/* Returns the field's text value into buf (cleared first); false when missing. */
bool query_field_text(const struct ym_event *ev, struct ym_str name, enum qmeta meta,
                      struct ym_buf *buf);

#endif
