/*
 * test_config.c — unit tests of the server configuration (src/server/
 * config.c), on YAML files written to a fresh mkdtemp() directory that is
 * removed afterwards.
 *
 * Proves that:
 *  - the embedded defaults are those config.h documents (syslog UDP and TCP
 *    on 127.0.0.1:5514, HTTP on 127.0.0.1:8088, 64 MiB queue, info);
 *  - every key is read into its field, with size and duration suffixes; a
 *    list replaces the default list, `syslog: []` empties it, and names and
 *    listen addresses default per input ("syslog-tls-6514", "file-1");
 *  - every error names the file, the line and the key path, with YM_EINVAL,
 *    and a failed load leaves the configuration untouched;
 *  - hostile files (deep nesting, huge strings and files, aliases and
 *    "billion laughs", binary, NUL bytes, control characters, too many
 *    inputs) fail cleanly and quickly with a bounded message;
 *  - config_check finds missing TLS files, clashing listeners and bad index
 *    names; config_describe prints one line per input;
 *  - yamori.yaml.example (when run from the repository root) loads, checks,
 *    and equals the embedded defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/config.h"
#include "server/server.h"

static char dir[256];
static char path[300];
static struct srv_config *cfg;
static struct ym_err err;

static int
setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(dir, sizeof(dir), "config") != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/yamori.yaml", dir);
    cfg = calloc(1, sizeof(*cfg));
    return cfg == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    free(cfg);
    return test_tmpdir_remove(dir);
}

static void
write_file(const char *p, const char *text, size_t len)
{
    FILE *fp = fopen(p, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Writes text as the configuration file and loads it over the defaults. */
static int
load_len(const char *text, size_t len)
{
    config_defaults(cfg, "/tmp/ydata");
    ym_err_clear(&err);
    write_file(path, text, len);
    return config_load(cfg, path, &err);
}

static int
load(const char *text)
{
    return load_len(text, strlen(text));
}

/* Expects text to fail at line with a message containing want. */
static void
expect_error(const char *text, long line, const char *want)
{
    int rc = load(text);

    if (rc != YM_EINVAL || err.line != line || strstr(err.msg, want) == NULL)
        print_error("text:\n%s\nrc %d line %ld msg: %s\nwant line %ld: %s\n", text, rc, err.line,
                    err.msg, line, want);
    assert_int_equal(rc, YM_EINVAL);
    assert_int_equal(err.line, line);
    assert_non_null(strstr(err.msg, want));
    assert_ptr_equal(err.file, path);
}

static void
test_defaults(void **state)
{
    (void)state;
    config_defaults(cfg, "/tmp/ydata");
    assert_string_equal(cfg->path, "");
    assert_string_equal(cfg->data_dir, "/tmp/ydata");
    assert_int_equal(cfg->log_level, SRV_INFO);
    assert_int_equal(cfg->queue_bytes, 64u << 20);
    assert_string_equal(cfg->tz, "");
    assert_string_equal(cfg->decoders, "");
    assert_int_equal(cfg->n_syslog, 2);
    assert_string_equal(cfg->syslog[0].name, "syslog-udp-5514");
    assert_int_equal(cfg->syslog[0].proto, CFG_UDP);
    assert_string_equal(cfg->syslog[0].host, "127.0.0.1");
    assert_int_equal(cfg->syslog[0].port, 5514);
    assert_string_equal(cfg->syslog[0].index, "main");
    assert_string_equal(cfg->syslog[1].name, "syslog-tcp-5514");
    assert_int_equal(cfg->syslog[1].proto, CFG_TCP);
    assert_int_equal(cfg->syslog[1].port, 5514);
    assert_int_equal(cfg->syslog[1].max_line, 65536);
    assert_int_equal(cfg->syslog[1].max_connections, 1000);
    assert_int_equal(cfg->syslog[1].idle_timeout_s, 600);
    assert_int_equal(cfg->syslog[1].handshake_timeout_s, 10);
    assert_true(cfg->http.enabled);
    assert_string_equal(cfg->http.host, "127.0.0.1");
    assert_int_equal(cfg->http.port, 8088);
    assert_int_equal(cfg->http.max_body, 32u << 20);
    assert_int_equal(cfg->http.max_connections, 1000);
    assert_int_equal(cfg->http.header_timeout_s, 10);
    assert_string_equal(cfg->http.default_index, "main");
    assert_string_equal(cfg->http.cert, "");
    assert_int_equal(cfg->n_files, 0);
    assert_int_equal(config_check(cfg, &err), 0);

    setenv("YAMORI_DATA", "/tmp/from-env", 1);
    config_defaults(cfg, NULL);
    assert_string_equal(cfg->data_dir, "/tmp/from-env");
    unsetenv("YAMORI_DATA");
    config_defaults(cfg, NULL);
    assert_string_equal(cfg->data_dir, "./yamori-data");
}

