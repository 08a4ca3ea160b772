/*
 * demo_gen.c -- `yamori demo-gen`: one simulated UTC day of SOC device logs.
 *
 * Where it sits: outside the data flow, in front of it. It writes input for the ingester:
 * eight log files in the native formats of the devices a SOC monitors (netfilter, sshd/sudo,
 * Squid, BIND, Postfix, Suricata EVE, ClamAV, nginx) with background traffic and one
 * embedded attack story (port scan, SSH brute force, login, sudo, malware download, C2
 * beaconing), plus DIR/ground-truth.json describing the attack. docs/DEMO.md describes the
 * output.
 *
 * How: the attack is planned first, as a small list of events (a few thousand at most,
 * whatever --events is), sorted by file and time. Then every file is written by one
 * streaming loop: a timestamp stream (struct tsgen) hands out the file's background
 * timestamps in non-decreasing order, spreading an exact count over the 1440 minutes of the
 * day along a diurnal profile; a per-file generator turns each timestamp into one line; the
 * file's attack events are merged in by time. Lines are formatted by hand into one big
 * output buffer (no stdio, no snprintf on the hot path).
 *
 * Invariants:
 *  - Deterministic: all randomness comes from xoshiro256** streams seeded through
 *    splitmix64 from --seed and a per-purpose constant; no clock, no rand(), no floating
 *    point. Same --events/--seed/--date give byte-identical files.
 *  - Exact: the lines of all log files add up to --events (attack lines included).
 *  - Bounded: memory is one output buffer plus the attack list; nothing grows with N.
 *  - Time ordered: each file's lines are in non-decreasing time order, and each file's
 *    mtime is the date's 23:59:59 UTC + 60 s (the ingester infers the syslog year from it).
 */
#include "demo_gen.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define US_PER_S     1000000LL
#define DAY_S        86400LL
#define DAY_US       (DAY_S * US_PER_S)
#define MIN_EVENTS   1000ULL
#define MAX_EVENTS   100000000ULL
#define OUT_CAP      ((size_t)1 << 20) /* output buffer, bytes */
#define LINE_MAX_LEN 2048              /* no generated line comes near this, bytes */
#define N_MINUTES    1440

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define IP4(a, b, c, d) \
    (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define PUT_LIT(o, s) put_mem((o), (s), sizeof(s) - 1)

/* The simulated network. */
#define IP_NS       IP4(10, 0, 0, 53)  /* ns01, BIND */
#define IP_PROXY    IP4(10, 0, 0, 8)   /* proxy01, Squid + ClamAV */
#define IP_MAILSTORE IP4(10, 0, 0, 26) /* mail.corp.example, internal mailbox server */
#define IP_WEB      IP4(10, 0, 1, 10)  /* web01, the victim; 1:1 NAT from IP_PUB_BASE */
#define IP_BASTION  IP4(10, 0, 1, 12)  /* bastion01 */
#define IP_PUB_BASE IP4(203, 0, 113, 10) /* our public addresses, .10 to .14 */

static const char *const C2_SIG = "Unix.Trojan.Mirai-7100807-0";

/* ------------------------------------------------------------------------------------ */
/* Files and phases                                                                      */

enum {
    F_FW,
    F_AUTH,
    F_SQUID,
    F_DNS,
    F_MAIL,
    F_EVE,
    F_CLAM,
    F_NGINX,
    N_FILES
};

enum {
    PH_SCAN,
    PH_BRUTE,
    PH_LOGIN,
    PH_SUDO,
    PH_MALWARE,
    PH_C2,
    N_PHASES
};

static const char *const phase_names[N_PHASES] = {
    "port_scan", "ssh_brute_force", "ssh_login", "sudo_root", "malware_download", "c2_beaconing",
};

/* What an attack event renders as. */
enum {
    AK_FW_SCAN,        /* FW-DROP of one scan SYN */
    AK_EVE_SCAN_ALERT, /* Suricata ET SCAN alert */
    AK_SSH_INVALID,    /* Invalid user X from A port P */
    AK_SSH_FAILED,     /* Failed password for [invalid user] X from A port P ssh2 */
    AK_SSH_CLOSED,     /* Connection closed by ... [preauth] */
    AK_SSH_ACCEPTED,   /* Accepted password for alice */
    AK_SSH_PAM_OPEN,   /* pam_unix(sshd:session): session opened */
    AK_SUDO,           /* sudo: alice : ... COMMAND=/bin/bash */
    AK_SUDO_PAM_OPEN,  /* pam_unix(sudo:session): session opened */
    AK_DNS_MAL,        /* query for the malware host */
    AK_SQUID_MAL,      /* GET of the ELF through the proxy */
    AK_CLAM_FOUND,     /* ClamAV FOUND */
    AK_EVE_MAL_HTTP,   /* Suricata http event of the download */
    AK_DNS_C2,         /* query for the C2 domain */
    AK_FW_C2,          /* FW-ACCEPT to the C2 address */
    AK_EVE_C2_TLS      /* Suricata tls event to the C2 */
};

/* One planned attack line. The list is small and fixed in size (see plan_attack()). */
struct aev {
    int64_t t_us;  /* microseconds since the simulated day's 00:00:00 UTC */
    uint32_t seq;  /* creation order; tie-breaker that keeps the sort stable */
    uint32_t rnd;  /* random bits for the renderer (IP ID, TTL, ...) */
    uint32_t pid;  /* process id, or elapsed ms for the squid line */
    uint16_t port; /* attacker/victim source port, or the scanned port */
    uint8_t file;  /* F_* */
    uint8_t phase; /* PH_* */
    uint8_t kind;  /* AK_* */
    uint8_t user;  /* index into bf_users */
};

/* ------------------------------------------------------------------------------------ */
/* PRNG: xoshiro256** seeded through splitmix64                                         */

struct rng {
    uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seeds r from the user's seed and a stream number, so each purpose gets its own stream. */
static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    x = splitmix64(&x) ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, n) by multiply-shift (bias below 2^-32, irrelevant here); n >= 1. */
static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi], inclusive. */
static inline uint32_t
rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

static inline bool
rng_pct(struct rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

/* Roughly log-uniform in [2^lo_bits, 2^hi_bits): sizes and durations with a long tail. */
static uint32_t
rng_logu(struct rng *r, unsigned lo_bits, unsigned hi_bits)
{
    unsigned b = rng_range(r, lo_bits, hi_bits - 1);
    return (1u << b) + rng_below(r, 1u << b);
}

/* Index into a table whose rows start with a uint16_t weight, drawn by weight. */
static size_t
pick_w(struct rng *r, const void *base, size_t n, size_t stride)
{
    const unsigned char *p = base;
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += *(const uint16_t *)(const void *)(p + i * stride);
    uint32_t x = rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        uint32_t w = *(const uint16_t *)(const void *)(p + i * stride);
        if (x < w)
            return i;
        x -= w;
    }
    return n - 1;
}
#define PICK(r, tab) pick_w((r), (tab), ARRAY_LEN(tab), sizeof((tab)[0]))

static uint64_t
mix64(uint64_t x)
{
    return splitmix64(&x);
}

/* ------------------------------------------------------------------------------------ */
/* Static tables                                                                         */

