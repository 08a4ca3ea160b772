/*
 * snort_int.h — the Snort alert body parser shared by the fast-alert file
 * decoder (dec_snort.c) and the syslog normaliser (norm_snort.c).  Only
 * src/decode/ includes this.
 */
#ifndef YM_SNORT_INT_H
#define YM_SNORT_INT_H

#include "decode/decode.h"

/*
 * Parses the body of a Snort (or Suricata fast.log) alert, starting at its
 * "[gid:sid:rev]" — optionally after "[Drop]"-style action and "[**]"
 * marks — up to its end:
 *
 *   [1:2001219:20] ET SCAN Potential SSH Scan [**] [Classification: Attempted
 *   Information Leak] [Priority: 2] {TCP} 203.0.113.7:51122 -> 10.0.1.10:22
 *
 * (the syslog form has no "[**]" and may put a ':' after the priority) and
 * adds its ECS fields to ev (docs/fields/snort.md): event.kind=alert,
 * event.category=intrusion_detection, event.type, rule.id, rule.version,
 * rule.name, rule.category, event.severity, network.transport,
 * source/destination ip and port, observer.*, snort.gid.  Values are views
 * into body.  Returns 1 when body is an alert, 0 when it is not (nothing
 * is added), YM_ENOMEM.  *col, when not NULL, gets the offset in body
 * where parsing stopped for a body that is not an alert.
 */
int decode_snort_alert(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str body,
                       size_t *col);

#endif