static void
test_every_key(void **state)
{
    char text[4096], cert[300], key[300], ca[300];

    (void)state;
    snprintf(cert, sizeof(cert), "%s/c.pem", dir);
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    write_file(cert, "x", 1);
    write_file(key, "x", 1);
    write_file(ca, "x", 1);
    snprintf(text, sizeof(text),
             "# a comment\n"
             "data_dir: /srv/yamori\n"
             "log_level: debug\n"
             "queue_bytes: 128M\n"
             "tz: Asia/Tokyo\n"
             "decoders: %s\n"
             "syslog:\n"
             "  - name: edge\n"
             "    protocol: tls\n"
             "    listen: \"[::1]:6514\"\n"
             "    index: net\n"
             "    sourcetype: cef\n"
             "    host: fw1\n"
             "    cert: %s\n"
             "    key: %s\n"
             "    ca: %s\n"
             "    verify_client: yes\n"
             "    max_line: 1M\n"
             "    max_connections: 50\n"
             "    idle_timeout: 5m\n"
             "    handshake_timeout: 3s\n"
             "  - protocol: udp\n"
             "    listen: 0.0.0.0:514\n"
             "http:\n"
             "  enabled: false\n"
             "  listen: 10.0.0.1:9000\n"
             "  max_body: 512KiB\n"
             "  max_connections: 7\n"
             "  header_timeout: 1h\n"
             "  default_index: hec_main\n"
             "  cert: %s\n"
             "  key: %s\n"
             "files:\n"
             "  - path: /var/log/*.log\n"
             "  - name: nginx\n"
             "    path: '/var/log/nginx/access log'\n"
             "    index: web\n"
             "    sourcetype: access_combined\n"
             "    host: www1\n"
             "    poll_ms: 1000\n",
             dir, cert, key, ca, cert, key);
    assert_int_equal(load(text), 0);
    assert_string_equal(cfg->path, path);
    assert_string_equal(cfg->data_dir, "/srv/yamori");
    assert_int_equal(cfg->log_level, SRV_DEBUG);
    assert_int_equal(cfg->queue_bytes, 128u << 20);
    assert_string_equal(cfg->tz, "Asia/Tokyo");
    assert_string_equal(cfg->decoders, dir);
    assert_int_equal(cfg->n_syslog, 2);
    assert_string_equal(cfg->syslog[0].name, "edge");
    assert_int_equal(cfg->syslog[0].proto, CFG_TLS);
    assert_string_equal(cfg->syslog[0].host, "::1");
    assert_int_equal(cfg->syslog[0].port, 6514);
    assert_string_equal(cfg->syslog[0].index, "net");
    assert_string_equal(cfg->syslog[0].sourcetype, "cef");
    assert_string_equal(cfg->syslog[0].host_override, "fw1");
    assert_string_equal(cfg->syslog[0].cert, cert);
    assert_string_equal(cfg->syslog[0].key, key);
    assert_string_equal(cfg->syslog[0].ca, ca);
    assert_true(cfg->syslog[0].verify_client);
    assert_int_equal(cfg->syslog[0].max_line, 1u << 20);
    assert_int_equal(cfg->syslog[0].max_connections, 50);
    assert_int_equal(cfg->syslog[0].idle_timeout_s, 300);
    assert_int_equal(cfg->syslog[0].handshake_timeout_s, 3);
    assert_string_equal(cfg->syslog[1].name, "syslog-udp-514");
    assert_int_equal(cfg->syslog[1].proto, CFG_UDP);
    assert_string_equal(cfg->syslog[1].host, "0.0.0.0");
    assert_int_equal(cfg->syslog[1].port, 514);
    assert_string_equal(cfg->syslog[1].index, "main");
    assert_int_equal(cfg->syslog[1].max_line, 65536);
    assert_false(cfg->http.enabled);
    assert_string_equal(cfg->http.host, "10.0.0.1");
    assert_int_equal(cfg->http.port, 9000);
    assert_int_equal(cfg->http.max_body, 512u << 10);
    assert_int_equal(cfg->http.max_connections, 7);
    assert_int_equal(cfg->http.header_timeout_s, 3600);
    assert_string_equal(cfg->http.default_index, "hec_main");
    assert_string_equal(cfg->http.cert, cert);
    assert_string_equal(cfg->http.key, key);
    assert_int_equal(cfg->n_files, 2);
    assert_string_equal(cfg->files[0].name, "file-1");
    assert_string_equal(cfg->files[0].path, "/var/log/*.log");
    assert_string_equal(cfg->files[0].index, "main");
    assert_int_equal(cfg->files[0].poll_ms, 250);
    assert_string_equal(cfg->files[1].name, "nginx");
    assert_string_equal(cfg->files[1].path, "/var/log/nginx/access log");
    assert_string_equal(cfg->files[1].index, "web");
    assert_string_equal(cfg->files[1].sourcetype, "access_combined");
    assert_string_equal(cfg->files[1].host_override, "www1");
    assert_int_equal(cfg->files[1].poll_ms, 1000);
    assert_int_equal(config_check(cfg, &err), 0);
}