static const char *const month_abbr[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Hourly traffic weights: office hours, and the flatter internet-facing shape. */
static const uint16_t prof_office[24] = {
    12, 10, 9, 9, 10, 14, 25, 55, 90, 100, 100, 95, 80, 95, 100, 98, 90, 65, 40, 30, 26, 22, 18, 14,
};
static const uint16_t prof_mixed[24] = {
    45, 42, 40, 40, 42, 46, 55, 70, 88, 96, 98, 96, 90, 96, 98, 97, 92, 82, 72, 68, 64, 60, 55, 50,
};
static const uint16_t prof_public[24] = {
    40, 34, 30, 28, 28, 32, 42, 55, 70, 80, 85, 88, 90, 88, 86, 85, 86, 90, 96, 100, 98, 88, 70, 52,
};

/* Domains browsed over TLS (squid CONNECT, Suricata tls, DNS queries, firewall). */
struct dom {
    uint16_t w;
    const char *name;
};
static const struct dom doms[] = {
    {120, "www.google.com"},
    {60, "www.gstatic.com"},
    {35, "fonts.googleapis.com"},
    {90, "outlook.office365.com"},
    {60, "login.microsoftonline.com"},
    {70, "teams.microsoft.com"},
    {20, "www.bing.com"},
    {45, "github.com"},
    {25, "api.github.com"},
    {15, "objects.githubusercontent.com"},
    {40, "slack.com"},
    {30, "edgeapi.slack.com"},
    {25, "zoom.us"},
    {35, "www.youtube.com"},
    {25, "i.ytimg.com"},
    {20, "en.wikipedia.org"},
    {25, "stackoverflow.com"},
    {20, "www.linkedin.com"},
    {15, "www.amazon.com"},
    {20, "s3.amazonaws.com"},
    {15, "cdn.jsdelivr.net"},
    {15, "cdnjs.cloudflare.com"},
    {10, "www.bbc.co.uk"},
    {8, "news.ycombinator.com"},
    {12, "www.reddit.com"},
    {6, "docs.python.org"},
    {15, "update.googleapis.com"},
    {20, "clients4.google.com"},
    {15, "safebrowsing.googleapis.com"},
    {10, "firefox.settings.services.mozilla.com"},
    {10, "corp-example.my.salesforce.com"},
    {30, "corp-example.atlassian.net"},
    {8, "api.dropboxapi.com"},
    {6, "www.dropbox.com"},
    {8, "registry.npmjs.org"},
    {6, "pypi.org"},
    {6, "files.pythonhosted.org"},
    {12, "www.office.com"},
    {10, "graph.microsoft.com"},
    {8, "www.nytimes.com"},
};

/* Plain-HTTP requests (squid GET/POST, Suricata http). */
struct hurl {
    uint16_t w;
    const char *method;
    const char *host;
    const char *path;
    const char *base; /* file name ClamAV shows for the scanned copy */
    const char *ctype;
    const char *ua;
    uint32_t size; /* typical body size, bytes */
};
static const char UA_APT[] = "Debian APT-HTTP/1.3 (2.6.1)";
static const char UA_CAPI[] = "Microsoft-CryptoAPI/10.0";
static const char UA_FF[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 "
                            "Firefox/132.0";
static const char UA_CHROME[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                                "(KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
static const struct hurl hurls[] = {
    {30, "GET", "deb.debian.org", "/debian/dists/bookworm/InRelease", "InRelease", "text/plain",
     UA_APT, 151480},
    {20, "GET", "security.debian.org", "/debian-security/dists/bookworm-security/InRelease",
     "InRelease", "text/plain", UA_APT, 48412},
    {12, "GET", "deb.debian.org", "/debian/pool/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb",
     "libssl3_3.0.15-1~deb12u1_amd64.deb", "application/vnd.debian.binary-package", UA_APT,
     2029144},
    {40, "POST", "ocsp.digicert.com", "/", "ocsp", "application/ocsp-response", UA_CAPI, 471},
    {30, "POST", "r11.o.lencr.org", "/", "ocsp", "application/ocsp-response", UA_FF, 503},
    {25, "GET", "ctldl.windowsupdate.com",
     "/msdownload/update/v3/static/trustedr/en/authrootstl.cab", "authrootstl.cab",
     "application/vnd.ms-cab-compressed", UA_CAPI, 79412},
    {35, "GET", "www.msftconnecttest.com", "/connecttest.txt", "connecttest.txt", "text/plain",
     "Microsoft NCSI", 22},
    {20, "GET", "detectportal.firefox.com", "/canonical.html", "canonical.html", "text/html", UA_FF,
     90},
    {15, "GET", "crl.pki.goog", "/gtsr1/gtsr1.crl", "gtsr1.crl", "application/pkix-crl", UA_CAPI,
     1186},
    {10, "GET", "x1.c.lencr.org", "/", "x1.crl", "application/pkix-crl", UA_FF, 1161},
    {8, "GET", "www.example.com", "/index.html", "index.html", "text/html", UA_CHROME, 1256},
    {5, "GET", "neverssl.com", "/online/", "online.html", "text/html", UA_CHROME, 2480},
    {10, "GET", "download.windowsupdate.com",
     "/c/msdownload/update/software/defu/2026/11/am_delta_patch_1.421.318.0.exe",
     "am_delta_patch_1.421.318.0.exe", "application/octet-stream",
     "Microsoft-Delivery-Optimization/10.0", 1204832},
};

/* Legitimate users of the servers in auth.log; alice is the one the attacker takes over. */
struct user {
    const char *name;
    unsigned uid;
    uint32_t ip; /* the workstation they log in from */
};
static const struct user users[] = {
    {"alice", 1001, IP4(10, 0, 2, 21)}, {"bob", 1002, IP4(10, 0, 2, 22)},
    {"carol", 1003, IP4(10, 0, 2, 23)}, {"deploy", 1004, IP4(10, 0, 2, 15)},
    {"dave", 1005, IP4(10, 0, 2, 24)},
};
#define USER_ALICE 0

static const char *const auth_hosts[] = {"web01", "db01", "bastion01"};
static const unsigned logind_pid[] = {412, 398, 421};
#define HOST_WEB01 0
#define HOST_BASTION 2

static const char *const sudo_cmds[] = {
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/systemctl status nginx",
    "/usr/bin/apt-get update",
    "/usr/bin/apt-get -y upgrade",
    "/usr/bin/journalctl -u nginx --since today",
    "/usr/bin/tail -n 200 /var/log/nginx/error.log",
    "/usr/sbin/nginx -t",
    "/usr/bin/systemctl reload postgresql",
    "/usr/bin/docker ps",
    "/usr/bin/du -sh /var/log",
};

/* Names internet scanners try against bastion01 (key-only, so no passwords are tried). */
static const char *const noise_users[] = {
    "admin", "ubuntu", "test", "user", "oracle", "pi", "git", "postgres", "ftpuser", "guest",
    "support", "hadoop", "steam", "minecraft", "debian",
};

/* Usernames of the brute force against web01; alice exists, root exists. */
struct bf_user {
    uint16_t w;
    const char *name;
    bool is_valid;
};
static const struct bf_user bf_users[] = {
    {30, "root", true},   {20, "admin", false},  {15, "alice", true},  {10, "test", false},
    {8, "oracle", false}, {8, "ubuntu", false},  {5, "user", false},   {4, "postgres", false},
};
#define BF_ALICE 2

/* Ports the internet probes (inbound drops). */
struct wport {
    uint16_t w;
    uint16_t port;
};
static const struct wport probe_tcp[] = {
    {200, 23}, {120, 445}, {120, 3389}, {150, 22}, {80, 8080}, {50, 1433}, {40, 5900},
    {40, 80},  {30, 443},  {30, 3306},  {30, 6379}, {20, 25},  {40, 2323}, {20, 8443},
    {15, 81},  {15, 8888}, {12, 5432},  {10, 9200}, {10, 27017}, {10, 21}, {8, 110},
    {8, 135},  {8, 139},   {10, 7547},  {10, 5555}, {6, 10250}, {6, 2375}, {5, 11211},
};
static const struct wport probe_udp[] = {
    {30, 53}, {25, 123}, {25, 161}, {30, 1900}, {25, 5060}, {10, 11211}, {10, 389}, {5, 19},
};

/* Well-known ports the attacker's scan hits first (22, 80 and 443 are open: not dropped). */
static const uint16_t scan_first_ports[] = {
    21, 23, 25, 53, 110, 111, 135, 139, 143, 445, 993, 995, 1433, 1723, 3306, 3389, 5432,
    5900, 6379, 8080, 8443, 8888, 9200, 27017,
};

/* Mail. */
struct mpeer {
    uint16_t w;
    const char *helo;   /* the sending server's name */
    const char *domain; /* its sender domain */
};
static const struct mpeer mail_peers[] = {
    {30, "mail-ed1-f41.google.com", "gmail.com"},
    {20, "mail-lj1-f169.google.com", "gmail.com"},
    {25, "mail-eur01on2091.outbound.protection.outlook.com", "partner.example.net"},
    {15, "smtp.supplier.example.org", "supplier.example.org"},
    {10, "mx.bank.example", "bank.example"},
    {15, "mta1.newsletter.example.com", "newsletter.example.com"},
    {10, "smtp-out.customer.example", "customer.example"},
};
struct mdest {
    uint16_t w;
    const char *domain;
    const char *mx;
};
static const struct mdest mail_dests[] = {
    {40, "gmail.com", "gmail-smtp-in.l.google.com"},
    {25, "partner.example.net", "partner-example-net.mail.protection.outlook.com"},
    {15, "supplier.example.org", "mx1.supplier.example.org"},
    {10, "customer.example", "mx.customer.example"},
    {10, "bank.example", "mx.bank.example"},
};
static const char *const mail_lparts[] = {
    "john.doe", "invoices", "noreply", "support", "j.smith", "news", "orders", "m.rossi",
    "accounts", "hr",
};
static const char *const mail_rcpts[] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "info", "sales",
};

/* DNS query types as BIND prints them. */
struct qtype {
    uint16_t w;
    const char *name;
};
static const struct qtype qtypes[] = {
    {55, "A"}, {25, "AAAA"}, {8, "HTTPS"}, {4, "PTR"}, {3, "TXT"}, {2, "MX"}, {2, "SRV"}, {1, "NS"},
};
static const struct qtype dns_flags[] = {
    {60, "+E(0)K"}, {25, "+E(0)"}, {10, "+"}, {5, "+ED"},
};

/* nginx: the public web shop on web01. */
struct npath {
    uint16_t w;
    const char *method;
    const char *path;
    unsigned id_max; /* if non-zero, a number 1..id_max is appended, then suffix */
    const char *suffix;
    uint32_t size;
    uint16_t status;
    bool is_static;
};
static const struct npath npaths[] = {
    {300, "GET", "/", 0, "", 14230, 200, false},
    {180, "GET", "/products/", 500, "", 9800, 200, false},
    {80, "GET", "/category/", 12, "", 12100, 200, false},
    {200, "GET", "/static/css/main.4f1c2e.css", 0, "", 48213, 200, true},
    {200, "GET", "/static/js/app.9a8b7c.js", 0, "", 183225, 200, true},
    {120, "GET", "/static/img/logo.svg", 0, "", 5120, 200, true},
    {220, "GET", "/images/products/", 500, ".jpg", 64000, 200, true},
    {60, "GET", "/favicon.ico", 0, "", 15086, 200, true},
    {15, "GET", "/robots.txt", 0, "", 68, 200, true},
    {10, "GET", "/sitemap.xml", 0, "", 22000, 200, false},
    {40, "POST", "/api/cart", 0, "", 312, 201, false},
    {25, "GET", "/login", 0, "", 6200, 200, false},
    {15, "POST", "/login", 0, "", 0, 302, false},
    {20, "GET", "/checkout", 0, "", 11000, 200, false},
    {10, "GET", "/products/", 900, "", 3100, 404, false},
};
static const char *const scan_paths[] = {
    "/wp-login.php", "/.env", "/.git/config", "/phpmyadmin/index.php", "/admin/.env",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/cgi-bin/luci/;stok=/locale",
    "/boaform/admin/formLogin", "/actuator/health", "/xmlrpc.php", "/.aws/credentials",
    "/owa/auth/logon.aspx", "/HNAP1/", "/solr/admin/info/system", "/server-status",
    "/wp-content/plugins/wp-file-manager/readme.txt", "/config.json", "/.DS_Store",
};
static const char *const browser_uas[] = {
    UA_CHROME,
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    UA_FF,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
};
static const char *const scanner_uas[] = {
    "Mozilla/5.0 zgrab/0.x", "curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", "-",
};
static const char *const referers[] = {
    "-", "-", "-", "https://www.google.com/", "https://www.google.com/", "https://www.bing.com/",
    "https://duckduckgo.com/", "https://www.corp.example/", "https://www.corp.example/products/",
};

/* Background Suricata alerts: informational rules only (severity 3). */
struct eve_alert {
    uint16_t w;
    uint32_t sid;
    unsigned rev;
    const char *sig;
    const char *category;
    unsigned shape; /* which traffic it fires on: 0 apt http, 1 dns, 2 tls, 3 proxy http */
};
static const struct eve_alert eve_alerts[] = {
    {30, 2013504, 6,
     "ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management",
     "Not Suspicious Traffic", 0},
    {20, 2027757, 3, "ET INFO Observed DNS Query to .cloud TLD", "Misc activity", 1},
    {15, 2035466, 2, "ET INFO Observed Discord Domain in DNS Lookup (discord .com)",
     "Misc activity", 1},
    {25, 2210044, 2, "SURICATA STREAM Packet with invalid timestamp",
     "Generic Protocol Command Decode", 2},
    {10, 2221010, 1, "SURICATA HTTP unable to match response to request",
     "Generic Protocol Command Decode", 3},
    {10, 2047122, 1, "ET INFO Windows OS Submitting USB Metadata to Microsoft", "Misc activity",
     3},
};
static const char *const tls_issuers[] = {
    "C=US, O=Google Trust Services, CN=WR2", "C=US, O=Let's Encrypt, CN=R11",
    "C=US, O=Microsoft Corporation, CN=Microsoft Azure RSA TLS Issuing CA 04",
    "C=US, O=DigiCert Inc, CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1",
};

/* ------------------------------------------------------------------------------------ */
/* Context                                                                               */

struct ctx {
    uint64_t seed;                /* --seed */
    uint64_t n_events;            /* --events */
    int year, month, day;         /* --date, month 1..12 */
    int64_t t0;                   /* epoch seconds of the date's 00:00:00 UTC */
    const char *dir;              /* --out, borrowed from argv */
    char date[11];                /* "YYYY-MM-DD" */
    char sys_date[8];             /* syslog "Nov  2 " */
    char ngx_date[13];            /* nginx "02/Nov/2026:" */
    char iso_date[12];            /* "2026-11-02T" */
    uint64_t gw_boot_us;          /* gw01 kernel uptime at 00:00:00, us */
    uint32_t dom_ip[ARRAY_LEN(doms)];   /* address of each domain */
    uint32_t hurl_ip[ARRAY_LEN(hurls)]; /* address of each plain-HTTP host */

    /* The attack. */
    uint32_t attacker_ip, c2_ip, mal_ip;
    char c2_domain[40];           /* DGA-like name */
    char mal_host[40];            /* host the ELF is downloaded from */
    char mal_path[24];            /* "/name.elf" */
    uint16_t scan_sport;          /* nmap's fixed source port */
    uint32_t mal_size;            /* bytes */
    struct aev *aev;              /* owned, n_aev entries sorted by file, time, seq */
    size_t n_aev, cap_aev;
    uint32_t n_scan_ports, n_failed, n_beacons;
    int64_t beacon_interval_us;

    /* Accounting. */
    uint64_t n_bg[N_FILES];       /* background lines per file */
    uint64_t n_atk[N_FILES];      /* attack lines per file */
    uint64_t ph_lines[N_PHASES][N_FILES];
    int64_t ph_first[N_PHASES], ph_last[N_PHASES]; /* as the lines show them, us */
};

/* ------------------------------------------------------------------------------------ */
/* Output buffer and hand-written formatting                                            */

struct out {
    int fd;             /* destination; owned by the caller */
    char *buf;          /* OUT_CAP bytes; owned by the caller */
    size_t len;         /* bytes pending in buf */
    size_t line_start;  /* offset of the current line in buf */
    int err;            /* errno of the first failed write, 0 while all is well */
    uint64_t n_lines;   /* lines completed */
};

/* Writes out the pending bytes; the first error is kept in o->err and later data dropped. */
static void
out_flush(struct out *o)
{
    size_t off = 0;
    while (off < o->len && o->err == 0) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->err = errno;
        } else if (w == 0) {
            o->err = EIO;
        } else {
            off += (size_t)w;
        }
    }
    o->len = 0;
}

/* Every line starts with at least LINE_MAX_LEN bytes of room, so puts need no checks. */
static inline void
line_begin(struct out *o)
{
    if (OUT_CAP - o->len < LINE_MAX_LEN)
        out_flush(o);
    o->line_start = o->len;
}

static inline void
line_end(struct out *o)
{
    o->buf[o->len++] = '\n';
    assert(o->len - o->line_start <= LINE_MAX_LEN);
    o->n_lines++;
}

