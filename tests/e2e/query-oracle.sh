# Checks the search language against independent oracles: 20,000 generated
# events (tests/e2e/tools/query_oracle_gen.py) are ingested as JSON lines and
# loaded as CSV into sqlite3; each query's `--format csv` answer must equal
# what sqlite3 (or grep/awk/sort/uniq over the raw lines) computes.  Numbers
# are compared rounded to 10 significant digits.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=20000
cd "$T"

if ! command -v sqlite3 >/dev/null; then
    skip "query oracle" "sqlite3 is not installed"
    finish
    exit
fi

/usr/bin/python3 "$ROOT/tests/e2e/tools/query_oracle_gen.py" $N ev.jsonl ev.csv
"$YAMORI" ingest -d "$YAMORI_DATA" --sourcetype json ev.jsonl 2>ingest.err
expect_eq "ingest the generated events" 0 "$?"
mkdir -p "$YAMORI_DATA/lookups"
{
    echo "host,tier,owner"
    for i in 01 02 03 04 05 06 07 08 09 10; do
        echo "h$i,$([ "${i#0}" -le 4 ] && echo gold || echo silver),team$((10#$i % 3))"
    done
} >"$YAMORI_DATA/lookups/hosts.csv"
cp "$YAMORI_DATA/lookups/hosts.csv" hosts.csv

DB=$T/ev.db
sqlite3 "$DB" <<'EOF'
CREATE TABLE ev(ts INTEGER, host TEXT, user TEXT, ip TEXT, ip_int INTEGER, port INTEGER,
                bytes INTEGER, rtt REAL, action TEXT, category TEXT, sid TEXT);
.import --csv --skip 1 ev.csv ev
UPDATE ev SET user = NULL WHERE user = '';
CREATE TABLE hosts(host TEXT, tier TEXT, owner TEXT);
.import --csv --skip 1 hosts.csv hosts
EOF
expect_eq "the oracle holds every event" $N "$(sqlite3 "$DB" 'SELECT count(*) FROM ev')"

# Rounds every numeric CSV cell to 10 significant digits (the cells compared here hold
# no commas or quotes).
norm() {
    awk -F, -v OFS=, '{
        for (i = 1; i <= NF; i++)
            if ($i ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/)
                $i = sprintf("%.10g", $i + 0)
        print
    }'
}

# check WHAT QUERY EXPECTED: runs QUERY (--format csv) and compares it with
# EXPECTED (CSV with a header), both normalised.
SORT=cat
check() {
    local what=$1 query=$2 expected=$3
    run "$YAMORI" search -d "$YAMORI_DATA" --format csv "$query"
    if [ "$RC" -ne 0 ]; then
        not_ok "$what: exit $RC: $query"
        printf '%s\n' "$ERR" | head -3 | sed 's/^/#   /'
        return
    fi
    printf '%s\n' "$expected" | norm | $SORT >"$T/expected"
    printf '%s\n' "$OUT" | norm | $SORT >"$T/actual"
    if cmp -s "$T/expected" "$T/actual"; then
        ok "$what"
    else
        not_ok "$what: $query"
        diff -u --label oracle --label yamori "$T/expected" "$T/actual" | head -30 | sed 's/^/#   /'
    fi
}

# sq SQL: the oracle's answer as CSV with a header.
sq() { sqlite3 -csv -header "$DB" "$1"; }

ISO="strftime('%Y-%m-%dT%H:%M:%S.000Z', ts, 'unixepoch')"

# percentile P of column C, interpolated between the closest ranks of
# p/100*(n-1) of the sorted values.
pct() {
    local c=$1 p=$2
    echo "(WITH s AS (SELECT $c AS v, row_number() OVER (ORDER BY $c) - 1 AS r FROM ev),
             k AS (SELECT $p / 100.0 * (count(*) - 1) AS k FROM ev)
        SELECT lo.v + (k.k - lo.r) * (coalesce(hi.v, lo.v) - lo.v)
        FROM k JOIN s lo ON lo.r = CAST(k.k AS INTEGER) LEFT JOIN s hi ON hi.r = lo.r + 1)"
}