static void
test_lists_and_names(void **state)
{
    (void)state;
    /* An empty file and a file of comments keep the defaults. */
    assert_int_equal(load(""), 0);
    assert_int_equal(cfg->n_syslog, 2);
    assert_int_equal(load("# nothing\n---\n"), 0);
    assert_int_equal(cfg->n_syslog, 2);
    /* A list replaces the default list; [] empties it. */
    assert_int_equal(load("syslog: []\n"), 0);
    assert_int_equal(cfg->n_syslog, 0);
    assert_true(cfg->http.enabled);
    assert_int_equal(load("syslog:\n  - protocol: tls\n    cert: a\n    key: b\n"), 0);
    assert_int_equal(cfg->n_syslog, 1);
    assert_string_equal(cfg->syslog[0].name, "syslog-tls-6514");
    assert_int_equal(cfg->syslog[0].port, 6514);
    assert_string_equal(cfg->syslog[0].host, "127.0.0.1");
    /* Port 0: the kernel chooses; two such inputs do not clash. */
    assert_int_equal(load("syslog:\n  - {protocol: tcp, listen: '127.0.0.1:0', name: a}\n"
                          "  - {protocol: tcp, listen: '127.0.0.1:0', name: b}\n"
                          "http: {listen: '127.0.0.1:0'}\n"),
                     0);
    assert_int_equal(cfg->syslog[0].port, 0);
    assert_int_equal(config_check(cfg, &err), 0);
    /* Only http: given: syslog keeps its defaults. */
    assert_int_equal(load("http:\n  listen: 127.0.0.1:9999\n"), 0);
    assert_int_equal(cfg->n_syslog, 2);
    assert_int_equal(cfg->http.port, 9999);
    /* Sizes and durations. */
    assert_int_equal(load("queue_bytes: 1G\n"), 0);
    assert_int_equal(cfg->queue_bytes, (size_t)1 << 30);
    assert_int_equal(load("queue_bytes: 2097152\n"), 0);
    assert_int_equal(cfg->queue_bytes, 2u << 20);
    assert_int_equal(load("queue_bytes: 4 MB\n"), 0);
    assert_int_equal(cfg->queue_bytes, 4u << 20);
    assert_int_equal(load("http: {header_timeout: 2m}\n"), 0);
    assert_int_equal(cfg->http.header_timeout_s, 120);
    /* Quoted and null strings. */
    assert_int_equal(load("tz: ~\ndecoders: null\n"), 0);
    assert_string_equal(cfg->tz, "");
    assert_int_equal(load("tz: \"UTC\"\n"), 0);
    assert_string_equal(cfg->tz, "UTC");
}

