/*
 * server.h — `yamori server`: the daemon's core, shared by its inputs.
 *
 * Inputs (syslog UDP/TCP/TLS, the HTTP event collector, file tails) run in
 * their own threads.  Each decodes what it receives into a struct ym_batch
 * (decode_event, the same decoders as `yamori ingest`) and hands the batch
 * to the core with srv_submit.  The core keeps a bounded queue of batches
 * (SRV_QUEUE_BYTES of event memory at most, configurable) and one writer
 * thread that owns the store's writers (one per index): it adds each
 * batch's events, commits (one WAL record per batch) and publishes how far
 * each index is durable.  A batch's ticket becomes durable once the WAL
 * fsync covering it has completed (store_writer_acked): that is when a TCP
 * sender's data is safe and when a HEC acknowledgement may say true.
 *
 * Back-pressure: srv_submit with SRV_WAIT blocks while the queue is full
 * (TCP and TLS stop reading, so senders block; file tails wait); with
 * SRV_NOWAIT it returns YM_EBUSY at once (UDP drops and counts; HEC answers
 * 503 with Retry-After).  Memory is bounded by the queue bound plus each
 * input's own bounded buffers.
 *
 * Shutdown (SIGTERM/SIGINT): inputs stop accepting and finish what they
 * hold, the queue drains, the writers flush, the process exits 0.  Reload
 * (SIGHUP): the configuration and decoders are read again and handed to
 * the inputs' reload hooks; connections stay open.
 */
#ifndef YM_SERVER_H
#define YM_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "event/event.h"
#include "server/config.h"
#include "server/metrics.h"
#include "util/err.h"

struct srv;
struct store;

/* ---- logging (stderr, one line each, journald-friendly "<N>" prefixes) ---- */

enum srv_level { SRV_ERR = 3, SRV_WARN = 4, SRV_INFO = 6, SRV_DEBUG = 7 };

/* Logs one line: "<level>yamori: [component] message" (the <N> prefix is
 * what journald reads as the priority).  Thread-safe; attacker-controlled
 * text must be escaped by the caller (srv_escape). */
void srv_log(enum srv_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the lowest level printed (from the configuration). */
void srv_log_set_level(enum srv_level level);
/* Copies s into out (cap bytes, NUL-terminated) with control bytes and
 * invalid UTF-8 as \xNN and at most cap-1 bytes: for logging peer data. */
void srv_escape(const char *s, size_t len, char *out, size_t cap);

/* ---- the core ---- */

/* Creates the server for cfg (borrowed; must outlive it): opens the store
 * in write mode (YM_EBUSY when another writer holds it) and starts the
 * writer thread.  Inputs are started by srv_run. */
int srv_new(const struct srv_config *cfg, struct srv **out, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Starts every configured input, then waits for a signal: SIGHUP reloads,
 * SIGTERM/SIGINT stop.  Returns 0 after a clean shutdown (queues drained,
 * WAL flushed), or an error that stopped the server. */
int srv_run(struct srv *s, const char *config_path, struct ym_err *err)
    __attribute__((warn_unused_result));

/* Frees s (stops everything first if srv_run did not). */
void srv_free(struct srv *s);

/* The configuration in force (replaced on reload; read it under no lock:
 * inputs copy what they need when they start and in their reload hooks). */
const struct srv_config *srv_config(const struct srv *s);
/* The decoders' settings (the zone for zone-less times, the user decoders
 * of cfg->decoders) for decode_ctx.conf: reloaded on SIGHUP, the old ones
 * kept alive until the server ends, so an input may hold the pointer it got
 * for a batch. */
const struct decode_conf *srv_decode_conf(const struct srv *s);
/* The metrics registry. */
struct metrics *srv_metrics(struct srv *s);
/* The store, opened in write mode by the core (searches use it read-only:
 * store_scan takes no lock). */
struct store *srv_store(struct srv *s);
/* True once shutdown began: inputs stop accepting and finish. */
bool srv_stopping(const struct srv *s);

enum { SRV_WAIT = 0, SRV_NOWAIT = 1 };

/*
 * Hands batch b's events to index `index` (created if missing; the name
 * must pass store_index_name_ok).  The core takes b's contents (b is left
 * empty, ready for reuse).  *ticket (may be NULL) identifies the batch for
 * srv_durable.  With SRV_WAIT, blocks while the queue is full (returns
 * YM_EBUSY only when the server is stopping); with SRV_NOWAIT returns
 * YM_EBUSY when it is full (b untouched).  YM_EINVAL for a bad index name.
 */
int srv_submit(struct srv *s, const char *index, struct ym_batch *b, int flags, uint64_t *ticket)
    __attribute__((warn_unused_result));

/* True when every event of the batch with this ticket is durable (the
 * WAL fsync covering it completed).  Tickets grow in submission order. */
bool srv_durable(struct srv *s, uint64_t ticket);
/* Waits until ticket is durable or the timeout (ms) passes; true if durable. */
bool srv_wait_durable(struct srv *s, uint64_t ticket, int timeout_ms);

/* Bytes of event memory queued now, and the bound (for /metrics and 503s). */
/* Releases bytes of a batch handed on after the store (srv_detect.c) from the queue's bound. */
void srv_queue_release(struct srv *s, size_t bytes);
size_t srv_queue_bytes(const struct srv *s);
size_t srv_queue_limit(const struct srv *s);

/* ---- inputs ---- */

/*
 * An input: started by srv_run in the order configured; stop() must make
 * its threads finish (after handing over what they hold) and return; reload()
 * gets the new configuration (may be NULL: nothing to do).  Each input
 * counts into the metrics under its name: events and bytes received,
 * decoded, failed, dropped (metrics.h).
 */
struct srv_input {
    const char *name; /* e.g. "syslog-udp" */
    void *arg;
    int (*start)(struct srv_input *in, struct srv *s, struct ym_err *err);
    void (*stop)(struct srv_input *in);
    void (*reload)(struct srv_input *in, const struct srv_config *cfg);
    void (*free)(struct srv_input *in);
};

/* The inputs, each in its file: they create an input for every matching
 * entry of the configuration (NULL entries are skipped).  Return 0 or an
 * error; *out gets a ym_malloc'd array of *n inputs. */
int syslog_inputs(const struct srv_config *cfg, struct srv_input **out, size_t *n,
                  struct ym_err *err); /* in_syslog.c */
int http_input(const struct srv_config *cfg, struct srv_input **out, size_t *n,
               struct ym_err *err); /* http.c: HEC, API, metrics */
int file_inputs(const struct srv_config *cfg, struct srv_input **out, size_t *n,
                struct ym_err *err); /* in_file.c */

#endif