# ---- counts and aggregations ----
check "count" '* | stats count' "$(sq 'SELECT count(*) AS count FROM ev')"
check "count by host" '* | stats count by host' \
    "$(sq 'SELECT host, count(*) AS count FROM ev GROUP BY host ORDER BY host')"
check "count by a number sorts the groups numerically" '* | stats count by destination.port' \
    "$(sq 'SELECT port AS "destination.port", count(*) AS count FROM ev GROUP BY port ORDER BY port')"
check "dc by action (nulls not counted)" '* | stats dc(user.name) as users dc(source.ip) as ips by action' \
    "$(sq 'SELECT action, count(DISTINCT user) AS users, count(DISTINCT ip) AS ips FROM ev GROUP BY action ORDER BY action')"
check "sum, avg, min, max by port" \
    '* | stats sum(bytes) as total avg(rtt) as mean min(bytes) as lo max(rtt) as hi by destination.port' \
    "$(sq 'SELECT port AS "destination.port", sum(bytes) AS total, avg(rtt) AS mean, min(bytes) AS lo, max(rtt) AS hi FROM ev GROUP BY port ORDER BY port')"
check "percentiles and median (interpolated ranks)" \
    '* | stats perc50(bytes) as p50 perc95(bytes) as p95 perc99(rtt) as p99 median(rtt) as med' \
    "$(sq "SELECT $(pct bytes 50) AS p50, $(pct bytes 95) AS p95, $(pct rtt 99) AS p99, $(pct rtt 50) AS med")"
check "stdev and var (sample) by action" '* | stats stdev(rtt) as sd var(bytes) as v by action' \
    "$(sq 'SELECT action, sqrt(sum((rtt - m.mr) * (rtt - m.mr)) / (count(*) - 1)) AS sd,
                  sum((bytes - m.mb) * (bytes - m.mb)) / (count(*) - 1) AS v
           FROM ev JOIN (SELECT action AS a, avg(rtt) AS mr, avg(bytes) AS mb FROM ev GROUP BY action) m ON m.a = action
           GROUP BY action ORDER BY action')"
check "earliest and latest by host" '* | stats earliest(bytes) as e latest(bytes) as l by host' \
    "$(sq 'SELECT host,
                  (SELECT bytes FROM ev b WHERE b.host = a.host ORDER BY ts LIMIT 1) AS e,
                  (SELECT bytes FROM ev b WHERE b.host = a.host ORDER BY ts DESC LIMIT 1) AS l
           FROM ev a GROUP BY host ORDER BY host')"
check "eval arithmetic then sum" '* | eval x=bytes*2+destination.port, kb=floor(bytes/1024) | stats sum(x) as s sum(kb) as k' \
    "$(sq 'SELECT sum(bytes * 2 + port) AS s, sum(bytes / 1024) AS k FROM ev')"

# ---- time ----
check "timechart span=1h count" '* | timechart span=1h count' \
    "$(sq "SELECT strftime('%Y-%m-%dT%H:%M:%S.000Z', ts / 3600 * 3600, 'unixepoch') AS _time, count(*) AS count FROM ev GROUP BY ts / 3600 ORDER BY 1")"
check "bin _time span=6h then stats" '* | bin _time span=6h | stats count by _time' \
    "$(sq "SELECT strftime('%Y-%m-%dT%H:%M:%S.000Z', ts / 21600 * 21600, 'unixepoch') AS _time, count(*) AS count FROM ev GROUP BY ts / 21600 ORDER BY 1")"
check "inline earliest= and latest= (latest exclusive)" \
    'earliest=2026-03-02T00:00:00Z latest=2026-03-02T06:00:00Z | stats count' \
    "$(sq "SELECT count(*) AS count FROM ev WHERE ts >= strftime('%s', '2026-03-02 00:00:00') AND ts < strftime('%s', '2026-03-02 06:00:00')")"
