/*
 * demo_gen.h -- `yamori demo-gen`: writes one simulated day of SOC device logs with one
 * embedded attack story and its ground truth (see docs/DEMO.md).
 *
 * The generator sits outside the data flow: it produces input for it (for `make demo`,
 * end-to-end tests and benchmarks). Output is a pure function of --events, --seed and
 * --date: the same arguments give byte-identical files.
 */
#ifndef YAMORI_DEMO_GEN_H
#define YAMORI_DEMO_GEN_H

/*
 * Runs `yamori demo-gen [--events N] [--seed S] [--out DIR] [--date YYYY-MM-DD]`.
 * argv[0] is "demo-gen"; argv is borrowed and not reordered (option parsing stops at the
 * first non-option argument, which is a usage error). Writes the eight log files and
 * ground-truth.json into DIR (created mkdir -p style) and a short summary to stdout.
 *
 * Returns the process exit code: 0 on success, 2 on bad usage (one line on stderr, e.g.
 * "yamori: demo-gen: --events: 'abc' is not a positive integer"), 1 on a runtime failure
 * (one line on stderr naming the file and the error). Uses getopt_long, so it resets and
 * changes optind/optarg; not thread-safe.
 */
int demo_gen_main(int argc, char **argv);

#endif /* YAMORI_DEMO_GEN_H */
