/* qcmd_stats.c — placeholder until the commands land. */
#include "query/qpipe.h"

static int stub_parse(struct qparse *p, struct qcmd *cmd) { (void)cmd; return qparse_fail(p, qlex_col(&p->lx), "command not implemented yet"); }
const struct qcmd_def qcmd_stats = {.name = "stats", .parse = stub_parse};
const struct qcmd_def qcmd_eventstats = {.name = "eventstats", .parse = stub_parse};
const struct qcmd_def qcmd_streamstats = {.name = "streamstats", .parse = stub_parse};
const struct qcmd_def qcmd_timechart = {.name = "timechart", .parse = stub_parse};
const struct qcmd_def qcmd_top = {.name = "top", .parse = stub_parse};
const struct qcmd_def qcmd_rare = {.name = "rare", .parse = stub_parse};
const struct qcmd_def qcmd_bin = {.name = "bin", .parse = stub_parse};