# timechart ... by with limit: compared as (time, series, value) triples,
# so the order of the columns does not matter; empty cells count as 0.
melt() {
    awk -F, 'NR == 1 { for (i = 2; i <= NF; i++) h[i] = $i; next }
             { for (i = 2; i <= NF; i++) print $1 "," h[i] "," ($i == "" ? 0 : $i) }' | sort
}
run "$YAMORI" search -d "$YAMORI_DATA" --format csv '* | timechart span=1d count by host limit=3'
got=$(printf '%s\n' "$OUT" | melt)
want=$(sq "WITH top AS (SELECT host FROM ev GROUP BY host ORDER BY count(*) DESC, host LIMIT 3),
                d AS (SELECT DISTINCT ts / 86400 AS day FROM ev),
                s AS (SELECT host AS series FROM top UNION ALL SELECT 'OTHER')
           SELECT strftime('%Y-%m-%dT%H:%M:%S.000Z', d.day * 86400, 'unixepoch') AS t, s.series,
                  (SELECT count(*) FROM ev WHERE ts / 86400 = d.day AND
                          (CASE WHEN host IN (SELECT host FROM top) THEN host ELSE 'OTHER' END) = s.series) AS n
           FROM d, s" | tail -n +2 | sort)
expect_eq "timechart span=1d count by host limit=3 (top series plus OTHER)" "$want" "$got"

# ---- top, rare, sort, head, tail, dedup ----
check "top limit=4 (ties by value ascending)" '* | top limit=4 category | table category count' \
    "$(sq 'SELECT category, count(*) AS count FROM ev GROUP BY category ORDER BY count(*) DESC, category LIMIT 4')"
check "top percent" '* | top limit=2 action | table action percent' \
    "$(sq "SELECT action, count(*) * 100.0 / $N AS percent FROM ev GROUP BY action ORDER BY count(*) DESC, action LIMIT 2")"
check "rare limit=3" '* | rare limit=3 destination.port | table destination.port count' \
    "$(sq 'SELECT port AS "destination.port", count(*) AS count FROM ev GROUP BY port ORDER BY count(*), port LIMIT 3')"
check "sort is stable (ties keep arrival order, newest first)" \
    '* | sort destination.port | head 100 | table _time destination.port' \
    "$(sq "SELECT $ISO AS _time, port AS \"destination.port\" FROM ev ORDER BY port, ts DESC LIMIT 100")"
check "sort descending on two keys" '* | sort -category, bytes | head 30 | table _time category bytes' \
    "$(sq "SELECT $ISO AS _time, category, bytes FROM ev ORDER BY category DESC, bytes, ts DESC LIMIT 30")"
check "tail returns the last results in reverse order" '* | tail 3 | table _time' \
    "$(sq "SELECT $ISO AS _time FROM ev ORDER BY ts LIMIT 3")"
check "dedup keeps the first (newest) event of each value" '* | dedup host | table _time host' \
    "$(sq "SELECT $ISO AS _time, host FROM ev a WHERE ts = (SELECT max(ts) FROM ev b WHERE b.host = a.host) ORDER BY ts DESC")"
check "dedup on two fields" '* | dedup host action | stats count' \
    "$(sq 'SELECT count(*) AS count FROM (SELECT DISTINCT host, action FROM ev)')"

# ---- nulls ----
check "count(field) skips nulls" '* | stats count(user.name) as n count as all' \
    "$(sq 'SELECT count(user) AS n, count(*) AS "all" FROM ev')"
check "where on a null field is false" '* | where user.name!="u001" | stats count' \
    "$(sq "SELECT count(*) AS count FROM ev WHERE user IS NOT NULL AND user != 'u001'")"
check "isnull" '* | where isnull(user.name) | stats count' \
    "$(sq 'SELECT count(*) AS count FROM ev WHERE user IS NULL')"
check "fillnull" '* | fillnull value=NOUSER user.name | stats count by user.name | where user.name="NOUSER"' \
    "$(sq "SELECT 'NOUSER' AS \"user.name\", count(*) AS count FROM ev WHERE user IS NULL")"

