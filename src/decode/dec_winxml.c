/*
 * dec_winxml.c — Windows event XML, as Windows Event Forwarding, wevtutil
 * and Get-WinEvent's ToXml() render it, one <Event> per line; also the
 * same XML inside a syslog message (Sysmon for Linux, NXLog's to_xml()).
 *
 *   <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>
 *     <System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{...}'/>
 *       <EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task>
 *       <Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>
 *       <TimeCreated SystemTime='2026-11-02T09:14:03.1234567Z'/><EventRecordID>123</EventRecordID>
 *       <Correlation/><Execution ProcessID='4' ThreadID='8'/><Channel>Security</Channel>
 *       <Computer>DC01.corp.example</Computer><Security/></System>
 *     <EventData><Data Name='SubjectUserSid'>S-1-0-0</Data>...</EventData>
 *     [<UserData>...</UserData>] [<RenderingInfo>...<Message>...</Message></RenderingInfo>]
 *   </Event>
 *
 * Parsed with libxml2's SAX2 interface (no tree: the events stream through
 * a small state machine, twice as fast as building and walking a DOM):
 * System → winlog.*, EventData → winlog.event_data.<Name> (unnamed <Data>
 * → param1, param2..., <Binary> → Binary), UserData → winlog.user_data.*,
 * RenderingInfo's Message → message; TimeCreated's SystemTime is the event
 * time and Computer the host.  The ECS mapping (norm_windows.c, win_map)
 * then runs as it does for the JSON shapes.  A leading <?xml ...?>
 * declaration and an <Events> wrapper are accepted; only the first <Event>
 * of a line is decoded, though the whole line must be well-formed.
 *
 * Hostile input: a document type declaration is refused before parsing
 * (no DTD means no entity expansion: no billion laughs, no XXE), external
 * entities and network access are off (no XML_PARSE_NOENT, DTDLOAD or
 * XINCLUDE; XML_PARSE_NONET), the text is bounded by WIN_MAX_XML, libxml2's
 * own depth limit holds (no XML_PARSE_HUGE), and UserData is flattened at
 * most MAX_USERDATA_DEPTH levels deep.  libxml2 reports errors into its
 * parser context only, never on stderr.  Every value is copied into the
 * batch arena (libxml2's buffers die with the parser); without entity
 * expansion the text copied is bounded by the line.
 */
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "decode/decode_int.h"
#include "decode/norm.h"
#include "decode/win_int.h"
#include "util/ymtime.h"

#define MAX_USERDATA_DEPTH 4

/* libxml2 2.12 made the structured error handler's argument const. */
#if LIBXML_VERSION >= 21200
#define XML_ERROR_ARG const xmlError *
#else
#define XML_ERROR_ARG xmlError *
#endif

enum section {
    SEC_NONE,
    SEC_SYSTEM,
    SEC_EVENTDATA,
    SEC_USERDATA,
    SEC_RENDERING,
};

/* The element whose text is being collected. */
enum leaf {
    L_NONE,
    L_EVENT_ID,
    L_VERSION,
    L_LEVEL,
    L_TASK,
    L_OPCODE,
    L_KEYWORDS,
    L_RECORD_ID,
    L_CHANNEL,
    L_COMPUTER,
    L_DATA,      /* EventData's <Data> or <Binary>: name in leaf_name */
    L_USER_DATA, /* a UserData leaf: name in path */
    L_MESSAGE,
};

