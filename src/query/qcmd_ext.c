/* qcmd_ext.c — placeholder until the commands land. */
#include "query/qpipe.h"

static int stub_parse(struct qparse *p, struct qcmd *cmd) { (void)cmd; return qparse_fail(p, qlex_col(&p->lx), "command not implemented yet"); }
const struct qcmd_def qcmd_rex = {.name = "rex", .parse = stub_parse};
const struct qcmd_def qcmd_lookup = {.name = "lookup", .parse = stub_parse};
const struct qcmd_def qcmd_inputlookup = {.name = "inputlookup", .parse = stub_parse};
const struct qcmd_def qcmd_transaction = {.name = "transaction", .parse = stub_parse};
