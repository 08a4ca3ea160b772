# Proves: the DNS, mail and antivirus normalisers (BIND named, dnsmasq,
# postfix, ClamAV) take real and generated lines with the right decoder and
# entity fields, and emit only ECS names (or their own namespace):
#  - every `pass` line of the Wazuh log tests whose decoder is named,
#    postfix-*, dnsmasq or clamd gets event.module named/postfix/dnsmasq/
#    clamav and the client address and port the line names (found here by
#    regular expressions written independently of the C parsers); a
#    postfix reject is event.action=reject; `fail` lines (another program)
#    are not taken;
#  - every named line of loghub's Linux sample goes to the named normaliser;
#  - every line of the demo generator's named.log, mail.log and clamav.log
#    is normalised: each named.log query has its dns.question.name,
#    source.ip and dns.question.type; each postfix line its queue id, each
#    qmgr line email.from.address, each smtp line email.to.address and the
#    relay, each smtpd line the client's source.ip; each clamd FOUND line
#    its threat name (threat.software.name and rule.name) and file.path;
#  - every field these four modules set (over the lines above and the
#    golden cases) is an ECS field of ecs-schema/fields.csv or lies under
#    bind.*, dnsmasq.*, postfix.*, clamav.*, and every event.category,
#    event.type, event.kind and event.outcome value is one ECS allows.
# Per-device pass counts are printed as TAP comments.  The corpora are read
# from ../shared/corpora; the test skips when they are absent.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    skip "corpus" "../shared/corpora not present"
    finish
    exit
fi
G=$(cd "$(dirname "$0")/../golden" && pwd)
cd "$T"

# tally NAME FILE: FILE holds one JSON array of differences per line; one TAP
# line for the set, a comment with the count, the first failures shown.
tally() {
    local name=$1 file=$T/.tally total bad
    cat "$2" >"$file"
    total=$(grep -c . "$file")
    bad=$(grep -vc '^\[\]$' "$file")
    echo "# $name: $((total - bad))/$total lines pass"
    if [ "$total" -gt 0 ] && [ "$bad" -eq 0 ]; then
        ok "$name: $total lines"
    else
        not_ok "$name: $bad of $total lines wrong"
        grep -v '^\[\]$' "$file" | head -5 | sed 's/^/#   /'
    fi
}