static const struct {
    const char *text;
    long line;
    const char *want;
} bad[] = {
    {"foo: 1\n", 1, "unknown key 'foo' at the top level (known: data_dir, log_level"},
    {"log_level: info\n\nsyslog:\n  - protocol: udp\n  - protocol: tcp\n    bar: 2\n", 6,
     "unknown key 'bar' in syslog[1] (known: name, protocol, listen, index"},
    {"http:\n  port: 80\n", 2, "unknown key 'port' in http (known: enabled, listen"},
    {"files:\n  - path: /x\n    glob: y\n", 3, "unknown key 'glob' in files[0] (known: name, path"},
    {"syslog:\n  - protocol: udp\n    listen: 127.0.0.1\n", 3,
     "syslog[0].listen: '127.0.0.1' has no port"},
    {"syslog:\n  - protocol: udp\n    listen: localhost:514\n", 3,
     "syslog[0].listen: 'localhost:514' is not HOST:PORT"},
    {"syslog:\n  - protocol: udp\n    listen: '::1:514'\n", 3,
     "syslog[0].listen: '::1:514' is not HOST:PORT"},
    {"syslog:\n  - protocol: udp\n    listen: '[::1]'\n", 3,
     "syslog[0].listen: '[::1]' is not HOST:PORT"},
    {"syslog:\n  - protocol: udp\n    listen: 1.2.3.4:70000\n", 3,
     "syslog[0].listen: '1.2.3.4:70000' is not HOST:PORT (the port must be 0-65535)"},
    {"syslog:\n  - protocol: udp\n    listen: '1.2.3.4:'\n", 3, "has no port"},
    {"syslog:\n  - protocol: udp\n    listen: 1.2.3.4:x1\n", 3, "is not HOST:PORT"},
    {"http:\n  listen: 300.1.1.1:80\n", 2, "http.listen: '300.1.1.1:80' is not HOST:PORT"},
    {"syslog:\n  - protocol: sctp\n", 2, "syslog[0].protocol: 'sctp' is not udp, tcp or tls"},
    {"syslog:\n  - listen: 127.0.0.1:1\n", 2, "syslog[0]: protocol is required"},
    {"\nsyslog:\n  - protocol: tls\n", 3, "syslog[0]: protocol tls needs cert and key"},
    {"syslog:\n  - protocol: udp\n    cert: /x\n", 3,
     "syslog[0].cert: only for protocol tls, not udp"},
    {"syslog:\n  - protocol: udp\n    idle_timeout: 5\n", 3,
     "syslog[0].idle_timeout: only for protocols tcp and tls"},
    {"syslog:\n  - protocol: tls\n    cert: a\n    key: b\n    verify_client: true\n", 5,
     "syslog[0].verify_client: needs ca"},
    {"syslog:\n  - protocol: tcp\n    verify_client: maybe\n", 3,
     "syslog[0].verify_client: 'maybe' is not true or false"},
    {"log_level: loud\n", 1, "log_level: 'loud' is not error, warn, info or debug"},
    {"queue_bytes: lots\n", 1, "queue_bytes: 'lots' is not a size"},
    {"queue_bytes: 12T\n", 1, "queue_bytes: '12T' is not a size"},
    {"queue_bytes: 10\n", 1, "queue_bytes: '10' is out of range (1048576 to"},
    {"queue_bytes: 99999999999999999999999\n", 1, "is out of range"},
    {"queue_bytes: -5\n", 1, "queue_bytes: '-5' is not a size"},
    {"http:\n  header_timeout: 10d\n", 2, "http.header_timeout: '10d' is not a duration"},
    {"http:\n  max_connections: 0\n", 2,
     "http.max_connections: '0' is out of range (1 to 1000000)"},
    {"http:\n  max_body: 5G\n", 2, "http.max_body: '5G' is out of range"},
    {"http:\n  enabled: 1\n", 2, "http.enabled: '1' is not true or false"},
    {"http:\n  default_index: Main\n", 2, "http.default_index: 'Main' is not an index name"},
    {"http:\n  cert: /a.pem\n", 1, "http: cert and key go together"},
    {"http: 8088\n", 1, "http: expected a map of keys"},
    {"syslog:\n  - protocol: udp\n    index: ''\n", 3, "syslog[0].index: must not be empty"},
    {"syslog:\n  - protocol: udp\n    index: 'a b'\n", 3,
     "syslog[0].index: 'a b' contains a space"},
    {"syslog:\n  - protocol: udp\n    index: _x\n", 3,
     "syslog[0].index: '_x' is not an index name"},
    {"syslog:\n  - protocol: udp\n    name: 'a/b'\n", 3, "syslog[0].name: 'a/b' is not a name"},
    {"syslog:\n  - protocol: udp\n  - protocol: udp\n    listen: '[::1]:5514'\n", 3,
     "syslog[1]: input name 'syslog-udp-5514' is already used by syslog[0]; set name:"},
    {"syslog:\n  - {protocol: udp, name: x}\nfiles:\n  - {path: /a, name: x}\n", 4,
     "files[0]: input name 'x' is already used by syslog[0]"},
    {"files:\n  - path: /a\n  - path: /b\n    name: file-1\n", 3, "files[1]: input name 'file-1'"},
    {"files:\n  - index: web\n", 2, "files[0]: path is required"},
    {"files:\n  - path: ''\n", 2, "files[0].path: must not be empty"},
    {"files:\n  - path: /a\n    poll_ms: 1\n", 3,
     "files[0].poll_ms: '1' is out of range (10 to 60000)"},
    {"files: /var/log\n", 1, "files: expected a list of maps (write 'files: []' for none)"},
    {"syslog:\n", 1, "syslog: expected a list of maps"},
    {"syslog:\n  - udp\n", 2, "syslog[0]: expected a map of keys"},
    {"syslog:\n  - protocol: [udp]\n", 2, "syslog[0].protocol: expected a single value"},
    {"data_dir: {a: 1}\n", 1, "data_dir: expected a single value, not a list or map"},
    {"data_dir: /a\ndata_dir: /b\n", 2, "key 'data_dir' appears twice at the top level"},
    {"tz: Mars/Olympus\n", 1, "tz: unknown time zone 'Mars/Olympus'"},
    {"tz: ../../etc/passwd\n", 1, "tz: unknown time zone"},
    {"- a\n- b\n", 1, "the top level must be a map of keys"},
    {"just text\n", 1, "the top level must be a map of keys"},
    {"a: 1\n---\nb: 2\n", 1, "unknown key 'a'"},
    {"log_level: info\n---\nlog_level: info\n", 2, "only one YAML document is allowed"},
    {"log_level: info\nhttp: {enabled: true\n", 3, "YAML:"},
    {"log_level: info\n\tdata_dir: x\n", 2, "YAML: found a tab character"},
    {"? [a, b]\n: c\n", 1, "keys must be plain words"},
    {"data_dir: \"a\\x01b\"\n", 1, "data_dir: 'a\\x01b' contains a control character"},
    {"data_dir: \"a\\0b\"\n", 1, "data_dir: value contains a NUL byte"},
};

