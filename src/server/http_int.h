/*
 * http_int.h — shared by the HTTP input's files only (http.c: the daemon,
 * routing, limits and tokens; hec.c: the Splunk-compatible event collector
 * and its acknowledgements; api.c: the search API).  Nothing outside
 * src/server/http*.c, hec.c and api.c includes it.
 */
#ifndef YM_SERVER_HTTP_INT_H
#define YM_SERVER_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "server/server.h"
#include "server/tokens.h"
#include "util/arena.h"
#include "util/buf.h"

struct hec_acks;
struct search_job;

/* The HTTP input: one per server (cfg->http). */
struct http_srv {
    struct srv *s;
    struct cfg_http cfg;        /* copied at creation; reload updates the limits */
    char data_dir[4096];
    struct MHD_Daemon *d;
    int listen_fd;

    /* tokens: reloaded when DIR/tokens changes (checked at most once a second) */
    pthread_rwlock_t tok_lock;
    struct tokens *tokens;      /* owned; NULL: none loaded */
    int64_t tok_checked_ns;     /* under tok_lock (write) */
    struct timespec tok_mtime;
    long long tok_size, tok_ino;

    /* metrics */
    struct input_metrics im;    /* input "http" */
    struct metric *m_conns;     /* gauge: open connections */
    struct metric *m_conn_rejected, *m_too_large, *m_header_timeout, *m_busy;
    struct metric *m_searches;
    struct histogram *h_search;

    /* connections, for the header/request timeout watchdog */
    pthread_mutex_t conn_lock;
    pthread_cond_t conn_cond;
    struct http_conn *conns;    /* doubly linked list */
    _Atomic unsigned n_conns;
    pthread_t watchdog;
    bool has_watchdog;
    _Atomic bool stopping;

    /* memory bounds */
    _Atomic size_t body_bytes;  /* request bodies held now, all connections */
    size_t body_budget;         /* bound on body_bytes */
    pthread_mutex_t work_lock;  /* HEC decoding slots and searches */
    pthread_cond_t work_cond;
    unsigned n_decoding;        /* requests decoding now (<= HTTP_DECODE_SLOTS) */
    unsigned n_searches;        /* search threads alive */
    struct search_job *jobs;    /* their jobs (api.c), to cancel them on stop */

    struct hec_acks *acks;
};

/* A request in progress (MHD's per-request con_cls). */
struct http_req {
    int route;                 /* enum http_route */
    struct ym_buf body;        /* the body received so far (bounded by cfg.max_body) */
    size_t reserved;           /* bytes counted in body_bytes */
    bool is_gzip;
    unsigned pending;          /* an error status decided while the body arrives (413, 503) */
    struct token_info tok;     /* the token that authenticated it */
    int64_t alert_id;          /* HTTP_R_API_ALERT*: the ID in the path (0: not a number) */
};

enum http_route {
    HTTP_R_NONE = 0,
    HTTP_R_HEC_EVENT,
    HTTP_R_HEC_RAW,
    HTTP_R_HEC_HEALTH,
    HTTP_R_HEC_ACK,
    HTTP_R_API_SEARCH,
    HTTP_R_API_INDEXES,
    HTTP_R_API_ALERTS,       /* GET /api/alerts */
    HTTP_R_API_ALERT,        /* GET /api/alerts/ID */
    HTTP_R_API_ALERT_STATUS, /* POST /api/alerts/ID/status */
    HTTP_R_API_HEALTH,       /* the last API route: HTTP_R_API_SEARCH..here need a token */
    HTTP_R_METRICS,
};

#define HTTP_DECODE_SLOTS 4    /* HEC requests decoding at once (bounds batch memory) */
#define HTTP_MAX_SEARCHES 8    /* concurrent API searches */

/*
 * Queues a response: status, content type, body (copied).  retry_after > 0
 * adds Retry-After.  Counts the status in the metrics.  Returns MHD's result.
 */
enum MHD_Result http_reply(struct http_srv *h, struct MHD_Connection *c, unsigned status,
                           const char *ctype, const char *body, size_t len, int retry_after);
/* The same for a JSON body held in b (its is_oom answers 500). */
enum MHD_Result http_reply_json(struct http_srv *h, struct MHD_Connection *c, unsigned status,
                                struct ym_buf *b, int retry_after);
/* Counts a status code in the metrics (responses made elsewhere). */
void http_count_status(struct http_srv *h, unsigned status);

/* ---- a small JSON reader (hec.c): bounded depth, no allocation but strings ---- */

#define HJ_MAX_DEPTH 64

/* Index of the first non-blank byte at or after i. */
size_t hj_ws(const char *p, size_t len, size_t i);
/*
 * Skips one JSON value starting at p[i] (after blanks), checking its
 * syntax; *end gets the index after it.  Returns 0 or YM_EINVAL.
 */
int hj_skip(const char *p, size_t len, size_t i, size_t *end);
/*
 * Reads the string at p[i] (a '"'), unescaped into the arena (a NUL after
 * it); *end gets the index after the closing quote.  0, YM_EINVAL, YM_ENOMEM.
 */
int hj_string(const char *p, size_t len, size_t i, struct arena *a, struct ym_str *out,
              size_t *end);
/*
 * Iterates the members of the object whose '{' is at p[*i] (first call)
 * or continues after a member: *key (unescaped, in a) and the value's
 * span [*vs, *ve).  Returns 1 for a member, 0 at the closing '}' (*i after
 * it), YM_EINVAL, YM_ENOMEM.  *state must be 0 before the first call.
 */
int hj_member(const char *p, size_t len, size_t *i, int *state, struct arena *a, struct ym_str *key,
              size_t *vs, size_t *ve);

/* ---- handlers ---- */

struct hec_acks *hec_acks_new(void);
void hec_acks_free(struct hec_acks *a);
/* HEC endpoints (route HTTP_R_HEC_*), called with the whole body. */
enum MHD_Result hec_handle(struct http_srv *h, struct MHD_Connection *c, struct http_req *r,
                           const char *body, size_t len);
/* API endpoints (route HTTP_R_API_*). */
enum MHD_Result api_handle(struct http_srv *h, struct MHD_Connection *c, struct http_req *r,
                           const char *body, size_t len);
/* Cancels the searches running (h->stopping is set) and waits for their threads. */
void api_wait_searches(struct http_srv *h);

#endif