static inline void
put_mem(struct out *o, const char *s, size_t n)
{
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static inline void
put_str(struct out *o, const char *s)
{
    put_mem(o, s, strlen(s));
}

static inline void
put_ch(struct out *o, char ch)
{
    o->buf[o->len++] = ch;
}

static inline void
put_u64(struct out *o, uint64_t v)
{
    char tmp[20];
    char *e = tmp + sizeof tmp, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_mem(o, p, (size_t)(e - p));
}

/* v right-aligned in width characters, padded on the left with pad. */
static void
put_upad(struct out *o, uint64_t v, unsigned width, char pad)
{
    char tmp[20];
    char *e = tmp + sizeof tmp, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (unsigned n = (unsigned)(e - p); n < width; n++)
        put_ch(o, pad);
    put_mem(o, p, (size_t)(e - p));
}

static inline void
put_2d(struct out *o, unsigned v)
{
    o->buf[o->len] = (char)('0' + v / 10);
    o->buf[o->len + 1] = (char)('0' + v % 10);
    o->len += 2;
}

static void
put_hex(struct out *o, uint64_t v, unsigned n_digits, bool is_upper)
{
    const char *digits = is_upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (unsigned i = n_digits; i-- > 0;) {
        o->buf[o->len + i] = digits[v & 15];
        v >>= 4;
    }
    o->len += n_digits;
}

static inline void
put_ip(struct out *o, uint32_t ip)
{
    put_u64(o, ip >> 24);
    put_ch(o, '.');
    put_u64(o, (ip >> 16) & 255);
    put_ch(o, '.');
    put_u64(o, (ip >> 8) & 255);
    put_ch(o, '.');
    put_u64(o, ip & 255);
}

/* Tenths of a second the way Postfix prints small delays: "0", "0.3", "1.2". */
static void
put_tenths(struct out *o, unsigned v)
{
    put_u64(o, v / 10);
    if (v % 10 || v >= 10) {
        put_ch(o, '.');
        put_ch(o, (char)('0' + v % 10));
    }
}

static inline void
put_hms(struct out *o, int64_t sec)
{
    put_2d(o, (unsigned)(sec / 3600));
    put_ch(o, ':');
    put_2d(o, (unsigned)(sec / 60 % 60));
    put_ch(o, ':');
    put_2d(o, (unsigned)(sec % 60));
}

/* "Nov  2 09:14:03 host prog[pid]: " (pid 0: no "[pid]"). */
static inline void
put_syslog(struct out *o, const struct ctx *c, int64_t t, const char *host, const char *prog,
           unsigned pid)
{
    put_mem(o, c->sys_date, 7);
    put_hms(o, t / US_PER_S);
    put_ch(o, ' ');
    put_str(o, host);
    put_ch(o, ' ');
    put_str(o, prog);
    if (pid) {
        put_ch(o, '[');
        put_u64(o, pid);
        put_ch(o, ']');
    }
    PUT_LIT(o, ": ");
}

/* "2026-11-02T09:14:03.123456+0000" for Suricata. */
static void
put_eve_time(struct out *o, const struct ctx *c, int64_t t)
{
    put_mem(o, c->iso_date, 11);
    put_hms(o, t / US_PER_S);
    put_ch(o, '.');
    put_upad(o, (uint64_t)(t % US_PER_S), 6, '0');
    PUT_LIT(o, "+0000");
}

/* ------------------------------------------------------------------------------------ */
/* Addresses                                                                             */

/* True if ip is ordinary public unicast: not private, loopback, link-local, CGNAT,
 * documentation, benchmarking, multicast or reserved, and not a .0/.255 host. */
static bool
is_public_ip(uint32_t ip)
{
    unsigned a = ip >> 24, b = (ip >> 16) & 255, c3 = (ip >> 8) & 255, d = ip & 255;
    if (a == 0 || a == 10 || a == 127 || a >= 224)
        return false;
    if (a == 100 && (b & 0xc0) == 64)
        return false;
    if (a == 169 && b == 254)
        return false;
    if (a == 172 && (b & 0xf0) == 16)
        return false;
    if (a == 192 && (b == 168 || (b == 0 && (c3 == 0 || c3 == 2)) || (b == 88 && c3 == 99)))
        return false;
    if (a == 198 && ((b & 0xfe) == 18 || (b == 51 && c3 == 100)))
        return false;
    if (a == 203 && b == 0 && c3 == 113)
        return false;
    return d != 0 && d != 255;
}

/* True if ip is one of the attack's addresses, which background lines never use. */
static inline bool
is_attack_ip(const struct ctx *c, uint32_t ip)
{
    return ip == c->attacker_ip || ip == c->c2_ip || ip == c->mal_ip;
}

/* A random internet address that is not one of the attack's. */
static uint32_t
rand_public_ip(struct rng *r, const struct ctx *c)
{
    for (;;) {
        uint32_t ip = (uint32_t)(rng_next(r) >> 32);
        if (is_public_ip(ip) && !is_attack_ip(c, ip))
            return ip;
    }
}

/* A stable public address derived from key (domains, repeat web visitors). */
static uint32_t
hashed_public_ip(const struct ctx *c, uint64_t key)
{
    for (;;) {
        uint32_t ip = (uint32_t)(mix64(key) >> 32);
        if (is_public_ip(ip) && !is_attack_ip(c, ip))
            return ip;
        key += 0x632be59bd9b4e019ULL;
    }
}

static uint64_t
fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* An internal workstation: 10.0.1.20-219 (Linux/macOS) or 10.0.3.20-219 (Windows), skewed so
 * that a few machines are busy. */
static uint32_t
pick_client(struct rng *r)
{
    unsigned net = rng_pct(r, 55) ? 1 : 3;
    unsigned h = 20 + rng_below(r, 200) * rng_below(r, 201) / 200;
    return IP4(10, 0, net, h);
}

static const uint32_t resolvers[] = {
    IP4(1, 1, 1, 1), IP4(8, 8, 8, 8), IP4(9, 9, 9, 9), IP4(8, 8, 4, 4),
};

/* ------------------------------------------------------------------------------------ */
/* Timestamp streams                                                                     */

/*
 * Hands out n timestamps in non-decreasing order over the day. Each minute gets an exact
 * share of n in proportion to its weight (the hourly profile, interpolated, with +-15%
 * noise); inside a minute with k points, point j falls at a random spot of the j-th of k
 * equal slices, so order needs no sorting and no memory. Optionally merges a periodic
 * stream (ClamAV's SelfCheck every 10 minutes); tsgen_next() says which one a stamp is.
 */
struct tsgen {
    struct rng r;
    uint64_t n;               /* points of the random stream */
    uint64_t done;            /* points of it handed out */
    uint64_t cum[N_MINUTES + 1]; /* cumulative minute weights */
    int minute;               /* minute of the next point, -1 before the first */
    uint64_t k, j;            /* points in that minute, index of the next one */
    uint64_t n_per, i_per;    /* periodic stream: points, index of the next one */
    int64_t per_off, per_step; /* periodic stream: first point and spacing, us */
    int64_t head;             /* next stamp of the random stream; INT64_MIN: not drawn yet */
};

static void
tsgen_init(struct tsgen *g, uint64_t seed, unsigned stream, uint64_t n, const uint16_t *prof)
{
    memset(g, 0, sizeof *g);
    rng_seed(&g->r, seed, stream);
    g->n = n;
    g->minute = -1;
    g->head = INT64_MIN;
    for (int m = 0; m < N_MINUTES; m++) {
        int h = m / 60, f = m % 60;
        uint64_t w = ((uint64_t)prof[h] * (uint64_t)(60 - f) +
                      (uint64_t)prof[(h + 1) % 24] * (uint64_t)f) * 100 / 60;
        w = w * (85 + rng_below(&g->r, 31)) / 100 + 1;
        g->cum[m + 1] = g->cum[m] + w;
    }
}

static int64_t
tsgen_rand_next(struct tsgen *g)
{
    if (g->done == g->n)
        return INT64_MAX;
    while (g->j == g->k) {
        g->minute++;
        assert(g->minute < N_MINUTES);
        uint64_t tot = g->cum[N_MINUTES];
        g->k = g->n * g->cum[g->minute + 1] / tot - g->n * g->cum[g->minute] / tot;
        g->j = 0;
    }
    const int64_t slot = 60 * US_PER_S;
    int64_t off =
        ((int64_t)g->j * slot + (int64_t)rng_below(&g->r, (uint32_t)slot)) / (int64_t)g->k;
    g->j++;
    g->done++;
    return g->minute * slot + off;
}

/* Returns the next timestamp (us since midnight); *is_periodic tells which stream. */
static int64_t
tsgen_next(struct tsgen *g, bool *is_periodic)
{
    if (g->head == INT64_MIN)
        g->head = tsgen_rand_next(g);
    int64_t tp = INT64_MAX;
    if (g->i_per < g->n_per)
        tp = g->per_off + (int64_t)g->i_per * g->per_step;
    if (tp <= g->head) {
        g->i_per++;
        *is_periodic = true;
        return tp;
    }
    int64_t t = g->head;
    g->head = INT64_MIN;
    *is_periodic = false;
    return t;
}

/* ------------------------------------------------------------------------------------ */
/* Per-file generators                                                                   */

enum {
    AA_LOGIN_KEY,
    AA_LOGOUT,
    AA_TYPO,
    AA_SUDO,
    AA_CRON,
    AA_NOISE_CLOSED,
    AA_NOISE_INVALID,
    AA_NOISE_ROOT
};

/* A multi-line auth.log action in progress (a login, a sudo, a cron job...). */
struct auth_act {
    uint8_t kind;    /* AA_* */
    uint8_t step;    /* next line of the action */
    uint8_t n_steps; /* lines of the action */
    uint8_t host;    /* index into auth_hosts */
    uint8_t user;    /* index into users */
    uint8_t noise;   /* index into noise_users */
    uint8_t tty;     /* pts number */
    uint8_t cmd;     /* index into sudo_cmds */
    uint16_t port;   /* client source port */
    uint32_t pid;    /* sshd/CRON pid */
    uint32_t ip;     /* client address */
    uint32_t sess;   /* systemd-logind session id */
};
#define AUTH_MAX_OPEN 12

enum {
    MA_IN,
    MA_OUT,
    MA_REJECT
};

/* A Postfix transaction in progress. */
struct mail_act {
    uint8_t kind, step, n_steps;
    uint8_t peer;      /* index into mail_peers (MA_IN, MA_REJECT) or mail_dests (MA_OUT) */
    uint8_t lpart;     /* index into mail_lparts */
    uint8_t rcpt;      /* index into mail_rcpts (MA_IN, MA_REJECT) or users (MA_OUT) */
    uint32_t ip;       /* peer address */
    uint32_t p_smtpd, p_cleanup, p_smtp;
    uint64_t qid, qid2, msgid;
    uint32_t size;
    uint8_t d[4];      /* delays, tenths of a second */
    char helo[12];     /* spammer's HELO */
};

/* State of one file's generator; lives on the stack of write_log(). */
struct gen {
    const struct ctx *c;
    struct rng r;
    uint64_t i, n;     /* index of the background line being written, background total */
    bool is_periodic;  /* clamav: this stamp is a SelfCheck slot */

    /* auth.log */
    struct auth_act act;
    struct auth_act open[AUTH_MAX_OPEN]; /* ssh sessions still logged in */
    unsigned n_open;
    bool has_typo;     /* a legitimate user's failed password has been written */
    uint32_t pid[3];   /* last pid per auth host */
    uint32_t sess[3];  /* last logind session per auth host */
    char fp[ARRAY_LEN(users)][44]; /* SHA256 key fingerprints, base64 */

    /* mail.log */
    struct mail_act mail;
    uint32_t mail_pid;

    /* named.log */
    uint64_t client_obj[16]; /* "@0x7f..." client object addresses */
};

static uint32_t
next_pid(struct rng *r, uint32_t *pid)
{
    *pid += 1 + rng_below(r, 40);
    if (*pid > 4194000)
        *pid = 1000 + rng_below(r, 1000);
    return *pid;
}

static uint16_t
eph_port(struct rng *r)
{
    return (uint16_t)rng_range(r, 32768, 60999);
}

/* --- firewall.log -------------------------------------------------------------------- */

/* One packet as the netfilter LOG target prints it. */
struct fwpkt {
    bool is_accept;
    bool is_outbound; /* IN=eth1 OUT=eth0; otherwise IN=eth0 */
    bool is_fwd_in;   /* inbound and forwarded to the LAN: OUT=eth1 (else OUT=) */
    bool is_df;
    uint8_t proto;    /* 6, 17 or 1 */
    uint8_t ttl;
    uint16_t len, id, sport, dport, window;
    uint16_t icmp_id, icmp_seq;
    uint32_t src, dst;
};

static void
fw_line(struct out *o, const struct ctx *c, int64_t t, const struct fwpkt *p)
{
    put_syslog(o, c, t, "gw01", "kernel", 0);
    uint64_t up = c->gw_boot_us + (uint64_t)t;
    put_ch(o, '[');
    put_upad(o, up / 1000000, 5, ' ');
    put_ch(o, '.');
    put_upad(o, up % 1000000, 6, '0');
    PUT_LIT(o, "] ");
    if (p->is_accept)
        PUT_LIT(o, "FW-ACCEPT ");
    else
        PUT_LIT(o, "FW-DROP ");
    if (p->is_outbound) {
        /* gw01 eth1, then the LAN host's MAC derived from its address */
        PUT_LIT(o, "IN=eth1 OUT=eth0 MAC=00:16:3e:5a:01:03:52:54:00:");
        put_hex(o, (p->src >> 16) & 255, 2, false);
        put_ch(o, ':');
        put_hex(o, (p->src >> 8) & 255, 2, false);
        put_ch(o, ':');
        put_hex(o, p->src & 255, 2, false);
        PUT_LIT(o, ":08:00");
    } else {
        if (p->is_fwd_in)
            PUT_LIT(o, "IN=eth0 OUT=eth1 ");
        else
            PUT_LIT(o, "IN=eth0 OUT= ");
        PUT_LIT(o, "MAC=00:16:3e:5a:01:02:00:1b:21:3c:4d:5e:08:00");
    }
    PUT_LIT(o, " SRC=");
    put_ip(o, p->src);
    PUT_LIT(o, " DST=");
    put_ip(o, p->dst);
    PUT_LIT(o, " LEN=");
    put_u64(o, p->len);
    PUT_LIT(o, " TOS=0x00 PREC=0x00 TTL=");
    put_u64(o, p->ttl);
    PUT_LIT(o, " ID=");
    put_u64(o, p->id);
    if (p->is_df)
        PUT_LIT(o, " DF");
    if (p->proto == 6) {
        PUT_LIT(o, " PROTO=TCP SPT=");
        put_u64(o, p->sport);
        PUT_LIT(o, " DPT=");
        put_u64(o, p->dport);
        PUT_LIT(o, " WINDOW=");
        put_u64(o, p->window);
        PUT_LIT(o, " RES=0x00 SYN URGP=0");
    } else if (p->proto == 17) {
        PUT_LIT(o, " PROTO=UDP SPT=");
        put_u64(o, p->sport);
        PUT_LIT(o, " DPT=");
        put_u64(o, p->dport);
        PUT_LIT(o, " LEN=");
        put_u64(o, p->len - 20u);
    } else {
        PUT_LIT(o, " PROTO=ICMP TYPE=8 CODE=0 ID=");
        put_u64(o, p->icmp_id);
        PUT_LIT(o, " SEQ=");
        put_u64(o, p->icmp_seq);
    }
}

static void
bg_fw(struct gen *g, int64_t t, struct out *o)
{
    struct rng *r = &g->r;
    const struct ctx *c = g->c;
    struct fwpkt p;
    memset(&p, 0, sizeof p);
    p.id = (uint16_t)rng_next(r);
    unsigned x = rng_below(r, 100);
    if (x < 52) {
        /* inbound noise from the internet, dropped */
        p.src = rand_public_ip(r, c);
        p.ttl = (uint8_t)(rng_pct(r, 50) ? rng_range(r, 38, 60) : rng_range(r, 100, 122));
        if (rng_pct(r, 65)) {
            p.dst = IP_PUB_BASE + rng_below(r, 5);
        } else {
            p.dst = rng_pct(r, 75) ? IP_WEB : IP_BASTION;
            p.is_fwd_in = true;
        }
        unsigned y = rng_below(r, 100);
        if (y < 86) {
            static const uint16_t wins[] = {1024, 65535, 29200, 14600, 64240, 1025};
            p.proto = 6;
            p.sport = (uint16_t)rng_range(r, 1024, 65535);
            p.dport = probe_tcp[PICK(r, probe_tcp)].port;
            p.window = wins[rng_below(r, ARRAY_LEN(wins))];
            p.len = p.window == 1024 || p.window == 1025 ? 44 : (rng_pct(r, 50) ? 40 : 60);
            p.is_df = p.len == 60;
        } else if (y < 95) {
            p.proto = 17;
            p.sport = (uint16_t)rng_range(r, 1024, 65535);
            p.dport = probe_udp[PICK(r, probe_udp)].port;
            p.len = (uint16_t)rng_range(r, 40, 150);
        } else {
            p.proto = 1;
            p.len = rng_pct(r, 50) ? 28 : 84;
            p.icmp_id = (uint16_t)rng_next(r);
            p.icmp_seq = (uint16_t)rng_range(r, 1, 4);
        }
    } else {
        /* outbound LAN traffic, accepted */
        p.is_accept = true;
        p.is_outbound = true;
        p.is_df = true;
        unsigned y = rng_below(r, 100);
        if (y < 62) {
            p.src = pick_client(r);
            p.proto = 6;
            p.dport = 443;
            p.dst = c->dom_ip[PICK(r, doms)];
        } else if (y < 74) {
            p.src = rng_pct(r, 60) ? IP_PROXY : pick_client(r);
            p.proto = 6;
            p.dport = 80;
            p.dst = c->hurl_ip[PICK(r, hurls)];
        } else if (y < 88) {
            p.src = IP_NS;
            p.proto = 17;
            p.dport = 53;
            p.dst = resolvers[rng_below(r, ARRAY_LEN(resolvers))];
            p.len = (uint16_t)rng_range(r, 56, 110);
            p.is_df = false;
        } else if (y < 94) {
            static const uint32_t srv[] = {IP_NS, IP_PROXY, IP_WEB, IP4(10, 0, 1, 11), IP_BASTION};
            p.src = srv[rng_below(r, ARRAY_LEN(srv))];
            p.proto = 17;
            p.sport = 123;
            p.dport = 123;
            p.dst = rand_public_ip(r, c);
            p.len = 76;
        } else {
            p.src = pick_client(r);
            p.proto = 1;
            p.len = 84;
            p.dst = rng_pct(r, 50) ? resolvers[rng_below(r, ARRAY_LEN(resolvers))]
                                   : c->dom_ip[PICK(r, doms)];
            p.icmp_id = (uint16_t)rng_next(r);
            p.icmp_seq = (uint16_t)rng_range(r, 1, 30);
        }
        bool is_windows = ((p.src >> 8) & 255) == 3;
        p.ttl = is_windows ? 127 : 63;
        if (p.proto == 6) {
            p.sport = eph_port(r);
            p.window = 64240;
            p.len = is_windows ? 52 : 60; /* SYN options: Windows 12 bytes, Linux 20 */
        } else if (p.proto == 17 && p.sport == 0) {
            p.sport = eph_port(r);
        }
    }
    fw_line(o, c, t, &p);
}

static void
atk_fw(struct gen *g, const struct aev *a, struct out *o)
{
    const struct ctx *c = g->c;
    struct fwpkt p;
    memset(&p, 0, sizeof p);
    p.proto = 6;
    p.id = (uint16_t)a->rnd;
    if (a->kind == AK_FW_SCAN) {
        /* nmap -sS: fixed source port, window 1024, 44-byte SYN */
        p.src = c->attacker_ip;
        p.dst = IP_WEB;
        p.is_fwd_in = true;
        p.ttl = (uint8_t)(40 + (a->rnd >> 16) % 16);
        p.len = 44;
        p.sport = c->scan_sport;
        p.dport = a->port;
        p.window = 1024;
    } else {
        p.is_accept = true;
        p.is_outbound = true;
        p.is_df = true;
        p.src = IP_WEB;
        p.dst = c->c2_ip;
        p.ttl = 63;
        p.len = 60;
        p.sport = a->port;
        p.dport = 443;
        p.window = 64240;
    }
    fw_line(o, c, a->t_us, &p);
}

/* --- auth.log ------------------------------------------------------------------------ */

static void
auth_sshd(struct out *o, const struct ctx *c, int64_t t, unsigned host, uint32_t pid)
{
    put_syslog(o, c, t, auth_hosts[host], "sshd", pid);
}

static void
put_from(struct out *o, uint32_t ip, uint16_t port)
{
    PUT_LIT(o, " from ");
    put_ip(o, ip);
    PUT_LIT(o, " port ");
    put_u64(o, port);
}

/* "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=cmd" */
static void
put_sudo(struct out *o, const struct ctx *c, int64_t t, unsigned host, const char *user,
         unsigned tty, const char *cmd)
{
    put_syslog(o, c, t, auth_hosts[host], "sudo", 0);
    size_t ulen = strlen(user);
    for (size_t i = ulen; i < 8; i++)
        put_ch(o, ' ');
    put_mem(o, user, ulen);
    PUT_LIT(o, " : TTY=pts/");
    put_u64(o, tty);
    PUT_LIT(o, " ; PWD=/home/");
    put_mem(o, user, ulen);
    PUT_LIT(o, " ; USER=root ; COMMAND=");
    put_str(o, cmd);
}

static void
put_pam_open(struct out *o, const char *svc, const char *user, unsigned uid, const char *by,
             unsigned by_uid)
{
    PUT_LIT(o, "pam_unix(");
    put_str(o, svc);
    PUT_LIT(o, ":session): session opened for user ");
    put_str(o, user);
    PUT_LIT(o, "(uid=");
    put_u64(o, uid);
    PUT_LIT(o, ") by ");
    put_str(o, by);
    PUT_LIT(o, "(uid=");
    put_u64(o, by_uid);
    put_ch(o, ')');
}

/* Chooses the next auth.log action. A legitimate user's mistyped password is forced once
 * by a third of the way through, so the day always has a failed password that is not the
 * attack. */
static void
auth_new_action(struct gen *g)
{
    struct rng *r = &g->r;
    struct auth_act *a = &g->act;
    if (g->n_open > 0 && (g->n_open == AUTH_MAX_OPEN || rng_pct(r, 30))) {
        unsigned k = rng_below(r, g->n_open);
        *a = g->open[k];
        g->open[k] = g->open[--g->n_open];
        a->kind = AA_LOGOUT;
        a->step = 0;
        a->n_steps = 5;
        return;
    }
    memset(a, 0, sizeof *a);
    unsigned x = rng_below(r, 100);
    if (!g->has_typo && g->i >= g->n / 3)
        x = 23;
    if (x < 22) {
        a->kind = AA_LOGIN_KEY;
        a->n_steps = 3;
    } else if (x < 25) {
        a->kind = AA_TYPO;
        a->n_steps = 4;
        g->has_typo = true;
    } else if (x < 48) {
        a->kind = AA_SUDO;
        a->n_steps = 3;
    } else if (x < 80) {
        a->kind = AA_CRON;
        a->n_steps = 2;
    } else if (x < 88) {
        a->kind = AA_NOISE_CLOSED;
        a->n_steps = 1;
    } else if (x < 95) {
        a->kind = AA_NOISE_INVALID;
        a->n_steps = 2;
    } else {
        a->kind = AA_NOISE_ROOT;
        a->n_steps = 1;
    }
    a->host = (uint8_t)rng_below(r, 3);
    a->user = (uint8_t)rng_below(r, ARRAY_LEN(users));
    a->port = eph_port(r);
    switch (a->kind) {
    case AA_LOGIN_KEY:
    case AA_TYPO:
        a->pid = next_pid(r, &g->pid[a->host]);
        /* db01 is mostly reached through the bastion */
        a->ip = a->host == 1 && rng_pct(r, 70) ? IP_BASTION : users[a->user].ip;
        g->sess[a->host] += 1 + rng_below(r, 3);
        a->sess = g->sess[a->host];
        a->tty = (uint8_t)rng_below(r, 4);
        g->open[g->n_open++] = *a;
        break;
    case AA_SUDO:
        if (g->n_open > 0) {
            const struct auth_act *s = &g->open[rng_below(r, g->n_open)];
            a->host = s->host;
            a->user = s->user;
            a->tty = s->tty;
        } else {
            a->tty = (uint8_t)rng_below(r, 4);
        }
        a->cmd = (uint8_t)rng_below(r, ARRAY_LEN(sudo_cmds));
        break;
    case AA_CRON:
        a->pid = next_pid(r, &g->pid[a->host]);
        break;
    default: /* internet noise against bastion01 */
        a->host = HOST_BASTION;
        a->pid = next_pid(r, &g->pid[a->host]);
        a->ip = rand_public_ip(r, g->c);
        a->noise = (uint8_t)rng_below(r, ARRAY_LEN(noise_users));
        break;
    }
}

static void
bg_auth(struct gen *g, int64_t t, struct out *o)
{
    const struct ctx *c = g->c;
    struct auth_act *a = &g->act;
    if (a->step >= a->n_steps)
        auth_new_action(g);
    const struct user *u = &users[a->user];
    unsigned step = a->step++;
    switch (a->kind) {
    case AA_LOGIN_KEY:
    case AA_TYPO:
        if (a->kind == AA_TYPO && step == 0) {
            auth_sshd(o, c, t, a->host, a->pid);
            PUT_LIT(o, "Failed password for ");
            put_str(o, u->name);
            put_from(o, a->ip, a->port);
            PUT_LIT(o, " ssh2");
            break;
        }
        if (a->kind == AA_TYPO)
            step--;
        if (step == 0) {
            auth_sshd(o, c, t, a->host, a->pid);
            if (a->kind == AA_TYPO)
                PUT_LIT(o, "Accepted password for ");
            else
                PUT_LIT(o, "Accepted publickey for ");
            put_str(o, u->name);
            put_from(o, a->ip, a->port);
            PUT_LIT(o, " ssh2");
            if (a->kind == AA_LOGIN_KEY) {
                PUT_LIT(o, ": ED25519 SHA256:");
                put_mem(o, g->fp[a->user], 43);
            }
        } else if (step == 1) {
            auth_sshd(o, c, t, a->host, a->pid);
            put_pam_open(o, "sshd", u->name, u->uid, "", 0);
        } else {
            put_syslog(o, c, t, auth_hosts[a->host], "systemd-logind", logind_pid[a->host]);
            PUT_LIT(o, "New session ");
            put_u64(o, a->sess);
            PUT_LIT(o, " of user ");
            put_str(o, u->name);
            put_ch(o, '.');
        }
        break;
    case AA_LOGOUT:
        if (step < 3)
            auth_sshd(o, c, t, a->host, a->pid);
        else
            put_syslog(o, c, t, auth_hosts[a->host], "systemd-logind", logind_pid[a->host]);
        if (step == 0) {
            PUT_LIT(o, "Received disconnect");
            put_from(o, a->ip, a->port);
            PUT_LIT(o, ":11: disconnected by user");
        } else if (step == 1) {
            PUT_LIT(o, "Disconnected from user ");
            put_str(o, u->name);
            put_ch(o, ' ');
            put_ip(o, a->ip);
            PUT_LIT(o, " port ");
            put_u64(o, a->port);
        } else if (step == 2) {
            PUT_LIT(o, "pam_unix(sshd:session): session closed for user ");
            put_str(o, u->name);
        } else if (step == 3) {
            PUT_LIT(o, "Session ");
            put_u64(o, a->sess);
            PUT_LIT(o, " logged out. Waiting for processes to exit.");
        } else {
            PUT_LIT(o, "Removed session ");
            put_u64(o, a->sess);
            put_ch(o, '.');
        }
        break;
    case AA_SUDO:
        if (step == 0) {
            put_sudo(o, c, t, a->host, u->name, a->tty, sudo_cmds[a->cmd]);
        } else {
            put_syslog(o, c, t, auth_hosts[a->host], "sudo", 0);
            if (step == 1)
                put_pam_open(o, "sudo", "root", 0, u->name, u->uid);
            else
                PUT_LIT(o, "pam_unix(sudo:session): session closed for user root");
        }
        break;
    case AA_CRON:
        put_syslog(o, c, t, auth_hosts[a->host], "CRON", a->pid);
        if (step == 0)
            put_pam_open(o, "cron", "root", 0, "", 0);
        else
            PUT_LIT(o, "pam_unix(cron:session): session closed for user root");
        break;
    case AA_NOISE_CLOSED:
        auth_sshd(o, c, t, a->host, a->pid);
        PUT_LIT(o, "Connection closed by ");
        put_ip(o, a->ip);
        PUT_LIT(o, " port ");
        put_u64(o, a->port);
        PUT_LIT(o, " [preauth]");
        break;
    case AA_NOISE_INVALID:
        auth_sshd(o, c, t, a->host, a->pid);
        if (step == 0) {
            PUT_LIT(o, "Invalid user ");
            put_str(o, noise_users[a->noise]);
            put_from(o, a->ip, a->port);
        } else {
            PUT_LIT(o, "Connection closed by invalid user ");
            put_str(o, noise_users[a->noise]);
            put_ch(o, ' ');
            put_ip(o, a->ip);
            PUT_LIT(o, " port ");
            put_u64(o, a->port);
            PUT_LIT(o, " [preauth]");
        }
        break;
    default: /* AA_NOISE_ROOT */
        auth_sshd(o, c, t, a->host, a->pid);
        PUT_LIT(o, "Connection closed by authenticating user root ");
        put_ip(o, a->ip);
        PUT_LIT(o, " port ");
        put_u64(o, a->port);
        PUT_LIT(o, " [preauth]");
        break;
    }
}

static void
atk_auth(struct gen *g, const struct aev *a, struct out *o)
{
    const struct ctx *c = g->c;
    const struct bf_user *bu = &bf_users[a->user];
    const struct user *alice = &users[USER_ALICE];
    switch (a->kind) {
    case AK_SSH_INVALID:
        auth_sshd(o, c, a->t_us, HOST_WEB01, a->pid);
        PUT_LIT(o, "Invalid user ");
        put_str(o, bu->name);
        put_from(o, c->attacker_ip, a->port);
        break;
    case AK_SSH_FAILED:
        auth_sshd(o, c, a->t_us, HOST_WEB01, a->pid);
        PUT_LIT(o, "Failed password for ");
        if (!bu->is_valid)
            PUT_LIT(o, "invalid user ");
        put_str(o, bu->name);
        put_from(o, c->attacker_ip, a->port);
        PUT_LIT(o, " ssh2");
        break;
    case AK_SSH_CLOSED:
        auth_sshd(o, c, a->t_us, HOST_WEB01, a->pid);
        PUT_LIT(o, "Connection closed by ");
        if (bu->is_valid)
            PUT_LIT(o, "authenticating user ");
        else
            PUT_LIT(o, "invalid user ");
        put_str(o, bu->name);
        put_ch(o, ' ');
        put_ip(o, c->attacker_ip);
        PUT_LIT(o, " port ");
        put_u64(o, a->port);
        PUT_LIT(o, " [preauth]");
        break;
    case AK_SSH_ACCEPTED:
        auth_sshd(o, c, a->t_us, HOST_WEB01, a->pid);
        PUT_LIT(o, "Accepted password for ");
        put_str(o, alice->name);
        put_from(o, c->attacker_ip, a->port);
        PUT_LIT(o, " ssh2");
        break;
    case AK_SSH_PAM_OPEN:
        auth_sshd(o, c, a->t_us, HOST_WEB01, a->pid);
        put_pam_open(o, "sshd", alice->name, alice->uid, "", 0);
        break;
    case AK_SUDO:
        put_sudo(o, c, a->t_us, HOST_WEB01, alice->name, 1, "/bin/bash");
        break;
    default: /* AK_SUDO_PAM_OPEN */
        put_syslog(o, c, a->t_us, auth_hosts[HOST_WEB01], "sudo", 0);
        put_pam_open(o, "sudo", "root", 0, alice->name, alice->uid);
        break;
    }
}

/* --- squid-access.log ---------------------------------------------------------------- */

/* "1793610843.123    245 10.0.1.23 " */
static void
squid_head(struct out *o, const struct ctx *c, int64_t t, uint32_t elapsed, uint32_t client)
{
    put_u64(o, (uint64_t)c->t0 + (uint64_t)(t / US_PER_S));
    put_ch(o, '.');
    put_upad(o, (uint64_t)(t % US_PER_S / 1000), 3, '0');
    put_ch(o, ' ');
    put_upad(o, elapsed, 6, ' ');
    put_ch(o, ' ');
    put_ip(o, client);
    put_ch(o, ' ');
}

static void
bg_squid(struct gen *g, int64_t t, struct out *o)
{
    struct rng *r = &g->r;
    const struct ctx *c = g->c;
    uint32_t client = pick_client(r);
    if (rng_pct(r, 62)) {
        size_t d = PICK(r, doms);
        squid_head(o, c, t, rng_logu(r, 5, 17), client);
        PUT_LIT(o, "TCP_TUNNEL/200 ");
        put_u64(o, rng_logu(r, 9, 20));
        PUT_LIT(o, " CONNECT ");
        put_str(o, doms[d].name);
        PUT_LIT(o, ":443 - HIER_DIRECT/");
        put_ip(o, c->dom_ip[d]);
        PUT_LIT(o, " -");
        return;
    }
    size_t h = PICK(r, hurls);
    const struct hurl *u = &hurls[h];
    unsigned x = rng_below(r, 100);
    const char *code;
    unsigned status = 200;
    bool is_direct = true;
    uint64_t bytes = u->size + u->size / 8 * rng_below(r, 3) + rng_range(r, 250, 520);
    uint32_t elapsed = rng_logu(r, 3, 11);
    if (x < 62) {
        code = "TCP_MISS";
    } else if (x < 72) {
        code = "TCP_HIT";
        is_direct = false;
        elapsed = rng_range(r, 0, 3);
    } else if (x < 77) {
        code = "TCP_MEM_HIT";
        is_direct = false;
        elapsed = 0;
    } else if (x < 88) {
        code = "TCP_REFRESH_UNMODIFIED";
        status = 304;
        bytes = rng_range(r, 280, 420);
    } else if (x < 93) {
        code = "TCP_MISS";
        status = 404;
        bytes = rng_range(r, 380, 1700);
    } else if (x < 96) {
        code = "TCP_MISS";
        status = 301;
        bytes = rng_range(r, 350, 700);
    } else {
        code = "TCP_DENIED";
        status = 403;
        is_direct = false;
        bytes = rng_range(r, 3900, 4100);
        elapsed = 0;
    }
    squid_head(o, c, t, elapsed, client);
    put_str(o, code);
    put_ch(o, '/');
    put_u64(o, status);
    put_ch(o, ' ');
    put_u64(o, bytes);
    put_ch(o, ' ');
    put_str(o, u->method);
    PUT_LIT(o, " http://");
    put_str(o, u->host);
    put_str(o, u->path);
    PUT_LIT(o, " - ");
    if (is_direct) {
        PUT_LIT(o, "HIER_DIRECT/");
        put_ip(o, c->hurl_ip[h]);
    } else {
        PUT_LIT(o, "HIER_NONE/-");
    }
    put_ch(o, ' ');
    if (status == 200)
        put_str(o, u->ctype);
    else if (status == 304)
        PUT_LIT(o, "-");
    else
        PUT_LIT(o, "text/html");
}

static void
atk_squid(struct gen *g, const struct aev *a, struct out *o)
{
    const struct ctx *c = g->c;
    squid_head(o, c, a->t_us, a->pid, IP_WEB);
    PUT_LIT(o, "TCP_MISS/200 ");
    put_u64(o, c->mal_size + 318);
    PUT_LIT(o, " GET http://");
    put_str(o, c->mal_host);
    put_str(o, c->mal_path);
    PUT_LIT(o, " - HIER_DIRECT/");
    put_ip(o, c->mal_ip);
    PUT_LIT(o, " application/x-executable");
}

/* --- named.log ----------------------------------------------------------------------- */

/* A BIND query-log line is written in three steps: dns_head() writes up to "(", the caller
 * writes the query name, and dns_tail() repeats that name (the bytes from name_off to
 * o->len) and finishes "): query: name IN A +E(0)K (10.0.0.53)". */
static void
dns_head(struct out *o, const struct ctx *c, int64_t t, uint64_t obj, uint32_t client,
         uint16_t port)
{
    put_syslog(o, c, t, "ns01", "named", 611);
    PUT_LIT(o, "client @0x");
    put_hex(o, obj, 12, false);
    put_ch(o, ' ');
    put_ip(o, client);
    put_ch(o, '#');
    put_u64(o, port);
    PUT_LIT(o, " (");
}

static void
dns_tail(struct out *o, size_t name_off, const char *qtype, const char *flags)
{
    size_t name_len = o->len - name_off;
    PUT_LIT(o, "): query: ");
    memcpy(o->buf + o->len, o->buf + name_off, name_len);
    o->len += name_len;
    PUT_LIT(o, " IN ");
    put_str(o, qtype);
    put_ch(o, ' ');
    put_str(o, flags);
    PUT_LIT(o, " (10.0.0.53)");
}

static void
bg_dns(struct gen *g, int64_t t, struct out *o)
{
    struct rng *r = &g->r;
    const struct ctx *c = g->c;
    uint32_t client = rng_pct(r, 80) ? pick_client(r) : IP_PROXY;
    const char *qt = qtypes[PICK(r, qtypes)].name;
    const char *flags = dns_flags[PICK(r, dns_flags)].name;
    dns_head(o, c, t, g->client_obj[rng_below(r, ARRAY_LEN(g->client_obj))], client, eph_port(r));
    size_t name_off = o->len;
    if (strcmp(qt, "PTR") == 0) {
        uint32_t ip = rng_pct(r, 50) ? pick_client(r) : c->dom_ip[PICK(r, doms)];
        put_u64(o, ip & 255);
        put_ch(o, '.');
        put_u64(o, (ip >> 8) & 255);
        put_ch(o, '.');
        put_u64(o, (ip >> 16) & 255);
        put_ch(o, '.');
        put_u64(o, ip >> 24);
        PUT_LIT(o, ".in-addr.arpa");
    } else if (strcmp(qt, "MX") == 0) {
        put_str(o, mail_dests[PICK(r, mail_dests)].domain);
    } else if (strcmp(qt, "SRV") == 0) {
        PUT_LIT(o, "_ldap._tcp.dc._msdcs.corp.example");
    } else if (strcmp(qt, "TXT") == 0 && rng_pct(r, 50)) {
        PUT_LIT(o, "_dmarc.");
        put_str(o, mail_peers[PICK(r, mail_peers)].domain);
    } else if (rng_pct(r, 12)) {
        put_str(o, hurls[PICK(r, hurls)].host);
    } else {
        put_str(o, doms[PICK(r, doms)].name);
    }
    dns_tail(o, name_off, qt, flags);
}

static void
atk_dns(struct gen *g, const struct aev *a, struct out *o)
{
    const struct ctx *c = g->c;
    dns_head(o, c, a->t_us, g->client_obj[a->rnd % ARRAY_LEN(g->client_obj)], IP_WEB, a->port);
    size_t name_off = o->len;
    put_str(o, a->kind == AK_DNS_C2 ? c->c2_domain : c->mal_host);
    dns_tail(o, name_off, "A", "+E(0)");
}

/* --- mail.log ------------------------------------------------------------------------ */

static void
mail_new_action(struct gen *g)
{
    struct rng *r = &g->r;
    struct mail_act *m = &g->mail;
    memset(m, 0, sizeof *m);
    unsigned x = rng_below(r, 100);
    m->kind = x < 52 ? MA_IN : x < 76 ? MA_OUT : MA_REJECT;
    m->n_steps = m->kind == MA_REJECT ? 3 : 7;
    m->lpart = (uint8_t)rng_below(r, ARRAY_LEN(mail_lparts));
    if (m->kind == MA_OUT) {
        m->peer = (uint8_t)PICK(r, mail_dests);
        m->rcpt = (uint8_t)rng_below(r, ARRAY_LEN(users));
        m->ip = IP_MAILSTORE;
    } else {
        m->peer = (uint8_t)PICK(r, mail_peers);
        m->rcpt = (uint8_t)rng_below(r, ARRAY_LEN(mail_rcpts));
        m->ip = m->kind == MA_IN ? hashed_public_ip(g->c, fnv1a(mail_peers[m->peer].helo))
                                 : rand_public_ip(r, g->c);
    }
    m->p_smtpd = next_pid(r, &g->mail_pid);
    m->p_cleanup = next_pid(r, &g->mail_pid);
    m->p_smtp = next_pid(r, &g->mail_pid);
    m->qid = rng_next(r) & 0xffffffffffULL;
    m->qid2 = rng_next(r) & 0xffffffffffULL;
    m->msgid = rng_next(r);
    m->size = rng_logu(r, 11, 21);
    m->d[0] = (uint8_t)rng_below(r, 5);
    m->d[1] = (uint8_t)rng_below(r, 2);
    m->d[2] = (uint8_t)rng_below(r, 4);
    m->d[3] = (uint8_t)rng_range(r, 1, 12);
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < 11; i++)
        m->helo[i] = alnum[rng_below(r, sizeof alnum - 1)];
    m->helo[11] = '\0';
}