static void
test_errors(void **state)
{
    size_t i;
    char before[400];

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i].text, bad[i].line, bad[i].want);
    /* A failed load leaves the configuration as it was. */
    config_defaults(cfg, "/tmp/keep");
    write_file(path, "log_level: debug\nsyslog: []\nqueue_bytes: 0\n", 43);
    assert_int_equal(config_load(cfg, path, &err), YM_EINVAL);
    assert_int_equal(err.line, 3);
    assert_int_equal(cfg->log_level, SRV_INFO);
    assert_int_equal(cfg->n_syslog, 2);
    assert_string_equal(cfg->path, "");
    assert_string_equal(cfg->data_dir, "/tmp/keep");
    /* A missing file is YM_ENOENT naming it; a directory is YM_EINVAL. */
    snprintf(before, sizeof(before), "%s/nope.yaml", dir);
    assert_int_equal(config_load(cfg, before, &err), YM_ENOENT);
    assert_ptr_equal(err.file, before);
    assert_non_null(strstr(err.msg, "No such file"));
    assert_int_equal(config_load(cfg, dir, &err), YM_EINVAL);
}

static void
test_hostile(void **state)
{
    size_t n = 200000, i;
    char *big = malloc(4 * n + 64);
    clock_t t0 = clock();

    (void)state;
    assert_non_null(big);
    /* Deep nesting as a value, and as the whole document. */
    memcpy(big, "data_dir: ", 10);
    memset(big + 10, '[', n);
    big[10 + n] = '\n';
    assert_int_equal(load_len(big, n + 11), YM_EINVAL);
    assert_int_equal(err.line, 1);
    memset(big, '[', n);
    assert_int_equal(load_len(big, n), YM_EINVAL);
    for (i = 0; i < n; i++)
        memcpy(big + 2 * i, "a:", 2);
    assert_int_equal(load_len(big, 2 * n), YM_EINVAL);
    /* Nested block maps under a known key. */
    {
        size_t o = 0, d;

        o += (size_t)snprintf(big + o, 64, "http:\n");
        for (d = 1; d < 500; d++) {
            memset(big + o, ' ', d);
            o += d;
            o += (size_t)snprintf(big + o, 64, "k%zu:\n", d);
        }
        assert_int_equal(load_len(big, o), YM_EINVAL);
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.msg, "unknown key 'k1' in http"));
    }
    /* A huge string: too long for its field, and a huge key. */
    memcpy(big, "data_dir: ", 10);
    memset(big + 10, 'a', 5000);
    big[5010] = '\n';
    assert_int_equal(load_len(big, 5011), YM_EINVAL);
    assert_non_null(strstr(err.msg, "data_dir: too long (5000 bytes, at most 4095)"));
    memset(big, 'k', 1000);
    memcpy(big + 1000, ": 1\n", 4);
    assert_int_equal(load_len(big, 1004), YM_EINVAL);
    assert_non_null(strstr(err.msg, "unknown key 'kkkk"));
    assert_non_null(strstr(err.msg, "...' at the top level"));
    assert_true(strlen(err.msg) < sizeof(err.msg));
    memset(big, 'k', 100000);
    memcpy(big + 100000, ": 1\n", 4);
    assert_int_equal(load_len(big, 100004), YM_EINVAL);
    free(big);
    /* A file over 1 MiB is refused before parsing. */
    big = calloc(1, (2u << 20) + 1);
    assert_non_null(big);
    memset(big, '#', 2u << 20);
    assert_int_equal(load_len(big, 2u << 20), YM_EINVAL);
    assert_non_null(strstr(err.msg, "larger than"));
    free(big);
    /* Aliases, including a billion laughs and a self-reference. */
    expect_error("data_dir: &d /x\ndecoders: *d\n", 2, "aliases");
    expect_error("a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n", 1,
                 "unknown key 'a'");
    expect_error("syslog: &s\n  - protocol: udp\n  - *s\n", 3, "aliases");
    expect_error("http: &h {enabled: *h}\n", 1, "aliases");
    /* Binary: invalid UTF-8, NUL bytes, random bytes. */
    assert_int_equal(load_len("data_dir: \xff\xfe\n", 13), YM_EINVAL);
    assert_non_null(strstr(err.msg, "YAML:"));
    assert_int_equal(load_len("log_level: info\ndata_dir: a\0b\n", 30), YM_EINVAL);
    assert_int_equal(err.line, 2);
    {
        unsigned char rnd[4096];
        unsigned seed = 12345;
        int k;

        for (k = 0; k < 50; k++) {
            for (i = 0; i < sizeof(rnd); i++) {
                seed = seed * 1103515245u + 12345u;
                rnd[i] = (unsigned char)(seed >> 16);
            }
            assert_int_equal(load_len((const char *)rnd, sizeof(rnd)), YM_EINVAL);
            assert_true(err.line >= 0);
        }
    }
    /* Too many inputs. */
    {
        size_t cap = 70 * 40, o = 0;
        char *t = malloc(cap);

        assert_non_null(t);
        o += (size_t)snprintf(t + o, cap - o, "syslog:\n");
        for (i = 0; i < CFG_MAX_INPUTS + 1; i++)
            o += (size_t)snprintf(t + o, cap - o, "  - {protocol: udp, name: u%zu}\n", i);
        expect_error(t, CFG_MAX_INPUTS + 2, "syslog: more than 64 inputs");
        free(t);
    }
    /* All of this is fast. */
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
}

