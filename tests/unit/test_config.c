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
 *  - detect: and notify: are read with their defaults (detection on, 60 s
 *    lateness, 256 MiB state, 1 h suppression, index "alerts"; no
 *    channels), every channel key per type, severities as a minimum or a
 *    list, and each error names the line and the key; config_check finds
 *    missing rule paths and programs that cannot run; config_describe
 *    shows channels without their secrets;
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
#include <sys/stat.h>
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
    assert_true(cfg->detect.enabled);
    assert_string_equal(cfg->detect.rules, "");
    assert_string_equal(cfg->detect.pipelines, "");
    assert_int_equal(cfg->detect.lateness_s, 60);
    assert_int_equal(cfg->detect.state_memory, 256u << 20);
    assert_int_equal(cfg->detect.suppress_s, 3600);
    assert_string_equal(cfg->detect.alerts_index, "alerts");
    assert_string_equal(cfg->detect.placeholders, "");
    assert_string_equal(cfg->detect.checkpoint, "");
    assert_int_equal(cfg->notify.n, 0);
    assert_int_equal(cfg->notify.queue_max, 10000);
    assert_int_equal(cfg->notify.backoff_ms, 0);
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

static void
test_detect_notify(void **state)
{
    char text[4096], rules[300], ph[300];
    const struct notify_channel_conf *c;

    (void)state;
    snprintf(rules, sizeof(rules), "%s/rules", dir);
    snprintf(ph, sizeof(ph), "%s/placeholders.yaml", dir);
    assert_int_equal(mkdir(rules, 0700), 0);
    write_file(ph, "admins: [root]\n", 15);
    snprintf(text, sizeof(text),
             "detect:\n"
             "  enabled: false\n"
             "  rules: %s\n"
             "  pipelines: %s\n"
             "  lateness: 2m\n"
             "  state_memory: 1G\n"
             "  suppress: 1h\n"
             "  alerts_index: soc_alerts\n"
             "  placeholders: %s\n"
             "  checkpoint: /var/lib/yamori/corr.state\n"
             "notify:\n"
             "  - name: chat\n"
             "    type: webhook\n"
             "    min_severity: high\n"
             "    url: https://hooks.example.com/services/T000/B000/SECRET\n"
             "    slack: true\n"
             "    headers: ['Authorization: Bearer t0ken', 'X-Team: soc']\n"
             "    retries: 3\n"
             "    timeout: 5s\n"
             "  - type: email\n"
             "    severities: [low, informational]\n"
             "    digest: 1h\n"
             "    smtp_url: smtp://mail.example.com:587\n"
             "    from: yamori@example.com\n"
             "    to: [soc@example.com, oncall@example.com]\n"
             "    username: yamori\n"
             "    password: 'pass word'\n"
             "    starttls: true\n"
             "  - type: email\n"
             "    name: single\n"
             "    severities: critical\n"
             "    smtp_url: smtps://mail.example.com\n"
             "    from: y@example.com\n"
             "    to: boss@example.com\n"
             "  - type: syslog\n"
             "    target: siem.example.com:514\n"
             "  - type: syslog\n"
             "    target: '[2001:db8::1]:6514'\n"
             "    protocol: tcp\n"
             "    severities: [medium]\n"
             "  - type: program\n"
             "    program: /bin/cat --flag\n"
             "    timeout: 1m\n"
             "    retries: 0\n",
             rules, rules, ph);
    assert_int_equal(load(text), 0);
    assert_false(cfg->detect.enabled);
    assert_string_equal(cfg->detect.rules, rules);
    assert_string_equal(cfg->detect.pipelines, rules);
    assert_int_equal(cfg->detect.lateness_s, 120);
    assert_int_equal(cfg->detect.state_memory, 1u << 30);
    assert_int_equal(cfg->detect.suppress_s, 3600);
    assert_string_equal(cfg->detect.alerts_index, "soc_alerts");
    assert_string_equal(cfg->detect.placeholders, ph);
    assert_string_equal(cfg->detect.checkpoint, "/var/lib/yamori/corr.state");
    assert_int_equal(cfg->notify.n, 6);
    assert_int_equal(cfg->notify.queue_max, 10000);
    c = &cfg->notify.ch[0];
    assert_string_equal(c->name, "chat");
    assert_int_equal(c->type, NOTIFY_WEBHOOK);
    assert_false(c->severities[0] || c->severities[1] || c->severities[2]);
    assert_true(c->severities[3] && c->severities[4]);
    assert_int_equal(c->digest_s, 0);
    assert_string_equal(c->url, "https://hooks.example.com/services/T000/B000/SECRET");
    assert_true(c->slack);
    assert_int_equal(c->n_headers, 2);
    assert_string_equal(c->headers[0], "Authorization: Bearer t0ken");
    assert_string_equal(c->headers[1], "X-Team: soc");
    assert_int_equal(c->retries, 3);
    assert_int_equal(c->timeout_s, 5);
    c = &cfg->notify.ch[1];
    assert_string_equal(c->name, "email-2");
    assert_int_equal(c->type, NOTIFY_EMAIL);
    assert_true(c->severities[0] && c->severities[1]);
    assert_false(c->severities[2] || c->severities[3] || c->severities[4]);
    assert_int_equal(c->digest_s, 3600);
    assert_string_equal(c->smtp_url, "smtp://mail.example.com:587");
    assert_string_equal(c->from, "yamori@example.com");
    assert_int_equal(c->n_to, 2);
    assert_string_equal(c->to[0], "soc@example.com");
    assert_string_equal(c->to[1], "oncall@example.com");
    assert_string_equal(c->username, "yamori");
    assert_string_equal(c->password, "pass word");
    assert_true(c->starttls);
    assert_int_equal(c->retries, 5);
    assert_int_equal(c->timeout_s, 10);
    c = &cfg->notify.ch[2];
    assert_string_equal(c->name, "single");
    assert_int_equal(c->n_to, 1);
    assert_string_equal(c->to[0], "boss@example.com");
    assert_true(c->severities[4]);
    assert_false(c->severities[3]);
    c = &cfg->notify.ch[3];
    assert_string_equal(c->name, "syslog-4");
    assert_int_equal(c->type, NOTIFY_SYSLOG);
    assert_string_equal(c->target, "siem.example.com:514");
    assert_false(c->tcp);
    assert_true(c->severities[0] && c->severities[2] && c->severities[4]); /* all by default */
    c = &cfg->notify.ch[4];
    assert_string_equal(c->target, "[2001:db8::1]:6514");
    assert_true(c->tcp);
    assert_true(c->severities[2]);
    assert_false(c->severities[3]);
    c = &cfg->notify.ch[5];
    assert_string_equal(c->name, "program-6");
    assert_string_equal(c->program, "/bin/cat --flag");
    assert_int_equal(c->timeout_s, 60);
    assert_int_equal(c->retries, 0);
    assert_int_equal(config_check(cfg, &err), 0);

    /* notify: [] empties the list; detect: {} keeps the defaults. */
    assert_int_equal(load("notify: []\ndetect: {}\n"), 0);
    assert_int_equal(cfg->notify.n, 0);
    assert_true(cfg->detect.enabled);
    assert_int_equal(cfg->detect.lateness_s, 60);
    /* The notifier takes what the parser made. */
    assert_int_equal(load("notify:\n  - {type: syslog, target: '127.0.0.1:9'}\n"
                          "  - {type: webhook, url: 'http://127.0.0.1:9/'}\n"),
                     0);
    {
        struct notify *n = notify_new(&cfg->notify, &err);

        assert_non_null(n);
        notify_free(n, 0);
    }
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
    {"detect: on\n", 1, "detect: expected a map of keys"},
    {"detect:\n  rule: /x\n", 2, "unknown key 'rule' in detect (known: enabled, rules, pipelines"},
    {"detect:\n  enabled: maybe\n", 2, "detect.enabled: 'maybe' is not true or false"},
    {"detect:\n  lateness: 2d\n", 2, "detect.lateness: '2d' is not a duration"},
    {"detect:\n  lateness: 86401\n", 2, "detect.lateness: '86401' is out of range (0 to 86400"},
    {"detect:\n  state_memory: 10K\n", 2, "detect.state_memory: '10K' is out of range"},
    {"detect:\n  suppress: 31d\n", 2, "detect.suppress: '31d' is not a duration"},
    {"detect:\n  alerts_index: Alerts\n", 2, "detect.alerts_index: 'Alerts' is not an index name"},
    {"detect:\n  rules: [a]\n", 2, "detect.rules: expected a single value"},
    {"notify:\n  type: webhook\n", 2, "notify: expected a list of maps (write 'notify: []'"},
    {"notify:\n  - webhook\n", 2, "notify[0]: expected a map of keys"},
    {"notify:\n  - url: http://x/\n", 2, "notify[0]: type is required (webhook, email"},
    {"notify:\n  - type: pager\n", 2, "notify[0].type: 'pager' is not webhook, email, syslog"},
    {"notify:\n  - type: webhook\n    hook: x\n", 3,
     "unknown key 'hook' in notify[0] (known: name, type, min_severity"},
    {"notify:\n  - type: webhook\n", 2, "notify[0]: type webhook needs url"},
    {"notify:\n  - type: webhook\n    url: ftp://x/\n", 3,
     "notify[0].url: 'ftp://x/' is not an http:// or https:// URL"},
    {"notify:\n  - type: webhook\n    url: 'http://'\n", 3, "is not an http:// or https:// URL"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    to: a@b\n", 4,
     "notify[0].to: only for type email, not webhook"},
    {"notify:\n  - url: http://x/\n    type: syslog\n    target: h:1\n", 2,
     "notify[0].url: only for type webhook, not syslog"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    headers: ['NoColon']\n", 4,
     "notify[0].headers[0]: 'NoColon' is not an HTTP header"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    headers: 'A: b'\n", 4,
     "notify[0].headers: expected a list of values"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    headers: ['A: 1', 'B: 2', 'C: 3', "
     "'D: 4', 'E: 5', 'F: 6', 'G: 7', 'H: 8', 'I: 9']\n",
     4, "notify[0].headers: more than 8 values"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    headers:\n      - \"A: b\\r\\nC: d\"\n",
     5, "notify[0].headers[0]: 'A: b\\x0d\\x0aC: d' contains a control character"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    min_severity: severe\n", 4,
     "notify[0].min_severity: 'severe' is not a severity (informational, low, medium, high"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    severities: [high, urgent]\n", 4,
     "notify[0].severities[1]: 'urgent' is not a severity"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    severities: []\n", 4,
     "notify[0].severities: must not be empty"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    min_severity: low\n"
     "    severities: [high]\n",
     5, "notify[0].severities: give min_severity or severities, not both"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    digest: 1d\n", 4,
     "notify[0].digest: '1d' is not a duration"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    retries: 21\n", 4,
     "notify[0].retries: '21' is out of range (0 to 20)"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    timeout: 0\n", 4,
     "notify[0].timeout: '0' is out of range (1 to 600 seconds)"},
    {"notify:\n  - type: webhook\n    url: http://x/\n    slack: 2\n", 4,
     "notify[0].slack: '2' is not true or false"},
    {"notify:\n  - type: email\n    smtp_url: smtp://m\n    from: a@b\n", 2,
     "notify[0]: type email needs smtp_url, from and to"},
    {"notify:\n  - type: email\n    smtp_url: http://m\n", 3,
     "notify[0].smtp_url: 'http://m' is not an smtp:// or smtps:// URL"},
    {"notify:\n  - type: email\n    from: 'a@b>, <c@d'\n", 3, "notify[0].from: 'a@b>, <c@d'"},
    {"notify:\n  - type: email\n    from: nobody\n", 3,
     "notify[0].from: 'nobody' is not an e-mail address"},
    {"notify:\n  - type: email\n    to: [a@b, '@c']\n", 3,
     "notify[0].to[1]: '@c' is not an e-mail address"},
    {"notify:\n  - type: email\n    to: [[a@b]]\n", 3, "notify[0].to[0]: expected a single value"},
    {"notify:\n  - type: email\n    smtp_url: smtp://m\n    from: a@b\n    to: c@d\n"
     "    password: x\n",
     6, "notify[0].password: needs username"},
    {"notify:\n  - type: email\n    starttls: sometimes\n", 3,
     "notify[0].starttls: 'sometimes' is not true or false"},
    {"notify:\n  - type: syslog\n", 2, "notify[0]: type syslog needs target (HOST:PORT)"},
    {"notify:\n  - type: syslog\n    target: siem\n", 3,
     "notify[0].target: 'siem' is not HOST:PORT"},
    {"notify:\n  - type: syslog\n    target: 'siem:0'\n", 3,
     "notify[0].target: 'siem:0' is not HOST:PORT (the port must be 1-65535)"},
    {"notify:\n  - type: syslog\n    target: '::1:514'\n", 3, "write IPv6 as [ADDR]:PORT"},
    {"notify:\n  - type: syslog\n    target: h:1\n    protocol: tls\n", 4,
     "notify[0].protocol: 'tls' is not udp or tcp"},
    {"notify:\n  - type: program\n", 2, "notify[0]: type program needs program"},
    {"notify:\n  - type: program\n    program: '   '\n", 3, "notify[0].program: must not be empty"},
    {"notify:\n  - type: program\n    program: \"/bin/x\\targ\"\n", 3,
     "notify[0].program: '/bin/x\\x09arg' contains a control character"},
    {"notify:\n  - {type: program, program: /bin/true, name: 'a b'}\n", 2,
     "notify[0].name: 'a b' contains a space"},
    {"notify:\n  - {type: program, program: /bin/true}\n  - {type: program, program: /bin/true,"
     " name: program-1}\n",
     3, "notify[1]: channel name 'program-1' is already used by notify[0]; set name:"},
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
        o = (size_t)snprintf(t, cap, "notify:\n");
        for (i = 0; i < NOTIFY_MAX_CHANNELS + 1; i++)
            o += (size_t)snprintf(t + o, cap - o, "  - {type: program, program: /bin/true}\n");
        expect_error(t, NOTIFY_MAX_CHANNELS + 2, "notify: more than 32 channels");
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
    /* Detection's paths must exist; programs naming a path must run. */
    assert_int_equal(load("detect:\n  rules: /nonexistent/rules\n"), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "detect.rules: cannot read '/nonexistent/rules'"));
    assert_ptr_equal(err.file, cfg->path);
    snprintf(text, sizeof(text), "detect:\n  rules: %s\n  pipelines: /nonexistent/p\n", dir);
    assert_int_equal(load(text), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "detect.pipelines: cannot read '/nonexistent/p'"));
    snprintf(text, sizeof(text), "detect:\n  placeholders: %s\n", dir);
    assert_int_equal(load(text), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "detect.placeholders: "));
    assert_non_null(strstr(err.msg, "is not a regular file"));
    assert_int_equal(load("notify:\n  - {type: program, program: /nonexistent/alert.sh -v}\n"
                          "  - {type: program, program: notify-send}\n"),
                     0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(
        strstr(err.msg, "notify[0].program: cannot run '/nonexistent/alert.sh': No such file"));
    snprintf(text, sizeof(text), "notify:\n  - {type: program, program: %s/c.pem}\n", dir);
    assert_int_equal(load(text), 0);
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "Permission denied"));
    config_defaults(cfg, "/tmp/d");
    snprintf(cfg->detect.alerts_index, sizeof(cfg->detect.alerts_index), "A!");
    assert_int_equal(config_check(cfg, &err), YM_EINVAL);
    assert_non_null(strstr(err.msg, "detect.alerts_index: 'A!' is not an index name"));
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
    assert_non_null(strstr(out, "detect               rules (./rules, else the installed pack), "
                                "alerts -> index alerts, suppress 3600s, lateness 60s, state "
                                "268435456 bytes\n"));
    assert_int_equal(load("detect: {enabled: false}\n"
                          "notify:\n"
                          "  - {type: webhook, url: 'https://u:pw@hooks.example.com/T0/SECRET',"
                          " slack: true, min_severity: high}\n"
                          "  - {type: email, smtp_url: 'smtp://mail.example.com:587', from: a@b,"
                          " to: [c@d, e@f], username: u, password: hunter2, digest: 1h}\n"
                          "  - {type: syslog, target: 'siem:514', protocol: tcp,"
                          " severities: [medium]}\n"
                          "  - {type: program, program: /usr/local/bin/page --all}\n"),
                     0);
    config_describe(cfg, out, sizeof(out));
    assert_non_null(strstr(out, "detect               disabled\n"));
    assert_non_null(strstr(out, "webhook-1            notify webhook https://hooks.example.com/..."
                                " slack (critical high; at once)\n"));
    assert_non_null(strstr(out, "email-2              notify email smtp://mail.example.com:587 to 2"
                                " addresses (critical high medium low informational; digest every"
                                " 3600s)\n"));
    assert_non_null(
        strstr(out, "syslog-3             notify syslog tcp siem:514 (medium; at once)\n"));
    assert_non_null(
        strstr(out, "program-4            notify program /usr/local/bin/page (critical"));
    assert_null(strstr(out, "SECRET"));
    assert_null(strstr(out, "hunter2"));
    assert_null(strstr(out, "pw@"));
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
        cmocka_unit_test(test_detect_notify),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