struct sax {
    struct decode_ctx *ctx;
    struct ym_event *ev;
    struct win_rec *r;
    xmlParserCtxtPtr pc;
    int64_t ts;              /* TimeCreated/@SystemTime, 0 when absent */
    size_t n_param;          /* unnamed <Data> seen */
    int rc;                  /* YM_ENOMEM once an arena allocation failed */
    int depth;               /* of the element being read; the root is 1 */
    int event_depth;         /* of the <Event> being read, 0 before it */
    bool wrapped;            /* the root is <Events> */
    bool event_done;         /* the first <Event> is closed: the rest is ignored */
    bool not_event;          /* the root is no event: stop */
    enum section sec;        /* the child of <Event> being read */
    enum leaf leaf;          /* what the text being collected is */
    int leaf_depth;          /* its element's depth; 0 when none */
    struct ym_str leaf_name; /* L_DATA: the data name (arena) */
    char *text;              /* the text so far (arena), text_len of text_cap bytes */
    size_t text_len, text_cap;
    char path[YM_MAX_NAME_LEN + 1]; /* L_USER_DATA: "A.B" below the wrapper */
    size_t path_len[MAX_USERDATA_DEPTH + 1];
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
    xmlInitParser();
}

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
winxml_probe(const char *p, size_t len)
{
    if (len >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
        (unsigned char)p[2] == 0xbf) {
        p += 3;
        len -= 3;
    }
    if (len >= 7 && memcmp(p, "<Event", 6) == 0)
        return p[6] == '>' || p[6] == 's' || is_ws(p[6]);
    /* An XML declaration first: the <Event must follow closely. */
    if (len >= 5 && memcmp(p, "<?xml", 5) == 0)
        return memmem(p, len < 256 ? len : 256, "<Event", 6) != NULL;
    return false;
}

static bool
named(const xmlChar *name, const char *want)
{
    return name[0] == (xmlChar)want[0] && strcmp((const char *)name, want) == 0;
}

