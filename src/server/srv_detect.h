/*
 * srv_detect.h — live detection in `yamori server`: a detection thread fed
 * by the writer thread with every stored batch (src/detect/detect.h), the
 * alert database, the alerts index and notifications.
 *
 * Batches reach the detection thread after the writer has added them to
 * the store; their bytes stay charged to the server's queue until the
 * detection thread is done with them (srv_queue_release), so a detection
 * slower than the load pushes back on the inputs like a slow store does.
 */
#ifndef YM_SRV_DETECT_H
#define YM_SRV_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "util/err.h"

struct srv;
struct srv_config;
struct srv_detect;

/*
 * Starts detection when the configuration enables it and a rules directory
 * is found (detect.rules, else ./rules, else the installed rules).  Sets
 * *out to NULL (and returns 0) when detection is off.  A bad pipeline or
 * rules path is an error (YM_EINVAL).
 */
int srv_detect_start(struct srv *s, const struct srv_config *cfg, struct srv_detect **out,
                     struct ym_err *err);
/* Takes ownership of *b (re-initialised for the caller); bytes are released when done. */
void srv_detect_push(struct srv_detect *d, const char *index, struct ym_batch *b, size_t bytes,
                     int64_t t_in_ns);
/* Reloads rules and notification channels from cfg, keeping open correlation windows. */
void srv_detect_reload(struct srv_detect *d, const struct srv_config *cfg);
/* Drains what is queued, checkpoints correlation state, stops the thread, frees. */
void srv_detect_stop(struct srv_detect *d);

#endif
