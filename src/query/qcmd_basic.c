/* qcmd_basic.c — placeholder until the commands land. */
#include "query/qpipe.h"

static int stub_parse(struct qparse *p, struct qcmd *cmd) { (void)cmd; return qparse_fail(p, qlex_col(&p->lx), "command not implemented yet"); }
const struct qcmd_def qcmd_search = {.name = "search", .parse = stub_parse};
const struct qcmd_def qcmd_where = {.name = "where", .parse = stub_parse};
const struct qcmd_def qcmd_eval = {.name = "eval", .parse = stub_parse};
const struct qcmd_def qcmd_head = {.name = "head", .parse = stub_parse};
const struct qcmd_def qcmd_tail = {.name = "tail", .parse = stub_parse};
const struct qcmd_def qcmd_table = {.name = "table", .parse = stub_parse};
const struct qcmd_def qcmd_fields = {.name = "fields", .parse = stub_parse};
const struct qcmd_def qcmd_rename = {.name = "rename", .parse = stub_parse};
const struct qcmd_def qcmd_fillnull = {.name = "fillnull", .parse = stub_parse};
const struct qcmd_def qcmd_sort = {.name = "sort", .parse = stub_parse};
const struct qcmd_def qcmd_dedup = {.name = "dedup", .parse = stub_parse};
const struct qcmd_def qcmd_makeresults = {.name = "makeresults", .parse = stub_parse};