static struct ym_str
trim(struct ym_str s)
{
    while (s.len > 0 && is_ws(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && is_ws(s.p[s.len - 1]))
        s.len--;
    return s;
}

/* Copies len bytes into the arena. */
static struct ym_str
copy(struct sax *s, const char *p, size_t len)
{
    char *c;

    if (len == 0)
        return YM_STR("");
    c = arena_strndup(s->ctx->arena, p, len);
    if (c == NULL) {
        s->rc = YM_ENOMEM;
        return YM_STR("");
    }
    return (struct ym_str){c, len};
}

/*
 * The value of attribute name among SAX2's attributes (5 pointers each:
 * localname, prefix, URI, value, end), trimmed and copied; empty when
 * absent.  libxml2 decodes references in attribute values except '&',
 * which it hands over as "&#38;" when entities are not substituted (they
 * are not: XML_PARSE_NOENT stays off); that one is decoded here, once, left
 * to right, so that "&amp;#38;" stays "&#38;".
 */
static struct ym_str
attr(struct sax *s, int n, const xmlChar **attrs, const char *name)
{
    for (int i = 0; i < n; i++) {
        const xmlChar **a = attrs + 5 * i;
        struct ym_str v;
        char *w;
        size_t j = 0, k = 0;

        if (!named(a[0], name))
            continue;
        v = copy(s, (const char *)a[3], (size_t)(a[4] - a[3]));
        if (memchr(v.p, '&', v.len) == NULL)
            return trim(v);
        w = (char *)v.p; /* our own arena copy */
        while (j < v.len) {
            if (j + 5 <= v.len && memcmp(w + j, "&#38;", 5) == 0) {
                w[k++] = '&';
                j += 5;
            } else {
                w[k++] = w[j++];
            }
        }
        return trim((struct ym_str){w, k});
    }
    return YM_STR("");
}

static void
add_str(struct sax *s, struct ym_str name, struct ym_str v)
{
    if (v.len > 0)
        ym_event_add_str(s->ev, s->ctx->arena, name, v);
}

/* Adds an integer field when v is a decimal number, else a string one. */
static void
add_num(struct sax *s, struct ym_str name, struct ym_str v)
{
    int64_t i;

    if (v.len == 0)
        return;
    if (norm_int(v, &i))
        ym_event_add_int(s->ev, s->ctx->arena, name, i);
    else
        ym_event_add_str(s->ev, s->ctx->arena, name, v);
}

/* Returns prefix + key as a field name in the arena (empty when too long). */
static struct ym_str
field_name(struct sax *s, const char *prefix, size_t plen, const char *key, size_t klen)
{
    char *p;

    if (klen == 0 || plen + klen > YM_MAX_NAME_LEN) {
        s->ev->n_dropped++;
        return YM_STR("");
    }
    p = arena_alloc(s->ctx->arena, plen + klen + 1);
    if (p == NULL) {
        s->rc = YM_ENOMEM;
        return YM_STR("");
    }
    memcpy(p, prefix, plen);
    memcpy(p + plen, key, klen);
    p[plen + klen] = '\0';
    return (struct ym_str){p, plen + klen};
}

/* Adds winlog.event_data.<key> (or user_data) = v and records it in r. */
static void
add_data(struct sax *s, bool user, struct ym_str key, struct ym_str v)
{
    static const char ed[] = "winlog.event_data.", ud[] = "winlog.user_data.";
    const char *prefix = user ? ud : ed;
    size_t plen = user ? sizeof(ud) - 1 : sizeof(ed) - 1;
    struct ym_str name = field_name(s, prefix, plen, key.p, key.len);
    struct ym_field *f;

    if (name.len == 0)
        return;
    f = ym_event_add_str(s->ev, s->ctx->arena, name, v);
    if (f != NULL)
        win_rec_data(s->r, (struct ym_str){name.p + plen, key.len}, f);
}

static void
start_leaf(struct sax *s, enum leaf leaf)
{
    s->leaf = leaf;
    s->leaf_depth = s->depth;
    s->text = NULL;
    s->text_len = s->text_cap = 0;
}

/* The collected text of the leaf that ends: to its field. */
static void
end_leaf(struct sax *s)
{
    struct ym_str v = {s->text != NULL ? s->text : "", s->text_len};
    struct win_rec *r = s->r;
    int64_t i;

    if (s->leaf != L_DATA && s->leaf != L_USER_DATA && s->leaf != L_MESSAGE)
        v = trim(v); /* System values in pretty-printed XML */
    switch (s->leaf) {
    case L_NONE:
        break;
    case L_EVENT_ID:
        r->event_id = v;
        add_str(s, YM_STR("winlog.event_id"), v);
        break;
    case L_VERSION:
        add_num(s, YM_STR("winlog.version"), v);
        break;
    case L_LEVEL:
        if (norm_int(v, &i) && i >= 0 && i <= 255)
            r->level = (int)i;
        add_num(s, YM_STR("winlog.level"), v);
        break;
    case L_TASK:
        add_str(s, YM_STR("winlog.task"), v);
        break;
    case L_OPCODE:
        add_str(s, YM_STR("winlog.opcode"), v);
        break;
    case L_KEYWORDS:
        win_rec_keywords(r, v);
        add_str(s, YM_STR("winlog.keywords"), v);
        break;
    case L_RECORD_ID:
        add_num(s, YM_STR("winlog.record_id"), v);
        break;
    case L_CHANNEL:
        r->channel = v;
        add_str(s, YM_STR("winlog.channel"), v);
        break;
    case L_COMPUTER:
        r->computer = v;
        add_str(s, YM_STR("winlog.computer_name"), v);
        break;
    case L_DATA:
        add_data(s, false, s->leaf_name, v);
        break;
    case L_USER_DATA:
        add_data(s, true, (struct ym_str){s->path, s->path_len[s->depth - s->event_depth - 3]}, v);
        break;
    case L_MESSAGE:
        if (v.len > 0) {
            /* A syslog header already named its message: this one is better. */
            struct ym_field *f = win_slot(s->ctx, s->ev, YM_STR("message"), YM_T_STR);
            if (f != NULL)
                f->v.s = v;
        }
        break;
    }
    s->leaf = L_NONE;
    s->leaf_depth = 0;
}

static void
on_chars(void *user, const xmlChar *ch, int len)
{
    struct sax *s = user;
    size_t n = len > 0 ? (size_t)len : 0;

    /* Only the leaf's own text: not that of an element nested in it. */
    if (s->leaf_depth == 0 || s->depth != s->leaf_depth || n == 0 || s->rc < 0)
        return;
    if (s->text_len + n > s->text_cap) {
        size_t cap = s->text_cap * 2 > s->text_len + n ? s->text_cap * 2 : s->text_len + n;
        char *p = arena_alloc(s->ctx->arena, cap);
        if (p == NULL) {
            s->rc = YM_ENOMEM;
            xmlStopParser(s->pc);
            return;
        }
        if (s->text_len > 0)
            memcpy(p, s->text, s->text_len);
        s->text = p;
        s->text_cap = cap;
    }
    memcpy(s->text + s->text_len, ch, n);
    s->text_len += n;
}

static void
system_start(struct sax *s, const xmlChar *name, int n, const xmlChar **attrs)
{
    static const struct {
        const char *name;
        enum leaf leaf;
    } leaves[] = {
        {"EventID", L_EVENT_ID},
        {"Version", L_VERSION},
        {"Level", L_LEVEL},
        {"Task", L_TASK},
        {"Opcode", L_OPCODE},
        {"Keywords", L_KEYWORDS},
        {"EventRecordID", L_RECORD_ID},
        {"Channel", L_CHANNEL},
        {"Computer", L_COMPUTER},
    };
    struct win_rec *r = s->r;

    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        if (named(name, leaves[i].name)) {
            start_leaf(s, leaves[i].leaf);
            return;
        }
    }
    if (named(name, "Provider")) {
        r->provider = attr(s, n, attrs, "Name");
        add_str(s, YM_STR("winlog.provider_name"), r->provider);
        add_str(s, YM_STR("winlog.provider_guid"), attr(s, n, attrs, "Guid"));
        add_str(s, YM_STR("winlog.event_source_name"), attr(s, n, attrs, "EventSourceName"));
    } else if (named(name, "TimeCreated")) {
        struct ym_str v = attr(s, n, attrs, "SystemTime");
        int64_t ts;
        if (v.len > 0 && ymtime_parse_iso(v.p, v.len, &ts) > 0)
            s->ts = ts;
    } else if (named(name, "Correlation")) {
        add_str(s, YM_STR("winlog.activity_id"), attr(s, n, attrs, "ActivityID"));
        add_str(s, YM_STR("winlog.related_activity_id"), attr(s, n, attrs, "RelatedActivityID"));
    } else if (named(name, "Execution")) {
        add_num(s, YM_STR("winlog.process.pid"), attr(s, n, attrs, "ProcessID"));
        add_num(s, YM_STR("winlog.process.thread.id"), attr(s, n, attrs, "ThreadID"));
    } else if (named(name, "Security")) {
        struct ym_str v = attr(s, n, attrs, "UserID");
        if (v.len == 0)
            v = attr(s, n, attrs, "UserId"); /* Sysmon for Linux */
        add_str(s, YM_STR("winlog.user.identifier"), v);
    }
}

