/*
 * config.h — the server's configuration: YAML (libyaml) with embedded
 * defaults, every key documented in yamori.yaml.example.
 *
 * With no file the defaults hold: syslog over UDP and TCP on
 * 127.0.0.1:5514, HTTP (event collector, API, metrics) on 127.0.0.1:8088,
 * data in the default data directory.  An unknown key or a bad value is an
 * error naming the file, the line and the key ("yamori.yaml:12: syslog[1].
 * listen: '127.0.0.1' has no port"), exit 2.
 */
#ifndef YM_SERVER_CONFIG_H
#define YM_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/notify.h"
#include "util/err.h"

#define CFG_MAX_INPUTS 64

enum cfg_proto { CFG_UDP = 1, CFG_TCP = 2, CFG_TLS = 3 };

struct cfg_syslog {
    char name[64];         /* "syslog-udp-5514" by default: PROTO and port */
    enum cfg_proto proto;
    char host[256];        /* listen address (numeric IPv4/IPv6) */
    uint16_t port;
    char index[65];        /* default "main" */
    char sourcetype[64];   /* "" : detect per line */
    char host_override[256]; /* "" : the host the line names */
    /* TLS */
    char cert[4096], key[4096], ca[4096]; /* PEM paths */
    bool verify_client;    /* require a client certificate signed by ca */
    /* bounds */
    size_t max_line;       /* bytes; longer lines are cut and counted (default 65536) */
    unsigned max_connections; /* TCP/TLS (default 1000) */
    unsigned idle_timeout_s;  /* close a silent TCP/TLS connection (default 600) */
    unsigned handshake_timeout_s; /* TLS (default 10) */
};

struct cfg_hec_token {
    char name[64];
    char indexes[16][65]; /* allowed indexes; none: any */
    size_t n_indexes;
};

struct cfg_http {
    bool enabled;            /* default true */
    char host[256];          /* default 127.0.0.1 */
    uint16_t port;           /* default 8088 */
    size_t max_body;         /* bytes of a request body, decompressed (default 32 MiB) */
    unsigned max_connections;/* default 1000 */
    unsigned header_timeout_s; /* a request must arrive whole within (default 10) */
    char default_index[65];  /* HEC events naming none (default "main") */
    /* TLS for HTTP (optional): empty cert means plain HTTP */
    char cert[4096], key[4096];
};

struct cfg_file {
    char name[64];
    char path[4096];       /* a file or a glob */
    char index[65];
    char sourcetype[64];
    char host_override[256];
    unsigned poll_ms;      /* default 250 */
};

/* Real-time detection (`detect:`).  What the paths default to is the
 * server's business; this only stores what the file says. */
struct cfg_detect {
    bool enabled;            /* default true: detection runs when rules exist */
    char rules[4096];        /* rule directory; "" : ./rules, then PREFIX/share/yamori/rules */
    char pipelines[4096];    /* processing pipelines; "" : RULES/pipelines */
    unsigned lateness_s;     /* how late an event may arrive for correlations (default 60) */
    size_t state_memory;     /* bytes of correlation state (default 256 MiB) */
    unsigned suppress_s;     /* per rule and key, fold repeats within (default 3600) */
    char alerts_index[65];   /* alerts are also stored as events here (default "alerts") */
    char placeholders[4096]; /* YAML file: placeholder name -> list of values; "" none */
    char checkpoint[4096];   /* correlation state file; "" : one in the data directory */
};

struct srv_config {
    char path[4096];       /* the file read, "" for the embedded defaults */
    char data_dir[4096];   /* default: $YAMORI_DATA, else ./yamori-data */
    int log_level;         /* enum srv_level; default info */
    size_t queue_bytes;    /* bound on queued event memory (default 64 MiB) */
    char tz[64];           /* zone for zone-less times; "" UTC */
    char decoders[4096];   /* directory of user decoders; "" none */
    struct cfg_syslog syslog[CFG_MAX_INPUTS];
    size_t n_syslog;
    struct cfg_http http;
    struct cfg_file files[CFG_MAX_INPUTS];
    size_t n_files;
    struct cfg_detect detect;
    struct notify_conf notify; /* `notify:` channels; none by default */
};

/* Fills cfg with the embedded defaults (data_dir from data_dir_default). */
void config_defaults(struct srv_config *cfg, const char *data_dir_default);
/*
 * Reads path over the defaults.  Returns 0, or YM_EINVAL with err naming
 * the file, line and key; YM_ENOENT / YM_EIO when it cannot be read.  A
 * list in the file (syslog:, files:, notify:) replaces the default list.
 */
int config_load(struct srv_config *cfg, const char *path, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Checks what the YAML cannot (files exist, ports distinct, detect's paths
 * exist, notify programs are executable); YM_EINVAL naming the key. */
int config_check(const struct srv_config *cfg, struct ym_err *err)
    __attribute__((warn_unused_result));
/* Writes a summary of cfg for --check-config (one line per input, one for
 * detection, one per notification channel; no secrets). */
void config_describe(const struct srv_config *cfg, char *out, size_t cap);

#endif