# ---- the search clause ----
check "CIDR /16" 'source.ip=10.1.0.0/16 | stats count' \
    "$(sq 'SELECT count(*) AS count FROM ev WHERE ip_int BETWEEN 167837696 AND 167903231')"
check "CIDR /12 by action" 'source.ip=172.16.0.0/12 | stats count by action' \
    "$(sq 'SELECT action, count(*) AS count FROM ev WHERE ip_int BETWEEN 2886729728 AND 2887778303 GROUP BY action ORDER BY action')"
check "NOT CIDR" 'NOT source.ip=10.0.0.0/8 | stats count' \
    "$(sq 'SELECT count(*) AS count FROM ev WHERE ip_int NOT BETWEEN 167772160 AND 184549375')"
check "cidrmatch in where" '* | where cidrmatch("192.168.0.0/16", source.ip) | stats count' \
    "$(sq 'SELECT count(*) AS count FROM ev WHERE ip_int BETWEEN 3232235520 AND 3232301055')"
check "comparison >=" 'bytes>=100000 | stats count' "$(sq 'SELECT count(*) AS count FROM ev WHERE bytes >= 100000')"
check "comparison < on a float" 'rtt<1.5 | stats count' "$(sq 'SELECT count(*) AS count FROM ev WHERE rtt < 1.5')"
check "where with AND" '* | where bytes < 1000 AND destination.port >= 443 | stats count by destination.port' \
    "$(sq 'SELECT port AS "destination.port", count(*) AS count FROM ev WHERE bytes < 1000 AND port >= 443 GROUP BY port ORDER BY port')"
check "OR, NOT and parentheses" '(action=deny OR action=drop) NOT host.name=h01 | stats count by action' \
    "$(sq "SELECT action, count(*) AS count FROM ev WHERE action IN ('deny', 'drop') AND host != 'h01' GROUP BY action ORDER BY action")"
check "wildcard value" 'host.name=h1* | stats count by host' \
    "$(sq "SELECT host, count(*) AS count FROM ev WHERE host LIKE 'h1%' GROUP BY host ORDER BY host")"
check "a term matches whole words of the raw line" 'E3 | stats count' \
    "$(sq 'SELECT count(*) AS count FROM ev WHERE port % 7 = 3')"

# ---- rex against grep ----
want=$(echo "sid,count"; grep -oP 'session=\K[0-9a-f]{8}' ev.jsonl | sort | uniq -c | awk '{ print $2 "," $1 }')
# (the groups are compared as a set: hex ids like 1234e567 are numbers and sort first)
SORT=sort
check "rex field= named group, against grep -oP" '* | rex field=msg "session=(?<sid>[0-9a-f]{8})" | stats count by sid' "$want"
SORT=cat
want=$(echo "code,count"; grep -oP 'code=\KE\d' ev.jsonl | sort | uniq -c | awk '{ print $2 "," $1 }')
check "rex on _raw, against grep -oP" '* | rex "code=(?<code>E\d)" | stats count by code' "$want"

# ---- eventstats, streamstats ----
check "eventstats avg by host" \
    '* | eventstats avg(bytes) as havg by host | where bytes > havg | stats count by host' \
    "$(sq 'SELECT host, count(*) AS count FROM ev a
           WHERE bytes > (SELECT avg(bytes) FROM ev b WHERE b.host = a.host) GROUP BY host ORDER BY host')"