/* A UserData element at level (1: a child of the wrapper element). */
static void
user_data_start(struct sax *s, const xmlChar *name, int level)
{
    size_t nlen = strlen((const char *)name), len;

    /* An element with children is no leaf: its own text is dropped. */
    if (s->leaf == L_USER_DATA) {
        s->leaf = L_NONE;
        s->leaf_depth = 0;
    }
    if (level > MAX_USERDATA_DEPTH) {
        s->ev->n_dropped++;
        return;
    }
    len = level > 1 ? s->path_len[level - 2] : 0;
    if (len > 0)
        s->path[len++] = '.';
    if (len + nlen > YM_MAX_NAME_LEN - sizeof("winlog.user_data.")) {
        s->ev->n_dropped++;
        return;
    }
    memcpy(s->path + len, name, nlen);
    s->path_len[level - 1] = len + nlen;
    start_leaf(s, L_USER_DATA);
}

static void
on_start(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri, int n_ns,
         const xmlChar **ns, int n_attrs, int n_defaulted, const xmlChar **attrs)
{
    struct sax *s = user;
    int rel;

    (void)prefix;
    (void)uri;
    (void)n_ns;
    (void)ns;
    (void)n_defaulted;
    s->depth++;
    if (s->event_done || s->rc < 0)
        return;
    if (s->event_depth == 0) {
        if (s->depth == 1 && named(name, "Events")) {
            s->wrapped = true;
        } else if (named(name, "Event") && (s->depth == 1 || (s->depth == 2 && s->wrapped))) {
            s->event_depth = s->depth;
        } else if (s->depth == 1) {
            s->not_event = true;
            xmlStopParser(s->pc);
        }
        return;
    }
    rel = s->depth - s->event_depth;
    if (rel == 1) {
        s->sec = named(name, "System")          ? SEC_SYSTEM
                 : named(name, "EventData")     ? SEC_EVENTDATA
                 : named(name, "UserData")      ? SEC_USERDATA
                 : named(name, "RenderingInfo") ? SEC_RENDERING
                                                : SEC_NONE;
        return;
    }
    switch (s->sec) {
    case SEC_SYSTEM:
        if (rel == 2)
            system_start(s, name, n_attrs, attrs);
        break;
    case SEC_EVENTDATA:
        if (rel != 2)
            break;
        if (named(name, "Data")) {
            s->leaf_name = attr(s, n_attrs, attrs, "Name");
            if (s->leaf_name.len == 0) {
                char buf[32];
                int len = snprintf(buf, sizeof(buf), "param%zu", ++s->n_param);
                s->leaf_name = copy(s, buf, (size_t)len);
            }
        } else {
            s->leaf_name = copy(s, (const char *)name, strlen((const char *)name)); /* <Binary> */
        }
        start_leaf(s, L_DATA);
        break;
    case SEC_USERDATA:
        if (rel == 2) { /* the wrapper: <LogFileCleared xmlns=...> */
            if (ym_event_get(s->ev, YM_STR("winlog.user_data.xml_name")) == NULL)
                add_str(s, YM_STR("winlog.user_data.xml_name"),
                        copy(s, (const char *)name, strlen((const char *)name)));
        } else {
            user_data_start(s, name, rel - 2);
        }
        break;
    case SEC_RENDERING:
        if (rel == 2 && named(name, "Message"))
            start_leaf(s, L_MESSAGE);
        break;
    case SEC_NONE:
        break;
    }
}