static void
test_check(void **state)
{
    char text[1024], cert[300];

    (void)state;
    /* TLS files that do not exist or are not files. */
    assert_int_equal(load("syslog:\n  - protocol: tls\n    cert: /nonexistent/c.pem\n"
                          "    key: /nonexistent/k.pem\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "syslog[0].cert: cannot read '/nonexistent/c.pem'"));
    assert_ptr_equal(err.file, cfg->path);
    snprintf(cert, sizeof(cert), "%s/c.pem", dir);
    write_file(cert, "x", 1);
    snprintf(text, sizeof(text), "syslog:\n  - {protocol: tls, cert: %s, key: %s}\n", cert, dir);
    assert_int_equal(load(text), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "syslog[0].key:"));
    assert_non_null(strstr(err.msg, "is not a regular file"));
    snprintf(text, sizeof(text), "syslog:\n  - {protocol: tls, cert: %s, key: %s, ca: /no/ca}\n",
             cert, cert);
    assert_int_equal(load(text), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "syslog[0].ca: cannot read '/no/ca'"));
    snprintf(text, sizeof(text), "http: {cert: %s, key: /no/key}\n", cert);
    assert_int_equal(load(text), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "http.key: cannot read '/no/key'"));
    /* Clashing listeners. */
    assert_int_equal(load("syslog:\n  - {protocol: udp, name: a}\n  - {protocol: udp, name: b}\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(
        strstr(err.msg, "syslog[1] (b): listens on port 5514 UDP, as syslog[0] (a) does"));
    assert_int_equal(load("syslog:\n  - {protocol: tcp, listen: '0.0.0.0:601', name: a}\n"
                          "  - {protocol: tcp, listen: '127.0.0.1:601', name: b}\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "port 601 TCP"));
    assert_int_equal(load("syslog:\n  - {protocol: tcp, listen: '[::]:601'}\n"
                          "  - {protocol: udp, listen: '127.0.0.1:601'}\n"
                          "http:\n  listen: 127.0.0.1:601\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "http: listens on port 601 TCP, as syslog[0]"));
    /* Different addresses, or HTTP disabled: no clash. */
    assert_int_equal(load("syslog:\n  - {protocol: tcp, listen: '127.0.0.1:601'}\n"
                          "http:\n  listen: 127.0.0.2:601\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), 0);
    assert_int_equal(load("syslog:\n  - {protocol: tcp, listen: '127.0.0.1:601'}\n"
                          "http:\n  enabled: false\n  listen: 127.0.0.1:601\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), 0);
    /* Values set in the struct directly are checked too. */
    config_defaults(cfg, "/tmp/d");
    snprintf(cfg->syslog[0].index, sizeof(cfg->syslog[0].index), "Bad!");
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "syslog[0].index: 'Bad!' is not an index name"));
    assert_null(err.file);
    config_defaults(cfg, "/tmp/d");
    snprintf(cfg->http.host, sizeof(cfg->http.host), "localhost");
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "http: listen address is not numeric"));
    config_defaults(cfg, "/tmp/d");
    snprintf(cfg->decoders, sizeof(cfg->decoders), "/nonexistent-decoders");
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "decoders: '/nonexistent-decoders' is not a directory"));
    config_defaults(cfg, "/tmp/d");
    cfg->n_files = 1;
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "files[0].path: must not be empty"));
}