# check: jq definitions.  diff($e; $want): the "field=got want value" list
# for an object of expected field values ($want values null are skipped).
JQ_DEFS='
def diff($e; $want):
  [ $want | to_entries[] | select(.value != null)
    | select(($e[.key] // "" | tostring) != (.value | tostring))
    | "\(.key)=\($e[.key] // "-") want \(.value)" ];
def cap($re): [capture($re)] | .[0] // {};
'

# ---- Wazuh analysisd tests ----
W="$C/wazuh/analysisd-tests"
awk '/^\[/ { n = 0 }
     /^log [0-9]+ (pass|fail) = / { k = $3; sub(/^log [0-9]+ (pass|fail) = /, ""); l[n] = $0; r[n++] = k }
     /^decoder = / { d = $3
         if (d == "named" || d ~ /^postfix/ || d ~ /^dnsmasq/ || d ~ /^clam/)
             for (i = 0; i < n; i++) print d "\t" r[i] "\t" l[i]
         n = 0 }' "$W"/*.ini >wazuh.tsv
cut -f3- wazuh.tsv >wazuh.log
"$YAMORI" parse wazuh.log >wazuh.ndjson 2>wazuh.err
expect_eq "wazuh: one event per line" "$(grep -c . wazuh.log)" "$(grep -c . wazuh.ndjson)"
paste -d '\t' <(cut -f1,2 wazuh.tsv) wazuh.ndjson | jq -Rc "$JQ_DEFS"'
  split("\t") as [$dec, $kind, $j] | ($j | fromjson) as $e
  | ($e["event.original"]) as $l
  | (if $dec == "named" then "named" elif ($dec | startswith("postfix")) then "postfix"
     elif ($dec | startswith("dnsmasq")) then "dnsmasq" else "clamav" end) as $mod
  | if $kind == "fail" then
      (if $e["event.module"] == $mod then ["taken by \($mod) but a fail line"] else [] end)
    else
      diff($e; {"event.module": $mod})
      + (if $mod == "named" then
           ($l | cap("client (?:@0x[0-9a-f]+ )?(?<ip>[0-9a-fA-F.:]+)#(?<port>[0-9]+)"))
           | diff($e; {"source.ip": .ip, "source.port": .port})
         elif $mod == "postfix" then
           ($l | cap(" from [^ \\[]*\\[(?<ip>[0-9a-fA-F.:]+)\\](?::(?<port>[0-9]+))?"))
           | diff($e; {"source.ip": .ip, "source.port": .port})
           + (if ($l | test("NOQUEUE: reject: ")) then diff($e; {"event.action": "reject"}) else [] end)
         else [] end)
    end' >wazuh.diff
for d in named postfix dnsmasq clam; do
    if grep -qP "^$d" wazuh.tsv; then
        tally "wazuh $d" <(paste -d '\t' <(cut -f1 wazuh.tsv) wazuh.diff | grep -P "^$d" | cut -f2)
    else
        echo "# wazuh $d: no test lines in this version of the corpus"
    fi
done

# ---- loghub Linux: named's own lines ----
grep -E '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ named\[' "$C/loghub/Linux/Linux_2k.log" >linux-named.log
"$YAMORI" parse linux-named.log >linux-named.ndjson 2>/dev/null
tally "loghub Linux named" <(jq -c "$JQ_DEFS"'. as $e | diff($e; {"event.module": "named", "observer.product": "BIND"})' linux-named.ndjson)

# ---- the demo generator's DNS, mail and antivirus logs ----
"$YAMORI" demo-gen --events 20000 --out demo >/dev/null 2>&1
for f in named mail clamav; do
    "$YAMORI" parse "demo/$f.log" >"demo-$f.ndjson" 2>"demo-$f.err"
    expect_eq "demo $f.log: one event per line, no failure" "$(grep -c . "demo/$f.log") 0" \
        "$(grep -c . "demo-$f.ndjson") $(grep -c . "demo-$f.err")"
done
tally "demo named.log" <(jq -c "$JQ_DEFS"'. as $e | ($e.message // "") as $m
  | ($m | cap("client (?:@0x[0-9a-f]+ )?(?<ip>[0-9.]+)#(?<port>[0-9]+).*: query: (?<name>[^ ]+) IN (?<type>[A-Z0-9]+) "))
  | diff($e; {"event.module": "named", "event.action": "dns-query", "dns.question.name": (.name // "?"),
              "dns.question.type": .type, "source.ip": .ip, "source.port": .port})' demo-named.ndjson)
tally "demo mail.log" <(jq -c "$JQ_DEFS"'. as $e | ($e.message // "") as $m | ($e["process.name"] // "") as $p
  | diff($e; {"event.module": "postfix"})
  + ($m | cap("^(?<q>[0-9A-F]{8,}): ") | diff($e; {"postfix.queue_id": .q}))
  + (if $p == "postfix/qmgr" and ($m | test("from=<")) then
       ($m | cap("from=<(?<a>[^>]+)>") | diff($e; {"email.from.address": (.a // "?")})) else [] end)
  + (if $p == "postfix/smtp" then
       ($m | cap("to=<(?<a>[^>]+)>, relay=(?<h>[^\\[]+)\\[(?<ip>[0-9.]+)\\]:(?<port>[0-9]+)")
        | diff($e; {"email.to.address": (.a // "?"), "destination.domain": .h, "destination.ip": .ip,
                    "destination.port": .port, "event.action": "sent"})) else [] end)
  + (if $p == "postfix/smtpd" then
       ($m | cap("(?:from |client=)[^ \\[]*\\[(?<ip>[0-9.]+)\\]") | diff($e; {"source.ip": (.ip // "?")}))
     else [] end)' demo-mail.ndjson)
tally "demo clamav.log" <(jq -c "$JQ_DEFS"'. as $e | ($e.message // "") as $m
  | diff($e; {"event.module": "clamav"})
  + (if ($m | test(" FOUND$")) then
       ($m | cap("^(?<path>.*): (?<sig>[^ ]+) FOUND$")
        | diff($e; {"threat.software.name": (.sig // "?"), "rule.name": .sig, "file.path": .path,
                    "event.category": "malware"}))
     else [] end)' demo-clamav.ndjson)
echo "# demo: $(grep -c ' FOUND"' demo-clamav.ndjson) clamd detections, $(grep -c 'postfix/qmgr' demo-mail.ndjson) qmgr and $(grep -c 'postfix/smtp"' demo-mail.ndjson) smtp lines"

# ---- ECS names and values ----
for f in "$G"/named-*.log "$G"/dnsmasq-*.log "$G"/postfix-*.log "$G"/clamav-*.log; do
    "$YAMORI" parse "$f" 2>/dev/null
done >golden.ndjson
cat wazuh.ndjson linux-named.ndjson demo-*.ndjson golden.ndjson |
    jq -c 'select(.["event.module"] as $m | ["named", "dnsmasq", "postfix", "clamav"] | index($m))' >mine.ndjson
S="$C/ecs-schema"
cut -d, -f4 "$S/fields.csv" | tail -n +2 | sort -u >ecs-names
jq -r 'keys[]' mine.ndjson | sort -u >our-names
grep -vE '^(bind|dnsmasq|postfix|clamav)\.|^sourcetype$' our-names | comm -23 - ecs-names >not-ecs
expect_eq "every field name is ECS or bind./dnsmasq./postfix./clamav." "" "$(tr '\n' ' ' <not-ecs)"
echo "# $(grep -c . our-names) distinct field names over $(grep -c . mine.ndjson) events"
for k in category type kind outcome; do
    awk -v key="event.$k:" '$0 == key { f = 1; next } /^[a-z@]/ { f = 0 } f && /^    name: / { print $2 }' \
        "$S/ecs_flat.yml" | sort -u >allowed-$k
    # every occurrence, repeated keys included
    grep -oE "\"event\\.$k\":\"[^\"]*\"" mine.ndjson | cut -d'"' -f4 | sort -u | comm -23 - allowed-$k >bad-$k
    expect_eq "event.$k values are ECS allowed values" "" "$(tr '\n' ' ' <bad-$k)"
done

finish