static void
on_end(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    struct sax *s = user;

    (void)name;
    (void)prefix;
    (void)uri;
    if (!s->event_done && s->rc == 0) {
        if (s->leaf_depth == s->depth)
            end_leaf(s);
        if (s->depth == s->event_depth)
            s->event_done = true;
        else if (s->event_depth > 0 && s->depth == s->event_depth + 1)
            s->sec = SEC_NONE;
    }
    s->depth--;
}

/* Errors stay in the parser context (lastError): nothing is printed. */
static void
on_error(void *user, XML_ERROR_ARG e)
{
    (void)user;
    (void)e;
}

static int
xml_error(struct ym_err *err, xmlParserCtxtPtr pc)
{
    const xmlError *e = xmlCtxtGetLastError(pc);
    const char *msg = e != NULL && e->message != NULL ? e->message : "not well-formed";
    size_t len = strlen(msg);
    long col = e != NULL && e->int2 > 0 ? e->int2 : 1;

    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    return ym_err_at(err, YM_EINVAL, NULL, 0, col, "invalid XML: %.*s", (int)len, msg);
}

int
win_xml_parse(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text, struct win_rec *r,
              int64_t *ts, struct ym_err *err)
{
    xmlSAXHandler handler;
    xmlParserCtxtPtr pc;
    struct sax s;
    const char *bad;
    int rc = 0;

    *ts = 0;
    win_rec_init(r);
    r->n_pre = ev->n_fields;
    if (text.len > WIN_MAX_XML)
        return ym_err_at(err, YM_EINVAL, NULL, 0, 1, "XML event longer than %d bytes", WIN_MAX_XML);
    /* No DTD: nothing to expand, nothing to fetch (XXE, billion laughs).
     * Of the "<!" markups only comments and CDATA sections may appear. */
    for (const char *p = text.p, *end = text.p + text.len, *bang;
         (bang = memchr(p, '!', (size_t)(end - p))) != NULL; p = bang + 1) {
        size_t left;
        if (bang == text.p || bang[-1] != '<') /* '!' is rare in events: memchr is fast */
            continue;
        bad = bang - 1;
        left = (size_t)(end - bad);
        if ((left >= 4 && memcmp(bad, "<!--", 4) == 0) ||
            (left >= 9 && memcmp(bad, "<![CDATA[", 9) == 0))
            continue;
        return ym_err_at(err, YM_EINVAL, NULL, 0, (long)(bad - text.p) + 1,
                         "document type declarations are not allowed in an event");
    }
    pthread_once(&xml_once, xml_init);
    memset(&handler, 0, sizeof(handler));
    handler.initialized = XML_SAX2_MAGIC;
    handler.startElementNs = on_start;
    handler.endElementNs = on_end;
    handler.characters = on_chars;
    handler.cdataBlock = on_chars;
    handler.ignorableWhitespace = on_chars;
    handler.serror = on_error;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.ev = ev;
    s.r = r;
    pc = xmlCreatePushParserCtxt(&handler, &s, NULL, 0, NULL);
    if (pc == NULL)
        return ym_err_set(err, YM_ENOMEM, "out of memory");
    s.pc = pc;
    xmlCtxtUseOptions(pc, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_NOCDATA);
    xmlParseChunk(pc, text.p, (int)text.len, 1);
    if (s.rc < 0)
        rc = ym_err_set(err, s.rc, "out of memory");
    else if (s.not_event || (pc->wellFormed && s.event_depth == 0))
        rc = ym_err_at(err, YM_EINVAL, NULL, 0, 1, "not a Windows event: no <Event> element");
    else if (!pc->wellFormed && s.depth > 0 && xmlCtxtGetLastError(pc) != NULL &&
             xmlCtxtGetLastError(pc)->code == XML_ERR_DOCUMENT_END)
        /* The push parser's word for an event cut short is misleading. */
        rc = ym_err_at(err, YM_EINVAL, NULL, 0, (long)text.len + 1,
                       "invalid XML: premature end of data, %d element%s not closed", s.depth,
                       s.depth > 1 ? "s" : "");
    else if (!pc->wellFormed)
        rc = xml_error(err, pc);
    else
        *ts = s.ts;
    xmlFreeParserCtxt(pc);
    return rc;
}