static void
test_describe(void **state)
{
    char out[4096], small[40];

    (void)state;
    config_defaults(cfg, "/tmp/d");
    config_describe(cfg, out, sizeof(out));
    assert_non_null(strstr(out, "(embedded defaults)"));
    assert_non_null(strstr(out, "data dir  /tmp/d\n"));
    assert_non_null(strstr(out, "syslog-udp-5514      udp 127.0.0.1:5514 -> index main\n"));
    assert_non_null(strstr(out, "syslog-tcp-5514      tcp 127.0.0.1:5514 -> index main\n"));
    assert_non_null(strstr(out, "http 127.0.0.1:8088"));
    assert_int_equal(load("syslog:\n  - {protocol: tls, listen: '[::1]:6514', cert: a, key: b,"
                          " ca: c, verify_client: on, index: net}\n"
                          "files:\n  - {path: /var/log/x.log}\nhttp: {enabled: false}\n"),
                     0);
    config_describe(cfg, out, sizeof(out));
    assert_non_null(strstr(out, path));
    assert_non_null(strstr(out, "syslog-tls-6514      tls [::1]:6514 -> index net, client"));
    assert_non_null(strstr(out, "file-1               file /var/log/x.log -> index main\n"));
    assert_non_null(strstr(out, "disabled"));
    /* Truncated, never overflowing. */
    memset(small, 'x', sizeof(small));
    config_describe(cfg, small, 20);
    assert_int_equal(strlen(small), 19);
    assert_int_equal(small[20], 'x');
}

static void
test_example(void **state)
{
    struct srv_config *def = calloc(1, sizeof(*def));

    (void)state;
    assert_non_null(def);
    if (access("yamori.yaml.example", R_OK) != 0) {
        free(def);
        skip();
    }
    config_defaults(cfg, "/tmp/d");
    assert_int_equal(config_load(cfg, "yamori.yaml.example", &err), 0);
    assert_int_equal(config_check(cfg, &err), 0);
    /* The file documents the defaults: apart from its path, it changes nothing. */
    config_defaults(def, "/tmp/d");
    snprintf(def->path, sizeof(def->path), "%s", "yamori.yaml.example");
    assert_memory_equal(def, cfg, sizeof(*def));
    free(def);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_lists_and_names), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),         cmocka_unit_test(test_check),
        cmocka_unit_test(test_describe),        cmocka_unit_test(test_example),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