check "streamstats window=3 sum" '* | streamstats window=3 sum(bytes) as s3 | head 200 | table _time s3' \
    "$(sq "SELECT $ISO AS _time, sum(bytes) OVER (ORDER BY ts DESC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3 FROM ev ORDER BY ts DESC LIMIT 200")"
check "streamstats window=5 avg" '* | streamstats window=5 avg(rtt) as a | head 50 | table _time a' \
    "$(sq "SELECT $ISO AS _time, avg(rtt) OVER (ORDER BY ts DESC ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS a FROM ev ORDER BY ts DESC LIMIT 50")"
check "streamstats count by host" '* | streamstats count as seq by host | where seq=3 | table _time host' \
    "$(sq "SELECT _time, host FROM (SELECT ts, $ISO AS _time, host,
                  row_number() OVER (PARTITION BY host ORDER BY ts DESC) AS seq FROM ev) WHERE seq = 3 ORDER BY ts DESC")"

# ---- the other commands: search, bucket, fields, rename, makeresults ----
check "search mid-pipeline, on fields and terms" \
    '* | search action=deny destination.port>=1024 | stats count by category' \
    "$(sq "SELECT category, count(*) AS count FROM ev WHERE action = 'deny' AND port >= 1024 GROUP BY category ORDER BY category")"
check "bucket (bin's other name) span=1d" '* | bucket _time span=1d | stats count by _time' \
    "$(sq "SELECT strftime('%Y-%m-%dT00:00:00.000Z', ts, 'unixepoch') AS _time, count(*) AS count FROM ev GROUP BY 1 ORDER BY 1")"
check "fields keeps and drops" '* | head 5 | fields host, bytes | fields - _raw, _time | table *' \
    "$(sq 'SELECT host, bytes FROM ev ORDER BY ts DESC LIMIT 5')"
check "rename, then the new name counts" '* | rename user.name AS who | stats dc(who) as people' \
    "$(sq 'SELECT count(DISTINCT user) AS people FROM ev')"
check "makeresults count= and streamstats" '| makeresults count=250 | streamstats count as i | stats sum(i) as s max(i) as m' \
    "$(sq 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) SELECT sum(i) AS s, max(i) AS m FROM n')"

# ---- values, list, first, last, earliest, latest ----
check "values (distinct, sorted) by host" '* | where bytes > 99000 | stats values(action) as acts by host | eval acts=mvjoin(acts, "+")' \
    "$(sq "SELECT host, group_concat(action, '+') AS acts FROM (SELECT DISTINCT host, action FROM ev WHERE bytes > 99000 ORDER BY host, action) GROUP BY host ORDER BY host")"
check "first and last are the newest and the oldest event" '* | stats first(bytes) as f last(bytes) as l by host' \
    "$(sq 'SELECT host, (SELECT bytes FROM ev b WHERE b.host = a.host ORDER BY ts DESC LIMIT 1) AS f,
                 (SELECT bytes FROM ev b WHERE b.host = a.host ORDER BY ts LIMIT 1) AS l FROM ev a GROUP BY host ORDER BY host')"
check "earliest and latest by _time" '* | stats earliest(bytes) as e latest(bytes) as l by action' \
    "$(sq 'SELECT action, (SELECT bytes FROM ev b WHERE b.action = a.action ORDER BY ts LIMIT 1) AS e,
                   (SELECT bytes FROM ev b WHERE b.action = a.action ORDER BY ts DESC LIMIT 1) AS l FROM ev a GROUP BY action ORDER BY action')"
check "list keeps arrival order (newest first), 100 at most" '* | stats list(bytes) as b by host | eval n=mvcount(b), f=mvindex(b, 0), l=mvindex(b, -1) | table host n f l' \
    "$(sq 'SELECT host, 100 AS n, (SELECT bytes FROM ev b WHERE b.host = a.host ORDER BY ts DESC LIMIT 1) AS f,
                 (SELECT bytes FROM (SELECT bytes, ts FROM ev b WHERE b.host = a.host ORDER BY ts DESC LIMIT 100) ORDER BY ts LIMIT 1) AS l
           FROM ev a GROUP BY host ORDER BY host')"

# ---- eval functions against SQL ----
check "eval arithmetic, round, floor, ceil, abs" \
    '* | eval a=round(rtt*2, 2), b=floor(rtt), c=ceil(rtt), d=abs(500-bytes) % 7 | stats sum(a) as a sum(b) as b sum(c) as c sum(d) as d' \
    "$(sq 'SELECT sum(round(rtt*2, 2)) AS a, sum(CAST(rtt AS INTEGER)) AS b,
                 sum(CASE WHEN rtt = CAST(rtt AS INTEGER) THEN CAST(rtt AS INTEGER) ELSE CAST(rtt AS INTEGER) + 1 END) AS c,
                 sum(abs(500 - bytes) % 7) AS d FROM ev')"
check "eval if, case, coalesce, len, lower, upper, substr" \
    '* | eval k=if(bytes>50000, "big", "small"), c=case(rtt<10, "fast", rtt<50, "mid", true(), "slow"), u=coalesce(user.name, "none"), x=upper(substr(lower(category), 1, 2)) . len(u) | stats count by k c x' \
    "$(sq "SELECT CASE WHEN bytes > 50000 THEN 'big' ELSE 'small' END AS k,
                  CASE WHEN rtt < 10 THEN 'fast' WHEN rtt < 50 THEN 'mid' ELSE 'slow' END AS c,
                  upper(substr(lower(category), 1, 2)) || length(coalesce(user, 'none')) AS x, count(*) AS count
           FROM ev GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")"
check "eval pow, sqrt, log, exp, min, max" \
    '* | eval p=pow(destination.port, 2), q=round(sqrt(bytes), 3), g=round(log(bytes+1, 10), 6), e=round(exp(rtt/100), 6), lo=min(bytes, destination.port), hi=max(bytes, destination.port) | stats sum(p) as p sum(q) as q sum(g) as g sum(e) as e sum(lo) as lo sum(hi) as hi' \
    "$(sq 'SELECT sum(port*port) AS p, sum(round(sqrt(bytes), 3)) AS q, sum(round(log10(bytes + 1), 6)) AS g,
                 sum(round(exp(rtt / 100.0), 6)) AS e, sum(min(bytes, port)) AS lo, sum(max(bytes, port)) AS hi FROM ev')"
check "eval strftime and tonumber/tostring" \
    '* | eval h=strftime(_time, "%H"), n=tonumber(tostring(destination.port)) + 1 | stats count sum(n) as n by h' \
    "$(sq "SELECT strftime('%H', ts, 'unixepoch') AS h, count(*) AS count, sum(port + 1) AS n FROM ev GROUP BY 1 ORDER BY 1")"
check "eval like, match, replace, split/mvcount" \
    '* | where like(host, "h1%") AND match(category, "^(web|dns)$") | eval r=replace(host, "[0-9]", "#"), m=mvcount(split(r, "#")) | stats count sum(m) as m' \
    "$(sq "SELECT count(*) AS count, sum(length(host) - length(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(host,'0',''),'1',''),'2',''),'3',''),'4',''),'5',''),'6',''),'7',''),'8',''),'9','')) + 1) AS m
           FROM ev WHERE host LIKE 'h1%' AND category IN ('web', 'dns')")"

# ---- lookup ----
check "lookup OUTPUT (unmatched rows get no field)" '* | lookup hosts host OUTPUT tier | stats count by tier' \
    "$(sq 'SELECT tier, count(*) AS count FROM ev JOIN hosts USING (host) GROUP BY tier ORDER BY tier')"
check "inputlookup" '| inputlookup hosts | stats count by tier' \
    "$(sq 'SELECT tier, count(*) AS count FROM hosts GROUP BY tier ORDER BY tier')"

# ---- transaction: sessions per user, a new one after a pause over 30 minutes ----
want=$(echo "user.name,sessions,events"
    sqlite3 -csv "$DB" 'SELECT user, ts FROM ev WHERE user IS NOT NULL ORDER BY user, ts' |
        awk -F, '$1 != u { if (u != "") print u "," s "," e; u = $1; s = 1; e = 1; last = $2; next }
                 { if ($2 - last > 1800) s++; e++; last = $2 }
                 END { if (u != "") print u "," s "," e }')
check "transaction by user.name maxpause=30m, against awk" \
    'user.name=* | transaction user.name maxpause=30m | stats count as sessions sum(eventcount) as events by user.name' "$want"

finish