static int
winxml_decode(struct decode_ctx *ctx, struct ym_event *ev, struct ym_err *err)
{
    struct win_rec r;
    int64_t ts;
    int rc = win_xml_parse(ctx, ev, ev->raw, &r, &ts, err);

    if (rc < 0)
        return rc;
    if (ts != 0)
        ev->ts = ts;
    rc = win_map(ctx, ev, &r, true);
    if (rc == 0)
        rc = win_set_module(ctx, ev);
    return rc < 0 ? ym_err_set(err, rc, "out of memory") : 0;
}

int
decode_winxml_text(struct decode_ctx *ctx, struct ym_event *ev, struct ym_str text,
                   struct ym_err *err)
{
    struct win_rec r;
    int64_t ts;
    int rc = win_xml_parse(ctx, ev, text, &r, &ts, err);

    if (rc < 0)
        return rc;
    if (ts != 0 && ev->ts == 0)
        ev->ts = ts;
    rc = win_map(ctx, ev, &r, false);
    if (rc == 0)
        rc = win_set_module(ctx, ev);
    return rc < 0 ? ym_err_set(err, rc, "out of memory") : 0;
}

const struct decoder decode_winxml = {
    .name = "winxml",
    .summary = "Windows event XML (<Event>), as WEF and wevtutil render it",
    .probe = winxml_probe,
    .decode = winxml_decode,
};