/* "name[ip]" of the SMTP client of transaction m. */
static void
put_mail_client(struct out *o, const struct mail_act *m)
{
    if (m->kind == MA_IN)
        put_str(o, mail_peers[m->peer].helo);
    else if (m->kind == MA_OUT)
        PUT_LIT(o, "mail.corp.example");
    else
        PUT_LIT(o, "unknown");
    put_ch(o, '[');
    put_ip(o, m->ip);
    put_ch(o, ']');
}

static void
bg_mail(struct gen *g, int64_t t, struct out *o)
{
    const struct ctx *c = g->c;
    struct mail_act *m = &g->mail;
    if (m->step >= m->n_steps)
        mail_new_action(g);
    unsigned step = m->step++;
    if (m->kind == MA_REJECT) {
        put_syslog(o, c, t, "mx01", "postfix/smtpd", m->p_smtpd);
        if (step == 0) {
            PUT_LIT(o, "connect from ");
            put_mail_client(o, m);
        } else if (step == 1) {
            PUT_LIT(o, "NOQUEUE: reject: RCPT from ");
            put_mail_client(o, m);
            PUT_LIT(o, ": 554 5.7.1 Service unavailable; Client host [");
            put_ip(o, m->ip);
            PUT_LIT(o, "] blocked using zen.spamhaus.org; from=<");
            put_str(o, mail_lparts[m->lpart]);
            PUT_LIT(o, "@");
            for (const char *p = m->helo; *p; p++)
                put_ch(o, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
            PUT_LIT(o, ".example> to=<");
            put_str(o, mail_rcpts[m->rcpt]);
            PUT_LIT(o, "@corp.example> proto=ESMTP helo=<WIN-");
            put_str(o, m->helo);
            put_ch(o, '>');
        } else {
            PUT_LIT(o, "disconnect from ");
            put_mail_client(o, m);
            PUT_LIT(o, " ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4");
        }
        return;
    }
    switch (step) {
    case 0:
        put_syslog(o, c, t, "mx01", "postfix/smtpd", m->p_smtpd);
        PUT_LIT(o, "connect from ");
        put_mail_client(o, m);
        break;
    case 1:
        put_syslog(o, c, t, "mx01", "postfix/smtpd", m->p_smtpd);
        put_hex(o, m->qid, 10, true);
        PUT_LIT(o, ": client=");
        put_mail_client(o, m);
        break;
    case 2:
        put_syslog(o, c, t, "mx01", "postfix/cleanup", m->p_cleanup);
        put_hex(o, m->qid, 10, true);
        PUT_LIT(o, ": message-id=<");
        put_hex(o, m->msgid, 16, false);
        put_ch(o, '@');
        if (m->kind == MA_IN)
            put_str(o, mail_peers[m->peer].domain);
        else
            PUT_LIT(o, "corp.example");
        put_ch(o, '>');
        break;
    case 3:
        put_syslog(o, c, t, "mx01", "postfix/qmgr", 902);
        put_hex(o, m->qid, 10, true);
        PUT_LIT(o, ": from=<");
        if (m->kind == MA_IN) {
            put_str(o, mail_lparts[m->lpart]);
            put_ch(o, '@');
            put_str(o, mail_peers[m->peer].domain);
        } else {
            put_str(o, users[m->rcpt].name);
            PUT_LIT(o, "@corp.example");
        }
        PUT_LIT(o, ">, size=");
        put_u64(o, m->size);
        PUT_LIT(o, ", nrcpt=1 (queue active)");
        break;
    case 4:
        put_syslog(o, c, t, "mx01", "postfix/smtpd", m->p_smtpd);
        PUT_LIT(o, "disconnect from ");
        put_mail_client(o, m);
        if (m->kind == MA_IN)
            PUT_LIT(o, " ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7");
        else
            PUT_LIT(o, " ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");
        break;
    case 5:
        put_syslog(o, c, t, "mx01", "postfix/smtp", m->p_smtp);
        put_hex(o, m->qid, 10, true);
        PUT_LIT(o, ": to=<");
        if (m->kind == MA_IN) {
            put_str(o, mail_rcpts[m->rcpt]);
            PUT_LIT(o, "@corp.example>, relay=mail.corp.example[10.0.0.26]:25");
        } else {
            put_str(o, mail_lparts[m->lpart]);
            put_ch(o, '@');
            put_str(o, mail_dests[m->peer].domain);
            PUT_LIT(o, ">, relay=");
            put_str(o, mail_dests[m->peer].mx);
            put_ch(o, '[');
            put_ip(o, hashed_public_ip(c, fnv1a(mail_dests[m->peer].mx)));
            PUT_LIT(o, "]:25");
        }
        PUT_LIT(o, ", delay=");
        put_tenths(o, (unsigned)m->d[0] + m->d[1] + m->d[2] + m->d[3]);
        PUT_LIT(o, ", delays=");
        for (int i = 0; i < 4; i++) {
            if (i)
                put_ch(o, '/');
            put_tenths(o, m->d[i]);
        }
        PUT_LIT(o, ", dsn=2.0.0, status=sent (250 2.0.0 ");
        if (m->kind == MA_IN) {
            PUT_LIT(o, "Ok: queued as ");
            put_hex(o, m->qid2, 10, true);
        } else {
            PUT_LIT(o, "OK");
        }
        put_ch(o, ')');
        break;
    default:
        put_syslog(o, c, t, "mx01", "postfix/qmgr", 902);
        put_hex(o, m->qid, 10, true);
        PUT_LIT(o, ": removed");
        break;
    }
}

/* --- eve.json ------------------------------------------------------------------------ */

/* Opens a Suricata EVE object up to and including "proto". */
static void
eve_head(struct out *o, const struct ctx *c, int64_t t, uint64_t flow_id, const char *type,
         uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const char *proto)
{
    PUT_LIT(o, "{\"timestamp\":\"");
    put_eve_time(o, c, t);
    PUT_LIT(o, "\",\"flow_id\":");
    put_u64(o, flow_id);
    PUT_LIT(o, ",\"in_iface\":\"eth0\",\"event_type\":\"");
    put_str(o, type);
    PUT_LIT(o, "\",\"src_ip\":\"");
    put_ip(o, src);
    PUT_LIT(o, "\",\"src_port\":");
    put_u64(o, sport);
    PUT_LIT(o, ",\"dest_ip\":\"");
    put_ip(o, dst);
    PUT_LIT(o, "\",\"dest_port\":");
    put_u64(o, dport);
    PUT_LIT(o, ",\"proto\":\"");
    put_str(o, proto);
    put_ch(o, '"');
}

static uint64_t
flow_id(struct rng *r)
{
    return 1000000000000000ULL + (rng_next(r) >> 14) % 1000000000000000ULL;
}

static void
eve_alert_body(struct out *o, uint32_t sid, unsigned rev, const char *sig, const char *cat,
               unsigned severity)
{
    PUT_LIT(o, ",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
    put_u64(o, sid);
    PUT_LIT(o, ",\"rev\":");
    put_u64(o, rev);
    PUT_LIT(o, ",\"signature\":\"");
    put_str(o, sig);
    PUT_LIT(o, "\",\"category\":\"");
    put_str(o, cat);
    PUT_LIT(o, "\",\"severity\":");
    put_u64(o, severity);
    put_ch(o, '}');
}

static void
eve_http_body(struct out *o, const char *host, const char *path, const char *ua,
              const char *ctype, const char *method, unsigned status, uint64_t len)
{
    PUT_LIT(o, ",\"tx_id\":0,\"http\":{\"hostname\":\"");
    put_str(o, host);
    PUT_LIT(o, "\",\"url\":\"");
    put_str(o, path);
    PUT_LIT(o, "\",\"http_user_agent\":\"");
    put_str(o, ua);
    PUT_LIT(o, "\",\"http_content_type\":\"");
    put_str(o, ctype);
    PUT_LIT(o, "\",\"http_method\":\"");
    put_str(o, method);
    PUT_LIT(o, "\",\"protocol\":\"HTTP/1.1\",\"status\":");
    put_u64(o, status);
    PUT_LIT(o, ",\"length\":");
    put_u64(o, len);
    put_ch(o, '}');
}

static void
bg_eve(struct gen *g, int64_t t, struct out *o)
{
    struct rng *r = &g->r;
    const struct ctx *c = g->c;
    uint64_t fid = flow_id(r);
    unsigned x = rng_below(r, 100);
    if (x < 38) {
        /* a finished flow */
        uint32_t src, dst;
        uint16_t dport;
        const char *proto = "TCP", *app;
        unsigned y = rng_below(r, 100);
        if (y < 70) {
            src = pick_client(r);
            dst = c->dom_ip[PICK(r, doms)];
            dport = 443;
            app = "tls";
        } else if (y < 80) {
            src = IP_PROXY;
            dst = c->hurl_ip[PICK(r, hurls)];
            dport = 80;
            app = "http";
        } else if (y < 94) {
            src = IP_NS;
            dst = resolvers[rng_below(r, ARRAY_LEN(resolvers))];
            dport = 53;
            proto = "UDP";
            app = "dns";
        } else {
            src = IP_PROXY;
            dst = rand_public_ip(r, c);
            dport = 123;
            proto = "UDP";
            app = "ntp";
        }
        bool is_tcp = proto[0] == 'T';
        unsigned age = is_tcp ? rng_logu(r, 0, 9) - 1 : 0;
        unsigned pts = is_tcp ? rng_range(r, 6, 40) : 1, ptc = is_tcp ? pts + rng_below(r, 30) : 1;
        int64_t start = t - (int64_t)age * US_PER_S - rng_below(r, 1000000);
        if (start < 0)
            start = 0;
        eve_head(o, c, t, fid, "flow", src, is_tcp || dport == 53 ? eph_port(r) : 123, dst,
                 dport, proto);
        PUT_LIT(o, ",\"app_proto\":\"");
        put_str(o, app);
        PUT_LIT(o, "\",\"flow\":{\"pkts_toserver\":");
        put_u64(o, pts);
        PUT_LIT(o, ",\"pkts_toclient\":");
        put_u64(o, ptc);
        PUT_LIT(o, ",\"bytes_toserver\":");
        put_u64(o, pts * rng_range(r, 66, 400));
        PUT_LIT(o, ",\"bytes_toclient\":");
        put_u64(o, ptc * rng_range(r, 66, 1400));
        PUT_LIT(o, ",\"start\":\"");
        put_eve_time(o, c, start);
        PUT_LIT(o, "\",\"end\":\"");
        put_eve_time(o, c, t);
        PUT_LIT(o, "\",\"age\":");
        put_u64(o, (uint64_t)((t - start) / US_PER_S));
        PUT_LIT(o, ",\"state\":\"");
        put_str(o, is_tcp ? "closed" : "established");
        PUT_LIT(o, "\",\"reason\":\"timeout\",\"alerted\":false}}");
    } else if (x < 63) {
        /* DNS query to ns01, or its answer */
        uint32_t client = pick_client(r);
        uint16_t cport = eph_port(r);
        size_t d = PICK(r, doms);
        uint16_t id = (uint16_t)rng_next(r);
        if (rng_pct(r, 60)) {
            const char *qt = rng_pct(r, 70) ? "A" : "AAAA";
            eve_head(o, c, t, fid, "dns", client, cport, IP_NS, 53, "UDP");
            PUT_LIT(o, ",\"dns\":{\"type\":\"query\",\"id\":");
            put_u64(o, id);
            PUT_LIT(o, ",\"rrname\":\"");
            put_str(o, doms[d].name);
            PUT_LIT(o, "\",\"rrtype\":\"");
            put_str(o, qt);
            PUT_LIT(o, "\",\"tx_id\":0,\"opcode\":0}}");
        } else {
            eve_head(o, c, t, fid, "dns", IP_NS, 53, client, cport, "UDP");
            PUT_LIT(o, ",\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":");
            put_u64(o, id);
            PUT_LIT(o, ",\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"opcode\":0,"
                       "\"rrname\":\"");
            put_str(o, doms[d].name);
            PUT_LIT(o, "\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"");
            put_str(o, doms[d].name);
            PUT_LIT(o, "\",\"rrtype\":\"A\",\"ttl\":");
            put_u64(o, rng_range(r, 20, 300));
            PUT_LIT(o, ",\"rdata\":\"");
            put_ip(o, c->dom_ip[d]);
            PUT_LIT(o, "\"}]}}");
        }
    } else if (x < 83) {
        /* TLS handshake */
        size_t d = PICK(r, doms);
        eve_head(o, c, t, fid, "tls", pick_client(r), eph_port(r), c->dom_ip[d], 443, "TCP");
        PUT_LIT(o, ",\"tls\":{");
        if (rng_pct(r, 20)) {
            PUT_LIT(o, "\"subject\":\"CN=");
            put_str(o, doms[d].name);
            PUT_LIT(o, "\",\"issuerdn\":\"");
            put_str(o, tls_issuers[rng_below(r, ARRAY_LEN(tls_issuers))]);
            PUT_LIT(o, "\",\"sni\":\"");
            put_str(o, doms[d].name);
            PUT_LIT(o, "\",\"version\":\"TLS 1.2\"}}");
        } else {
            PUT_LIT(o, "\"sni\":\"");
            put_str(o, doms[d].name);
            PUT_LIT(o, "\",\"version\":\"TLS 1.3\"}}");
        }
    } else if (x < 97) {
        /* plain HTTP, leaving through the proxy or from servers (apt) */
        size_t h = PICK(r, hurls);
        const struct hurl *u = &hurls[h];
        uint32_t src = u->ua == UA_APT ? (rng_pct(r, 50) ? IP_WEB : IP4(10, 0, 1, 11)) : IP_PROXY;
        eve_head(o, c, t, fid, "http", src, eph_port(r), c->hurl_ip[h], 80, "TCP");
        eve_http_body(o, u->host, u->path, u->ua, u->ctype, u->method, 200, u->size);
        put_ch(o, '}');
    } else {
        /* informational alert, severity 3 */
        const struct eve_alert *al = &eve_alerts[PICK(r, eve_alerts)];
        if (al->shape == 0)
            eve_head(o, c, t, fid, "alert", IP_WEB, eph_port(r), c->hurl_ip[0], 80, "TCP");
        else if (al->shape == 1)
            eve_head(o, c, t, fid, "alert", pick_client(r), eph_port(r), IP_NS, 53, "UDP");
        else if (al->shape == 2)
            eve_head(o, c, t, fid, "alert", pick_client(r), eph_port(r),
                     c->dom_ip[PICK(r, doms)], 443, "TCP");
        else
            eve_head(o, c, t, fid, "alert", IP_PROXY, eph_port(r), c->hurl_ip[PICK(r, hurls)], 80,
                     "TCP");
        eve_alert_body(o, al->sid, al->rev, al->sig, al->category, 3);
        put_ch(o, '}');
    }
}

static void
atk_eve(struct gen *g, const struct aev *a, struct out *o)
{
    const struct ctx *c = g->c;
    uint64_t fid =
        1000000000000000ULL + mix64(c->seed ^ ((uint64_t)a->seq << 20)) % 1000000000000000ULL;
    if (a->kind == AK_EVE_SCAN_ALERT) {
        eve_head(o, c, a->t_us, fid, "alert", c->attacker_ip, c->scan_sport, IP_WEB, a->port,
                 "TCP");
        eve_alert_body(o, 2009582, 3, "ET SCAN NMAP -sS window 1024", "Attempted Information Leak",
                       2);
        put_ch(o, '}');
    } else if (a->kind == AK_EVE_MAL_HTTP) {
        eve_head(o, c, a->t_us, fid, "http", IP_PROXY, a->port, c->mal_ip, 80, "TCP");
        eve_http_body(o, c->mal_host, c->mal_path, "Wget/1.21.3", "application/x-executable",
                      "GET", 200, c->mal_size);
        put_ch(o, '}');
    } else {
        /* C2 beacon: self-signed certificate named after the DGA domain */
        eve_head(o, c, a->t_us, fid, "tls", IP_WEB, a->port, c->c2_ip, 443, "TCP");
        PUT_LIT(o, ",\"tls\":{\"subject\":\"CN=");
        put_str(o, c->c2_domain);
        PUT_LIT(o, "\",\"issuerdn\":\"CN=");
        put_str(o, c->c2_domain);
        PUT_LIT(o, "\",\"sni\":\"");
        put_str(o, c->c2_domain);
        PUT_LIT(o, "\",\"version\":\"TLS 1.2\"}}");
    }
}

/* --- clamav.log ---------------------------------------------------------------------- */

static void
bg_clam(struct gen *g, int64_t t, struct out *o)
{
    struct rng *r = &g->r;
    put_syslog(o, g->c, t, "proxy01", "clamd", 812);
    if (g->is_periodic) {
        PUT_LIT(o, "SelfCheck: Database status OK.");
        return;
    }
    PUT_LIT(o, "/var/spool/squid/scan/");
    put_hex(o, rng_next(r), 8, false);
    put_ch(o, '-');
    put_str(o, hurls[PICK(r, hurls)].base);
    PUT_LIT(o, ": OK");
}

static void
atk_clam(struct gen *g, const struct aev *a, struct out *o)
{
    const struct ctx *c = g->c;
    put_syslog(o, c, a->t_us, "proxy01", "clamd", 812);
    PUT_LIT(o, "/var/spool/squid/scan/");
    put_hex(o, a->rnd, 8, false);
    put_ch(o, '-');
    put_str(o, c->mal_path + 1);
    PUT_LIT(o, ": ");
    put_str(o, C2_SIG);
    PUT_LIT(o, " FOUND");
}

/* --- nginx-access.log ---------------------------------------------------------------- */

static void
bg_nginx(struct gen *g, int64_t t, struct out *o)
{
    struct rng *r = &g->r;
    const struct ctx *c = g->c;
    bool is_scanner = rng_pct(r, 6);
    uint32_t client;
    if (is_scanner) {
        client = rand_public_ip(r, c);
    } else {
        /* repeat visitors: a skewed pick from 20000 stable addresses */
        uint32_t rank = rng_below(r, 20000) * rng_below(r, 20001) / 20000;
        client = hashed_public_ip(c, c->seed * 31 + 0x5bd1e995u + rank);
    }
    put_ip(o, client);
    PUT_LIT(o, " - - [");
    put_mem(o, c->ngx_date, 12);
    put_hms(o, t / US_PER_S);
    PUT_LIT(o, " +0000] \"");
    if (is_scanner) {
        PUT_LIT(o, "GET ");
        put_str(o, scan_paths[rng_below(r, ARRAY_LEN(scan_paths))]);
        PUT_LIT(o, " HTTP/1.1\" 404 153 \"-\" \"");
        put_str(o, scanner_uas[rng_below(r, ARRAY_LEN(scanner_uas))]);
        put_ch(o, '"');
        return;
    }
    const struct npath *p = &npaths[PICK(r, npaths)];
    put_str(o, p->method);
    put_ch(o, ' ');
    put_str(o, p->path);
    if (p->id_max) {
        put_u64(o, rng_range(r, 1, p->id_max));
        put_str(o, p->suffix);
    }
    unsigned status = p->status;
    uint64_t size = p->size ? p->size + rng_below(r, p->size / 10 + 1) : 0;
    if (p->is_static && rng_pct(r, 15)) {
        status = 304;
        size = 0;
    }
    if (status == 404)
        size = 153;
    PUT_LIT(o, " HTTP/1.1\" ");
    put_u64(o, status);
    put_ch(o, ' ');
    put_u64(o, size);
    PUT_LIT(o, " \"");
    put_str(o, p->is_static ? "https://www.corp.example/"
                            : referers[rng_below(r, ARRAY_LEN(referers))]);
    PUT_LIT(o, "\" \"");
    put_str(o, browser_uas[(client >> 3) % ARRAY_LEN(browser_uas)]);
    put_ch(o, '"');
}

/* --- the file table ------------------------------------------------------------------ */

typedef void bg_fn(struct gen *g, int64_t t, struct out *o);
typedef void atk_fn(struct gen *g, const struct aev *a, struct out *o);

struct file_def {
    const char *name;
    unsigned pct;           /* share of background lines, percent (clamav: the rest) */
    const uint16_t *prof;   /* hourly weights */
    int64_t res_us;         /* resolution of the timestamp its lines show */
    bg_fn *bg;              /* writes one background line */
    atk_fn *atk;            /* writes one attack line; NULL if the attack never shows here */
};

static const struct file_def files[N_FILES] = {
    [F_FW] = {"firewall.log", 24, prof_mixed, US_PER_S, bg_fw, atk_fw},
    [F_AUTH] = {"auth.log", 6, prof_office, US_PER_S, bg_auth, atk_auth},
    [F_SQUID] = {"squid-access.log", 16, prof_office, 1000, bg_squid, atk_squid},
    [F_DNS] = {"named.log", 14, prof_office, US_PER_S, bg_dns, atk_dns},
    [F_MAIL] = {"mail.log", 6, prof_office, US_PER_S, bg_mail, NULL},
    [F_EVE] = {"eve.json", 12, prof_mixed, 1, bg_eve, atk_eve},
    [F_CLAM] = {"clamav.log", 0, prof_office, US_PER_S, bg_clam, atk_clam},
    [F_NGINX] = {"nginx-access.log", 20, prof_public, US_PER_S, bg_nginx, NULL},
};

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                                */

/* Prints "yamori: demo-gen: <what>: <strerror(err)>" and returns -1. */
static int
fail(const char *what, int err)
{
    fprintf(stderr, "yamori: demo-gen: %s: %s\n", what, strerror(err));
    return -1;
}

/* Joins dir and name into path (PATH_MAX bytes); returns -1 with errno set if too long. */
static int
join_path(char *path, const char *dir, const char *name)
{
    int n = snprintf(path, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* The attack plan                                                                       */

static struct aev *
aev_push(struct ctx *c, struct rng *r, int64_t t, unsigned file, unsigned phase, unsigned kind)
{
    assert(c->n_aev < c->cap_aev);
    struct aev *e = &c->aev[c->n_aev];
    memset(e, 0, sizeof *e);
    e->t_us = t;
    e->seq = (uint32_t)c->n_aev++;
    e->rnd = (uint32_t)(rng_next(r) >> 32);
    e->file = (uint8_t)file;
    e->phase = (uint8_t)phase;
    e->kind = (uint8_t)kind;
    return e;
}

/* Gives events [from, c->n_aev) increasing random times over [start, start + span); span
 * must be below 2^32 us (71 minutes). */
static void
spread_times(struct ctx *c, struct rng *r, size_t from, int64_t start, int64_t span)
{
    int64_t n = (int64_t)(c->n_aev - from);
    for (int64_t i = 0; i < n; i++)
        c->aev[from + (size_t)i].t_us =
            start + (i * span + (int64_t)rng_below(r, (uint32_t)span)) / n;
}

/* Writes a random name of len characters from alphabet, starting with a letter. */
static void
rand_label(struct rng *r, char *dst, size_t len)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < len; i++)
        dst[i] = alnum[rng_below(r, i == 0 ? 26 : (uint32_t)(sizeof alnum - 1))];
    dst[len] = '\0';
}

/* A public address, distinct from the known domains, the resolvers and taken. */
static uint32_t
pick_attack_ip(struct rng *r, const struct ctx *c, uint32_t taken1, uint32_t taken2)
{
    for (;;) {
        uint32_t ip = (uint32_t)(rng_next(r) >> 32);
        bool is_ok = is_public_ip(ip) && ip != taken1 && ip != taken2;
        for (size_t i = 0; is_ok && i < ARRAY_LEN(doms); i++)
            is_ok = ip != c->dom_ip[i];
        for (size_t i = 0; is_ok && i < ARRAY_LEN(hurls); i++)
            is_ok = ip != c->hurl_ip[i];
        for (size_t i = 0; is_ok && i < ARRAY_LEN(resolvers); i++)
            is_ok = ip != resolvers[i];
        if (is_ok)
            return ip;
    }
}

static uint32_t
clamp_u32(uint64_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

static int
cmp_aev(const void *pa, const void *pb)
{
    const struct aev *a = pa, *b = pb;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    if (a->t_us != b->t_us)
        return a->t_us < b->t_us ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Plans the attack story into c->aev (allocated here, at most a few thousand entries) and
 * fills the per-phase and per-file accounting. The story scales with --events: full size
 * (1000 scanned ports, 300 failed passwords, a beacon every ~60 s) from 100,000 events,
 * and never more than 20% of the events (the beacon interval grows instead).
 * Returns 0, or -1 with errno ENOMEM.
 */
static int
plan_attack(struct ctx *c)
{
    struct rng rs, *r = &rs;
    rng_seed(r, c->seed, 1);
    uint64_t n = c->n_events, budget = n / 5;

    c->attacker_ip = pick_attack_ip(r, c, 0, 0);
    c->c2_ip = pick_attack_ip(r, c, c->attacker_ip, 0);
    c->mal_ip = pick_attack_ip(r, c, c->attacker_ip, c->c2_ip);
    static const char *const c2_tlds[] = {".top", ".xyz", ".info"};
    static const char *const mal_tlds[] = {".site", ".online", ".top", ".xyz"};
    size_t len = rng_range(r, 12, 16);
    rand_label(r, c->c2_domain, len);
    const char *tld = c2_tlds[rng_below(r, ARRAY_LEN(c2_tlds))];
    memcpy(c->c2_domain + len, tld, strlen(tld) + 1);
    len = rng_range(r, 7, 10);
    rand_label(r, c->mal_host, len);
    tld = mal_tlds[rng_below(r, ARRAY_LEN(mal_tlds))];
    memcpy(c->mal_host + len, tld, strlen(tld) + 1);
    c->mal_path[0] = '/';
    for (int i = 1; i <= 6; i++)
        c->mal_path[i] = (char)('a' + rng_below(r, 26));
    memcpy(c->mal_path + 7, ".elf", 5);
    c->mal_size = rng_range(r, 60000, 140000);
    c->scan_sport = (uint16_t)rng_range(r, 33000, 62000);

    uint32_t n_ports = clamp_u32(n / 100, 50, 1000);
    uint32_t n_failed = clamp_u32(n / 300, 20, 300);
    c->n_scan_ports = n_ports;
    c->n_failed = n_failed;
    c->cap_aev = n_ports + 1 + 3 * (size_t)n_failed + 16 + 3 * 1442;
    c->aev = malloc(c->cap_aev * sizeof *c->aev);
    if (c->aev == NULL) {
        errno = ENOMEM;
        return -1;
    }

    /* 1. Port scan: SYNs to n_ports distinct ports of web01, dropped; one Suricata alert. */
    int64_t t = (int64_t)(5400 + rng_below(r, 8 * 3600)) * US_PER_S; /* 01:30 to 09:30 */
    int64_t span = (int64_t)(30 + n_ports * 180 / 1000 + rng_below(r, 30)) * US_PER_S;
    uint8_t used[65536 / 8];
    memset(used, 0, sizeof used);
    static const uint16_t open_ports[] = {0, 22, 80, 443};
    for (size_t i = 0; i < ARRAY_LEN(open_ports); i++)
        used[open_ports[i] / 8] |= (uint8_t)(1u << (open_ports[i] % 8));
    uint16_t first_ports[ARRAY_LEN(scan_first_ports)];
    memcpy(first_ports, scan_first_ports, sizeof first_ports);
    for (size_t i = ARRAY_LEN(first_ports) - 1; i > 0; i--) {
        size_t j = rng_below(r, (uint32_t)i + 1);
        uint16_t tmp = first_ports[i];
        first_ports[i] = first_ports[j];
        first_ports[j] = tmp;
    }
    size_t from = c->n_aev;
    for (uint32_t i = 0; i < n_ports; i++) {
        uint16_t port;
        if (i < ARRAY_LEN(first_ports)) {
            port = first_ports[i];
        } else {
            do
                port = (uint16_t)rng_range(r, 1, 65535);
            while (used[port / 8] & (1u << (port % 8)));
        }
        used[port / 8] |= (uint8_t)(1u << (port % 8));
        aev_push(c, r, 0, F_FW, PH_SCAN, AK_FW_SCAN)->port = port;
    }
    spread_times(c, r, from, t, span);
    const struct aev *fifth = &c->aev[from + 4];
    struct aev *e = aev_push(c, r, fifth->t_us + rng_range(r, 1000, 50000), F_EVE, PH_SCAN,
                             AK_EVE_SCAN_ALERT);
    e->port = fifth->port;
    t = c->aev[from + n_ports - 1].t_us;

    /* 2. SSH brute force against web01: connections of 2-3 attempts, ending with alice. */
    t += (int64_t)(120 + rng_below(r, 480)) * US_PER_S;
    span = (int64_t)clamp_u32((uint64_t)n_failed * 2, 60, 600) * US_PER_S;
    from = c->n_aev;
    uint32_t pid = 20000 + rng_below(r, 20000);
    for (uint32_t left = n_failed; left > 0;) {
        unsigned u = left <= 3 ? BF_ALICE : (unsigned)PICK(r, bf_users);
        uint32_t k = left <= 3 ? left : rng_range(r, 2, 3);
        uint16_t port = eph_port(r);
        pid += 1 + rng_below(r, 7);
        if (!bf_users[u].is_valid) {
            e = aev_push(c, r, 0, F_AUTH, PH_BRUTE, AK_SSH_INVALID);
            e->pid = pid, e->port = port, e->user = (uint8_t)u;
        }
        for (uint32_t i = 0; i < k; i++) {
            e = aev_push(c, r, 0, F_AUTH, PH_BRUTE, AK_SSH_FAILED);
            e->pid = pid, e->port = port, e->user = (uint8_t)u;
        }
        e = aev_push(c, r, 0, F_AUTH, PH_BRUTE, AK_SSH_CLOSED);
        e->pid = pid, e->port = port, e->user = (uint8_t)u;
        left -= k;
    }
    spread_times(c, r, from, t, span);
    t = c->aev[c->n_aev - 1].t_us;

    /* 3. The password works: login as alice. */
    t += (int64_t)(20 + rng_below(r, 100)) * US_PER_S;
    pid += 1 + rng_below(r, 7);
    uint16_t port = eph_port(r);
    e = aev_push(c, r, t, F_AUTH, PH_LOGIN, AK_SSH_ACCEPTED);
    e->pid = pid, e->port = port;
    e = aev_push(c, r, t + rng_range(r, 5000, 60000), F_AUTH, PH_LOGIN, AK_SSH_PAM_OPEN);
    e->pid = pid, e->port = port;

    /* 4. sudo to a root shell. */
    t += (int64_t)(60 + rng_below(r, 240)) * US_PER_S;
    aev_push(c, r, t, F_AUTH, PH_SUDO, AK_SUDO);
    aev_push(c, r, t + rng_range(r, 2000, 20000), F_AUTH, PH_SUDO, AK_SUDO_PAM_OPEN);

    /* 5. Malware download through the proxy, caught (but not blocked) by ClamAV. */
    t += (int64_t)(60 + rng_below(r, 180)) * US_PER_S;
    uint32_t elapsed_ms = rng_range(r, 800, 3000);
    int64_t t_done = t + (int64_t)elapsed_ms * 1000;
    aev_push(c, r, t, F_DNS, PH_MALWARE, AK_DNS_MAL)->port = eph_port(r);
    aev_push(c, r, t_done - rng_range(r, 5000, 40000), F_EVE, PH_MALWARE, AK_EVE_MAL_HTTP)->port =
        eph_port(r);
    aev_push(c, r, t_done - rng_range(r, 1000, 4000), F_CLAM, PH_MALWARE, AK_CLAM_FOUND);
    aev_push(c, r, t_done, F_SQUID, PH_MALWARE, AK_SQUID_MAL)->pid = elapsed_ms;

    /* 6. C2 beaconing until the end of the day, within what is left of the budget. */
    t = t_done + (int64_t)(30 + rng_below(r, 90)) * US_PER_S;
    int64_t t_last = DAY_US - US_PER_S; /* 23:59:59 */
    span = t_last - t;
    uint64_t b_time = (uint64_t)(span / (60 * US_PER_S)) + 1;
    uint64_t b_budget = budget > c->n_aev ? (budget - c->n_aev) / 3 : 0;
    uint64_t n_b = b_time < b_budget ? b_time : b_budget;
    if (n_b == 0)
        n_b = 1;
    int64_t step = n_b == b_time ? 60 * US_PER_S : span / (int64_t)n_b;
    int64_t jit = step / 15 < 30 * US_PER_S ? step / 15 : 30 * US_PER_S;
    c->n_beacons = (uint32_t)n_b;
    c->beacon_interval_us = step;
    for (uint64_t i = 0; i < n_b; i++) {
        int64_t tb = t + (int64_t)i * step + (int64_t)rng_below(r, (uint32_t)(2 * jit + 1)) - jit;
        if (tb > t_last)
            tb = t_last;
        port = eph_port(r);
        aev_push(c, r, tb, F_DNS, PH_C2, AK_DNS_C2)->port = eph_port(r);
        aev_push(c, r, tb + rng_range(r, 2000, 40000), F_FW, PH_C2, AK_FW_C2)->port = port;
        aev_push(c, r, tb + rng_range(r, 60000, 250000), F_EVE, PH_C2, AK_EVE_C2_TLS)->port = port;
    }
    assert(c->n_aev <= budget);

    qsort(c->aev, c->n_aev, sizeof *c->aev, cmp_aev);
    for (int p = 0; p < N_PHASES; p++) {
        c->ph_first[p] = INT64_MAX;
        c->ph_last[p] = INT64_MIN;
    }
    for (size_t i = 0; i < c->n_aev; i++) {
        const struct aev *a = &c->aev[i];
        int64_t shown = a->t_us - a->t_us % files[a->file].res_us;
        if (shown < c->ph_first[a->phase])
            c->ph_first[a->phase] = shown;
        if (shown > c->ph_last[a->phase])
            c->ph_last[a->phase] = shown;
        c->ph_lines[a->phase][a->file]++;
        c->n_atk[a->file]++;
    }

    uint64_t bg = n - c->n_aev, sum = 0;
    for (int f = 0; f < N_FILES; f++) {
        if (f == F_CLAM)
            continue;
        c->n_bg[f] = bg * files[f].pct / 100;
        sum += c->n_bg[f];
    }
    c->n_bg[F_CLAM] = bg - sum;
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                               */

static void
gen_init(struct gen *g, const struct ctx *c, unsigned f)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(g, 0, sizeof *g);
    g->c = c;
    rng_seed(&g->r, c->seed, 100 + f);
    g->n = c->n_bg[f];
    for (int h = 0; h < 3; h++) {
        g->pid[h] = 1000 + rng_below(&g->r, 30000);
        g->sess[h] = 100 + rng_below(&g->r, 5000);
    }
    g->mail_pid = 1000 + rng_below(&g->r, 30000);
    for (size_t u = 0; u < ARRAY_LEN(users); u++) {
        for (int i = 0; i < 43; i++)
            g->fp[u][i] = b64[rng_below(&g->r, 64)];
        g->fp[u][43] = '\0';
    }
    for (size_t i = 0; i < ARRAY_LEN(g->client_obj); i++)
        g->client_obj[i] = 0x7f0000000000ULL | ((rng_next(&g->r) >> 24) & 0xfffffffff0ULL);
}

/* The date's 23:59:59 UTC + 60 s, as the ingester expects of a finished day's files. */
static void
day_end_times(const struct ctx *c, struct timespec ts[2])
{
    ts[0].tv_sec = (time_t)(c->t0 + DAY_S - 1 + 60);
    ts[0].tv_nsec = 0;
    ts[1] = ts[0];
}

/*
 * Writes log file f: its background lines from the timestamp stream merged with its attack
 * events, then sets its mtime. buf is the OUT_CAP-byte output buffer. Returns 0, or -1
 * after printing the error line.
 */
static int
write_log(const struct ctx *c, unsigned f, char *buf)
{
    char path[PATH_MAX];
    if (join_path(path, c->dir, files[f].name) < 0)
        return fail(c->dir, errno);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(path, errno);

    struct out o = {.fd = fd, .buf = buf};
    struct gen g;
    gen_init(&g, c, f);
    static struct tsgen ts; /* 12 KB: kept off the stack */
    tsgen_init(&ts, c->seed, 200 + f, g.n, files[f].prof);
    if (f == F_CLAM && g.n > 0) {
        /* clamd's SelfCheck every 10 minutes (sparser if the file is small) */
        ts.n_per = g.n < 144 ? g.n : 144;
        ts.n = g.n - ts.n_per;
        ts.per_step = DAY_US / (int64_t)ts.n_per;
        ts.per_off = (int64_t)(rng_next(&ts.r) % (uint64_t)(ts.per_step / US_PER_S)) * US_PER_S +
                     rng_below(&ts.r, 1000000);
    }

    const struct aev *a = c->aev, *a_end = c->aev + c->n_aev;
    while (a < a_end && a->file < f)
        a++;
    const struct aev *a_stop = a;
    while (a_stop < a_end && a_stop->file == f)
        a_stop++;
    assert(a == a_stop || files[f].atk != NULL);

    for (g.i = 0; g.i < g.n && o.err == 0; g.i++) {
        int64_t t = tsgen_next(&ts, &g.is_periodic);
        assert(t >= 0 && t < DAY_US);
        for (; a < a_stop && a->t_us <= t; a++) {
            line_begin(&o);
            files[f].atk(&g, a, &o);
            line_end(&o);
        }
        line_begin(&o);
        files[f].bg(&g, t, &o);
        line_end(&o);
    }
    for (; a < a_stop && o.err == 0; a++) {
        line_begin(&o);
        files[f].atk(&g, a, &o);
        line_end(&o);
    }
    out_flush(&o);

    int rc = 0;
    struct timespec times[2];
    day_end_times(c, times);
    if (o.err != 0)
        rc = fail(path, o.err);
    else if (futimens(fd, times) < 0)
        rc = fail(path, errno);
    if (close(fd) < 0 && rc == 0)
        rc = fail(path, errno);
    assert(rc < 0 || o.n_lines == c->n_bg[f] + c->n_atk[f]);
    return rc;
}

/* "2026-11-02T09:14:03.123Z" */
static void
put_rfc3339(struct out *o, const struct ctx *c, int64_t t)
{
    put_mem(o, c->iso_date, 11);
    put_hms(o, t / US_PER_S);
    put_ch(o, '.');
    put_upad(o, (uint64_t)(t % US_PER_S / 1000), 3, '0');
    put_ch(o, 'Z');
}

static void
put_json_str(struct out *o, const char *key, const char *val, bool is_last)
{
    PUT_LIT(o, "  \"");
    put_str(o, key);
    PUT_LIT(o, "\": \"");
    put_str(o, val);
    put_str(o, is_last ? "\"\n" : "\",\n");
}

static void
put_json_ip(struct out *o, const char *key, uint32_t ip)
{
    PUT_LIT(o, "  \"");
    put_str(o, key);
    PUT_LIT(o, "\": \"");
    put_ip(o, ip);
    PUT_LIT(o, "\",\n");
}

/*
 * Writes DIR/ground-truth.json: the attack's actors and indicators, each phase's first and
 * last timestamp (as its lines show them, RFC 3339 UTC with milliseconds) and line counts
 * per file, and every file's total and attack line counts. Returns 0, or -1 after printing
 * the error line.
 */
static int
write_ground_truth(const struct ctx *c, char *buf)
{
    char path[PATH_MAX];
    if (join_path(path, c->dir, "ground-truth.json") < 0)
        return fail(c->dir, errno);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(path, errno);
    struct out o = {.fd = fd, .buf = buf};

    line_begin(&o);
    PUT_LIT(&o, "{\n  \"seed\": ");
    put_u64(&o, c->seed);
    PUT_LIT(&o, ",\n  \"events\": ");
    put_u64(&o, c->n_events);
    PUT_LIT(&o, ",\n");
    put_json_str(&o, "date", c->date, false);
    put_json_ip(&o, "attacker_ip", c->attacker_ip);
    put_json_str(&o, "victim_host", "web01", false);
    put_json_ip(&o, "victim_ip", IP_WEB);
    put_json_str(&o, "compromised_user", users[USER_ALICE].name, false);
    PUT_LIT(&o, "  \"malware_url\": \"http://");
    put_str(&o, c->mal_host);
    put_str(&o, c->mal_path);
    PUT_LIT(&o, "\",\n");
    put_json_ip(&o, "malware_ip", c->mal_ip);
    put_json_str(&o, "malware_signature", C2_SIG, false);
    put_json_str(&o, "c2_domain", c->c2_domain, false);
    put_json_ip(&o, "c2_ip", c->c2_ip);
    PUT_LIT(&o, "  \"c2_port\": 443,\n  \"attack_lines\": ");
    put_u64(&o, c->n_aev);
    PUT_LIT(&o, ",\n  \"phases\": [\n");
    for (int p = 0; p < N_PHASES; p++) {
        line_begin(&o);
        PUT_LIT(&o, "    {\"name\": \"");
        put_str(&o, phase_names[p]);
        PUT_LIT(&o, "\", \"first\": \"");
        put_rfc3339(&o, c, c->ph_first[p]);
        PUT_LIT(&o, "\", \"last\": \"");
        put_rfc3339(&o, c, c->ph_last[p]);
        PUT_LIT(&o, "\",");
        if (p == PH_SCAN) {
            PUT_LIT(&o, " \"ports\": ");
            put_u64(&o, c->n_scan_ports);
            put_ch(&o, ',');
        } else if (p == PH_BRUTE) {
            PUT_LIT(&o, " \"failed_passwords\": ");
            put_u64(&o, c->n_failed);
            put_ch(&o, ',');
        } else if (p == PH_C2) {
            PUT_LIT(&o, " \"beacons\": ");
            put_u64(&o, c->n_beacons);
            PUT_LIT(&o, ", \"interval_s\": ");
            put_u64(&o, (uint64_t)(c->beacon_interval_us / US_PER_S));
            put_ch(&o, ',');
        }
        PUT_LIT(&o, "\n     \"lines\": {");
        uint64_t total = 0;
        bool is_first = true;
        for (int f = 0; f < N_FILES; f++) {
            if (c->ph_lines[p][f] == 0)
                continue;
            if (!is_first)
                PUT_LIT(&o, ", ");
            is_first = false;
            put_ch(&o, '"');
            put_str(&o, files[f].name);
            PUT_LIT(&o, "\": ");
            put_u64(&o, c->ph_lines[p][f]);
            total += c->ph_lines[p][f];
        }
        PUT_LIT(&o, "}, \"total_lines\": ");
        put_u64(&o, total);
        put_str(&o, p + 1 < N_PHASES ? "},\n" : "}\n");
    }
    line_begin(&o);
    PUT_LIT(&o, "  ],\n  \"files\": {\n");
    for (int f = 0; f < N_FILES; f++) {
        PUT_LIT(&o, "    \"");
        put_str(&o, files[f].name);
        PUT_LIT(&o, "\": {\"lines\": ");
        put_u64(&o, c->n_bg[f] + c->n_atk[f]);
        PUT_LIT(&o, ", \"attack_lines\": ");
        put_u64(&o, c->n_atk[f]);
        put_str(&o, f + 1 < N_FILES ? "},\n" : "}\n");
    }
    PUT_LIT(&o, "  }\n}\n");
    out_flush(&o);

    int rc = 0;
    struct timespec times[2];
    day_end_times(c, times);
    if (o.err != 0)
        rc = fail(path, o.err);
    else if (futimens(fd, times) < 0)
        rc = fail(path, errno);
    if (close(fd) < 0 && rc == 0)
        rc = fail(path, errno);
    return rc;
}

/* "HH:MM:SS" of t into a 9-byte buffer. */
static const char *
fmt_hms(char *dst, int64_t t)
{
    int64_t s = t / US_PER_S;
    dst[0] = (char)('0' + s / 36000);
    dst[1] = (char)('0' + s / 3600 % 10);
    dst[2] = ':';
    dst[3] = (char)('0' + s / 60 % 60 / 10);
    dst[4] = (char)('0' + s / 60 % 10);
    dst[5] = ':';
    dst[6] = (char)('0' + s % 60 / 10);
    dst[7] = (char)('0' + s % 10);
    dst[8] = '\0';
    return dst;
}

static const char *
fmt_ip(char *dst, uint32_t ip)
{
    snprintf(dst, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return dst;
}

/* The human summary on stdout. */
static void
print_summary(const struct ctx *c)
{
    char a[9], b[9], ip1[16], ip2[16];
    printf("yamori demo-gen: %llu lines for %s (UTC, seed %llu) in %s/\n",
           (unsigned long long)c->n_events, c->date, (unsigned long long)c->seed, c->dir);
    for (int f = 0; f < N_FILES; f++)
        printf("  %-18s %10llu lines  (%llu attack)\n", files[f].name,
               (unsigned long long)(c->n_bg[f] + c->n_atk[f]), (unsigned long long)c->n_atk[f]);
    printf("  %-18s the attack's ground truth\n", "ground-truth.json");
    printf("Attack story: attacker %s against web01 (10.0.1.10), %zu lines in all\n",
           fmt_ip(ip1, c->attacker_ip), c->n_aev);
    printf("  %s-%s  port scan: %u ports of web01, dropped at gw01 (firewall.log, eve.json)\n",
           fmt_hms(a, c->ph_first[PH_SCAN]), fmt_hms(b, c->ph_last[PH_SCAN]), c->n_scan_ports);
    printf("  %s-%s  SSH brute force: %u failed passwords on web01 (auth.log)\n",
           fmt_hms(a, c->ph_first[PH_BRUTE]), fmt_hms(b, c->ph_last[PH_BRUTE]), c->n_failed);
    printf("  %s           login: 'Accepted password for alice' from %s (auth.log)\n",
           fmt_hms(a, c->ph_first[PH_LOGIN]), ip1);
    printf("  %s           sudo to root: alice runs /bin/bash on web01 (auth.log)\n",
           fmt_hms(a, c->ph_first[PH_SUDO]));
    printf("  %s-%s  malware download http://%s%s, ClamAV %s FOUND\n"
           "                     (squid-access.log, clamav.log, named.log, eve.json)\n",
           fmt_hms(a, c->ph_first[PH_MALWARE]), fmt_hms(b, c->ph_last[PH_MALWARE]), c->mal_host,
           c->mal_path, C2_SIG);
    printf("  %s-%s  C2 beaconing to %s (%s:443), %u beacons every ~%llds\n"
           "                     (named.log, firewall.log, eve.json)\n",
           fmt_hms(a, c->ph_first[PH_C2]), fmt_hms(b, c->ph_last[PH_C2]), c->c2_domain,
           fmt_ip(ip2, c->c2_ip), c->n_beacons, (long long)(c->beacon_interval_us / US_PER_S));
}

/* ------------------------------------------------------------------------------------ */
/* Setup and command line                                                                */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static int64_t
days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Parses a strict YYYY-MM-DD (years 1970 to 9999) into c. Returns 0 or -1. */
static int
parse_date(struct ctx *c, const char *s)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    bool is_leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !is_leap))
        return -1;
    c->year = y;
    c->month = (int)m;
    c->day = (int)d;
    memcpy(c->date, s, 11);
    return 0;
}

/* Parses a decimal unsigned integer: digits only, no sign, no spaces, no overflow. */
static int
parse_u64(const char *s, uint64_t *v)
{
    if (*s == '\0')
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return -1;
    *v = x;
    return 0;
}

/* Fills the derived date strings and the fixed addresses. */
static void
ctx_init(struct ctx *c)
{
    const char *mon = month_abbr[c->month - 1];
    c->t0 = days_from_civil(c->year, (unsigned)c->month, (unsigned)c->day) * DAY_S;
    /* "Nov  2 " */
    memcpy(c->sys_date, mon, 3);
    c->sys_date[3] = ' ';
    c->sys_date[4] = c->day < 10 ? ' ' : (char)('0' + c->day / 10);
    c->sys_date[5] = (char)('0' + c->day % 10);
    c->sys_date[6] = ' ';
    c->sys_date[7] = '\0';
    /* "02/Nov/2026:" */
    c->ngx_date[0] = (char)('0' + c->day / 10);
    c->ngx_date[1] = (char)('0' + c->day % 10);
    c->ngx_date[2] = '/';
    memcpy(c->ngx_date + 3, mon, 3);
    c->ngx_date[6] = '/';
    memcpy(c->ngx_date + 7, c->date, 4);
    c->ngx_date[11] = ':';
    c->ngx_date[12] = '\0';
    /* "2026-11-02T" */
    memcpy(c->iso_date, c->date, 10);
    c->iso_date[10] = 'T';
    c->iso_date[11] = '\0';

    struct rng r;
    rng_seed(&r, c->seed, 2);
    c->gw_boot_us = (uint64_t)rng_range(&r, 3 * 86400, 90 * 86400) * US_PER_S +
                    rng_below(&r, 1000000);
    for (size_t i = 0; i < ARRAY_LEN(doms); i++)
        c->dom_ip[i] = hashed_public_ip(c, fnv1a(doms[i].name));
    for (size_t i = 0; i < ARRAY_LEN(hurls); i++)
        c->hurl_ip[i] = hashed_public_ip(c, fnv1a(hurls[i].host));
}

/* mkdir -p: creates dir and its missing parents. Returns 0, or -1 with errno set. */
static int
mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    size_t len = strlen(dir);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, dir, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static const char usage_text[] =
    "usage: yamori demo-gen [--events N] [--seed S] [--out DIR] [--date YYYY-MM-DD]\n"
    "\n"
    "Writes one simulated UTC day of SOC device logs into DIR: firewall.log, auth.log,\n"
    "squid-access.log, named.log, mail.log, eve.json, clamav.log and nginx-access.log,\n"
    "with background traffic and one embedded attack (port scan, SSH brute force, login,\n"
    "sudo, malware download, C2 beaconing), and the attack's ground-truth.json.\n"
    "The same arguments always give byte-identical files.\n"
    "\n"
    "  --events N         total log lines over all files, 1000 to 100000000 (default 100000)\n"
    "  --seed S           seed of the random choices, 0 to 2^64-1 (default 1)\n"
    "  --out DIR          output directory, created if missing (default ./demo-logs)\n"
    "  --date YYYY-MM-DD  the simulated day (default 2026-11-02)\n"
    "  -h, --help         show this help\n";

static int
usage_error(const char *opt, const char *arg, const char *what)
{
    fprintf(stderr, "yamori: demo-gen: %s: '%s' %s\n", opt, arg, what);
    return 2;
}

/* Parses argv into c. Returns 0, 2 on bad usage (after the error line), or -1 for --help
 * (after printing the usage text). */
static int
parse_args(struct ctx *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"events", required_argument, NULL, 'e'},
        {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"date", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    c->n_events = 100000;
    c->seed = 1;
    c->dir = "./demo-logs";
    if (parse_date(c, "2026-11-02") < 0)
        return 2;

    opterr = 0;
    optind = 0; /* glibc: full re-initialisation, in case getopt ran before */
    int ch;
    while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'e':
            if (parse_u64(optarg, &c->n_events) < 0 || c->n_events == 0)
                return usage_error("--events", optarg, "is not a positive integer");
            if (c->n_events < MIN_EVENTS || c->n_events > MAX_EVENTS)
                return usage_error("--events", optarg, "is out of range (1000 to 100000000)");
            break;
        case 's':
            if (parse_u64(optarg, &c->seed) < 0)
                return usage_error("--seed", optarg, "is not an integer from 0 to 2^64-1");
            break;
        case 'o':
            if (optarg[0] == '\0')
                return usage_error("--out", optarg, "is not a directory name");
            c->dir = optarg;
            break;
        case 'd':
            if (parse_date(c, optarg) < 0)
                return usage_error("--date", optarg, "is not a valid date (YYYY-MM-DD, from 1970)");
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case ':':
            fprintf(stderr, "yamori: demo-gen: option '%s' requires an argument\n",
                    argv[optind - 1]);
            return 2;
        default:
            if (optopt == 0)
                fprintf(stderr, "yamori: demo-gen: unknown option '%s'\n", argv[optind - 1]);
            else if (strncmp(argv[optind - 1], "--", 2) == 0) /* e.g. --help=x */
                fprintf(stderr, "yamori: demo-gen: option '%s' takes no argument\n",
                        argv[optind - 1]);
            else
                fprintf(stderr, "yamori: demo-gen: unknown option '-%c'\n", optopt);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "yamori: demo-gen: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

int
demo_gen_main(int argc, char **argv)
{
    struct ctx c;
    char *buf = NULL;
    int rc;

    memset(&c, 0, sizeof c);
    rc = parse_args(&c, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    rc = 1;
    ctx_init(&c);
    if (mkdir_p(c.dir) < 0) {
        fail(c.dir, errno);
        goto out;
    }
    if (plan_attack(&c) < 0) {
        fail("attack plan", errno);
        goto out;
    }
    buf = malloc(OUT_CAP);
    if (buf == NULL) {
        fail("output buffer", ENOMEM);
        goto out;
    }
    for (unsigned f = 0; f < N_FILES; f++)
        if (write_log(&c, f, buf) < 0)
            goto out;
    if (write_ground_truth(&c, buf) < 0)
        goto out;
    print_summary(&c);
    if (fflush(stdout) == EOF) {
        fail("stdout", errno);
        goto out;
    }
    rc = 0;
out:
    free(buf);
    free(c.aev);
    return rc;
}
