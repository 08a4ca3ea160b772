# Proves, on public sample logs nobody here wrote (../shared/corpora, see its
# MANIFEST.md), that the network decoders take the real lines of their
# devices and give their entity fields: `yamori parse` of every `pass` line of
# the Wazuh analysisd tests that comes from a Cisco ASA/FTD, a netfilter
# kernel LOG line (iptables, ufw, firewalld), a FortiGate, Snort or Suricata
# EVE lands in the right module (event.module), and
#   - Cisco ASA: every line has event.code = its message ID; the lines that
#     name endpoints or users give the reviewed source/destination ip and
#     port, user.name, rule.name and event.action (a table keyed by the MD5
#     of the line, so that the corpus is not copied here);
#   - netfilter: source.ip = SRC=, destination.ip = DST=, destination.port =
#     DPT= (of the packet, not of the one an ICMP error quotes in brackets),
#     network.transport = PROTO= in lower case (ICMPv6 as ipv6-icmp);
#   - FortiGate: source.ip = srcip, destination.ip = dstip, destination.port
#     = dstport, event.action = action;
#   - Snort: rule.id = the SID, source.ip and destination.ip from "a -> b";
#   - Suricata EVE: source/destination ip and port = src_/dest_ip/port,
#     rule.id = alert.signature_id, url.domain = http.hostname,
#     dns.question.name = dns.rrname;
# and that the Suricata events of the Wazuh engine ECS tests give the ECS
# values their expected JSON holds for every field the normaliser sets
# (Wazuh-only fields, arrays Yamori keeps single-valued and the raw
# http.version are not compared).  Per-device pass counts are printed as TAP
# comments.  Skips when the corpora are absent.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    echo "ok 1 - corpus # SKIP ../shared/corpora not present"
    finish
    exit 0
fi
cd "$T"
W="$C/wazuh/analysisd-tests"

# Every pass line with the decoder its section names: DECODER <tab> FILE:LINE <tab> TEXT
awk '
/^\[/ { n = 0 }
/^log [0-9]+ pass = / { t = $0; sub(/^log [0-9]+ pass = /, "", t); L[++n] = t; F[n] = FILENAME; R[n] = FNR }
/^decoder = / { d = $3; for (i = 1; i <= n; i++) { f = F[i]; sub(/.*\//, "", f); printf "%s\t%s:%d\t%s\n", d, f, R[i], L[i] } n = 0 }
' "$W"/*.ini >pass.tsv

# The lines of each device, by the Wazuh decoder that took them or by their shape.
awk -F'\t' '
$1 ~ /^cisco-asa/ || $3 ~ /%(ASA|FTD|PIX|FWSM)-[0-9]-[0-9]+/ { print > "cisco_asa.tsv"; next }
$3 ~ /kernel: .*IN=.* SRC=/ { print > "netfilter.tsv"; next }
$3 ~ /devname=/ && $3 ~ /(logid|type)=/ && $1 !~ /fortimail|fortiddos|fortiauth|fortiweb/ { print > "fortigate.tsv"; next }
$1 ~ /snort/ || $3 ~ /\[[0-9]+:[0-9]+:[0-9]+\] .*\{[A-Za-z0-9:-]+\} / { print > "snort.tsv"; next }
$3 ~ /^\{.*"event_type"/ && $3 ~ /"(src_ip|flow_id)"/ { print > "suricata.tsv"; next }
' pass.tsv

# check DEVICE JQ_PROGRAM: parses the device's lines and runs the program, which
# gets each line's event as . and the line's text as $line, and prints one
# "ok|fail <tab> what" per check.
check() {
    local dev=$1 prog=$2 n
    if [ ! -s "$dev.tsv" ]; then
        echo "# $dev: 0 lines in this copy of the corpus"
        return
    fi
    cut -f3- "$dev.tsv" >"$dev.log"
    "$YAMORI" parse "$dev.log" >"$dev.ndjson" 2>"$dev.err"
    n=$(wc -l <"$dev.log")
    expect_eq "$dev: one event per line" "$n" "$(wc -l <"$dev.ndjson")"
    paste -d'\n' "$dev.ndjson" <(jq -R . "$dev.log") <(cut -f2 "$dev.tsv" | jq -R .) |
        jq -r -n "$JQ_LIB"'
        def triples: [inputs] | [range(0; length; 3) as $i | .[$i:$i+3]] | .[];
        triples | .[1] as $line | .[2] as $where | .[0] | ('"$prog"') | "\(.[0])\t\($where): \(.[1])"' >"$dev.res"
    [ "${PIPESTATUS[1]}" -eq 0 ] || printf 'fail\tthe check program failed\n' >>"$dev.res"
    report "$dev" "$dev.res"
    echo "# $dev: $n lines, $R_PASS checks passed, $R_FAIL failed"
}

# report LABEL FILE: one TAP line per "ok|fail <tab> what" line of FILE; sets
# R_PASS and R_FAIL.  Runs in this shell (no pipe), so that the TAP numbering
# and the failure count carry on.
report() {
    local verdict what
    R_PASS=0 R_FAIL=0
    while IFS=$'\t' read -r verdict what; do
        if [ "$verdict" = ok ]; then
            ok "$1 $what"
            R_PASS=$((R_PASS + 1))
        else
            not_ok "$1 $what"
            R_FAIL=$((R_FAIL + 1))
        fi
    done <"$2"
}

# want(name; value): one check of a field against an expected value (numbers and
# strings compare as text); skipped (ok) when the expected value is absent.
JQ_LIB='
def want($name; $v): if $v == null then empty
    elif ((.[$name] // "") | tostring) == ($v | tostring) then ["ok", "\($name)=\($v)"]
    else ["fail", "\($name)=\(.[$name] // "(absent)"), want \($v)"] end;
def is_module($m): if .["event.module"] == $m then ["ok", "module \($m)"]
    else ["fail", "module \(.["event.module"]), want \($m)"] end;
def kv($line; $k): ($line | capture("(^|[ \"])" + $k + "=\"?(?<v>[^\" ]*)") | .v) // null;
'

# ---- Cisco ASA: the reviewed entity fields, by MD5 of the line (first 10 hex digits) ----
cat >asa-expected.txt <<'EOF'
8c75671e71 106001 source.ip=111.93.241.59 source.port=54322 destination.ip=116.6.127.122 destination.port=1433 event.action=deny
f7fae60b31 106006 source.ip=185.158.113.158 source.port=53306 destination.ip=116.6.127.123 destination.port=53413 event.action=deny
d8feb1031f 106010 source.ip=115.51.6.185 destination.ip=116.6.127.120 event.action=deny
467574fd59 106014 source.ip=151.80.47.231 destination.ip=116.6.127.112 event.action=deny
c0b1165ad4 106015 source.ip=192.168.0.1 source.port=11 destination.ip=192.168.0.2 destination.port=22 event.action=deny
467b478af0 106017 source.ip=193.17.108.1 destination.ip=193.17.108.1 event.action=deny
28d06f8c77 106020 source.ip=10.235.224.228 destination.ip=10.235.0.1 event.action=deny
800dc1d76e 106021 source.ip=192.168.0.1 destination.ip=192.168.0.2 event.action=deny
0e0e860efa 106022 source.ip=192.168.0.1 destination.ip=192.168.0.2 event.action=deny
2f52fc8cd9 106023 source.ip=1.1.1.1 source.port=3217 rule.name=ACLoffice event.action=deny
efa9354d62 106023 source.ip=111.11.11.1 source.port=2143 destination.ip=172.11.1.11 destination.port=139 rule.name=inside_inbound event.action=deny
3ef33a2fe8 108004 source.ip=10.235.61.181 source.port=49536 destination.ip=217.76.146.62 destination.port=25 event.action=drop
675b4ef607 111002 source.ip=192.168.0.1
365e515d93 111003 source.ip=192.168.0.1
e3b30b802b 111004 source.ip=192.168.0.1
c38d819e0b 111005 source.ip=192.168.0.1
b3a62d8050 111007 source.ip=192.168.0.1
a89157300c 111008 user.name=impssnagios event.action=command-executed
b7b6442aba 111009 user.name=user event.action=command-executed
0ba6c38ab4 111010 source.ip=143.16.64.46 user.name=pgskyadm event.action=command-executed
212a5775ac 113004 user.name=user event.action=authentication
e0736f81b5 113005 source.ip=192.168.0.1 user.name=user event.action=authentication
b70cc69498 113006 user.name=user event.action=user-locked-out
54491d387b 202010 source.ip=10.237.52.235 source.port=40012 destination.ip=183.240.12.88 destination.port=443
5ad660123d 209005 source.ip=10.235.211.237 destination.ip=86.29.145.200 event.action=drop
d25bc6ae1e 302013 source.ip=10.1.1.2 source.port=53496 destination.ip=10.1.2.1 destination.port=22 event.action=built-connection
58a85740f0 302014 source.ip=171.70.168.183 source.port=53 destination.ip=192.168.1.185 destination.port=1032 event.action=teardown-connection
49ffbc215c 302018 source.ip=171.70.168.183 source.port=53 destination.ip=192.168.1.185 destination.port=1032 event.action=teardown-connection
21674407e2 302021 source.ip=10.1.2.1 source.port=22 destination.ip=10.1.1.2 destination.port=53496 event.action=teardown-connection
72473f5bcf 302023 source.ip=171.70.168.183 source.port=53 destination.ip=192.168.1.185 destination.port=1032 event.action=teardown-connection
2380f99c7b 304001 source.ip=192.168.200.2 destination.ip=157.166.255.19 event.action=url-accessed
bc50203b26 304002 source.ip=10.69.6.39 destination.ip=72.21.91.19 event.action=url-denied
494526f435 305011 source.ip=10.235.50.55 source.port=58159 event.action=built-translation
9dd470ea4d 305012 source.ip=10.233.16.130 source.port=6890 event.action=teardown-translation
fd05701fba 308001 source.ip=192.168.0.1
e3f7971b4f 313004 source.ip=80.241.208.43 destination.ip=116.6.127.116 event.action=deny
f1486778b8 313005 source.ip=10.233.152.101 destination.ip=8.8.8.8
852dcf591f 313009 destination.ip=10.235.50.134 destination.port=0 event.action=deny
c503417f23 338008 source.ip=10.233.70.240 source.port=51638 destination.ip=198.71.232.3 destination.port=80 event.action=drop
020d04b6a3 338202 source.ip=10.233.39.227 source.port=59610 destination.ip=152.195.32.56 destination.port=443
870d00aa30 401004 source.ip=192.168.0.1 destination.ip=192.168.0.2
fed033fc8d 405001 source.ip=10.233.250.16
3e6d968e6d 409023 user.name=impssnagios
21db28d166 410001 source.ip=139.162.126.103 source.port=46951 destination.ip=143.35.126.146 destination.port=53 event.action=drop
500b240395 418001 source.ip=10.231.5.250 source.port=49152 destination.ip=143.36.200.25 destination.port=161 event.action=deny
11d2bd2a1b 419002 source.ip=10.233.209.119 source.port=42736 destination.ip=192.168.0.8 destination.port=52082
277d4018c2 420002 source.ip=10.235.211.237 source.port=6882 destination.ip=86.29.61.87 destination.port=6882 event.action=drop
2f2e257f17 421001 source.ip=10.233.19.92 source.port=60803 destination.ip=8.8.8.8 destination.port=53 event.action=drop
79f9c7bbd8 421002 source.ip=10.233.19.92 source.port=60803 destination.ip=8.8.8.8 destination.port=53
b061f753a2 421007 source.ip=10.233.19.92 source.port=60803 destination.ip=8.8.8.8 destination.port=53
3fffdc9ec4 434002 source.ip=123.133.65.58 source.port=51115 destination.ip=116.6.127.117 destination.port=443 event.action=drop
581b83dad9 500003 source.ip=123.146.183.231 source.port=34160 destination.ip=116.6.127.118 destination.port=443
9c585fccf4 500004 source.ip=10.235.91.49 source.port=45682 destination.ip=80.98.44.227 destination.port=0
4322678872 502101 user.name=user event.action=user-created
a47a23004a 502102 user.name=user event.action=user-deleted
9dab3299a9 502103 user.name=impssnagios event.action=privilege-changed
63f69d30d7 603108 source.ip=192.168.0.1 user.name=userex
56f271297c 603109 source.ip=192.168.0.1
933ee328c2 605004 source.ip=192.168.2.10 source.port=32597 destination.ip=192.168.2.14 user.name=root event.action=login
ba04a6df43 605005 source.ip=192.168.0.1 source.port=11 destination.ip=192.168.0.2 user.name=username event.action=login
52bc4a1b61 611103 user.name=impssnagios event.action=logout
b3f74b40bb 710003 source.ip=192.168.0.1 source.port=11 destination.ip=192.168.0.2 destination.port=22 event.action=deny
89b38024e2 710004 source.ip=192.168.0.1 source.port=11 destination.ip=192.168.0.2 destination.port=22
3f64965740 733100 event.action=threat-detected
EOF
# one JSON object per expectation line: {"key": md5, "want": {field: value...}}
awk '{ printf "{\"key\":\"%s\",\"want\":{", $1; for (i = 3; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2); printf "%s\"%s\":\"%s\"", (i > 3 ? "," : ""), k, v } print "}}" }' \
    asa-expected.txt >asa-expected.json
check cisco_asa '
    ($line | capture("%(ASA|FTD|PIX|FWSM)-(?:[a-z]+-)?[0-7]-(?<id>[0-9]+)") | .id) as $id |
    is_module("cisco_asa"), want("event.code"; $id)'
if [ -s cisco_asa.tsv ]; then
    # The entity fields of the lines that have a reviewed expectation.
    cut -f3- cisco_asa.tsv | while IFS= read -r l; do printf '%s' "$l" | md5sum | cut -c1-10; done >asa-md5.txt
    paste -d'\n' cisco_asa.ndjson <(jq -R . asa-md5.txt) <(cut -f2 cisco_asa.tsv | jq -R .) |
        jq -r -n --slurpfile exp asa-expected.json '
        ($exp | map({(.key): .want}) | add) as $table |
        [inputs] | [range(0; length; 3) as $i | .[$i:$i+3]] | .[] | .[0] as $ev | .[2] as $where |
        ($table[.[1]] // empty) | to_entries[] |
        if (($ev[.key] // "(absent)") | tostring) == .value then "ok\t\($where): \(.key)=\(.value)"
        else "fail\t\($where): \(.key)=\($ev[.key] // "(absent)"), want \(.value)" end' >asa-entities.res
    report cisco_asa asa-entities.res
    echo "# cisco_asa: $(cut -f1 asa-entities.res | wc -l) entity checks on the lines with reviewed fields" \
        "($(jq -R . asa-md5.txt | jq -s --slurpfile exp asa-expected.json '($exp | map(.key)) as $k | map(select(. as $m | $k | index($m))) | length') of $(wc -l <asa-md5.txt) lines), $R_FAIL failed"
fi

check netfilter '
    ($line | gsub("\\[SRC=[^\\]]*\\]"; "")) as $outer |
    is_module("netfilter"),
    want("source.ip"; kv($outer; "SRC")), want("destination.ip"; kv($outer; "DST")),
    want("destination.port"; kv($outer; "DPT")),
    want("network.transport"; kv($outer; "PROTO") // null | if . == null then null
        else ascii_downcase | if . == "icmpv6" then "ipv6-icmp" else . end end)'

check fortigate '
    is_module("fortigate"),
    want("source.ip"; kv($line; "srcip")), want("destination.ip"; kv($line; "dstip")),
    want("destination.port"; kv($line; "dstport")), want("event.action"; kv($line; "action"))'

check snort '
    ($line | capture("\\[[0-9]+:(?<sid>[0-9]+):[0-9]+\\]") | .sid) as $sid |
    ($line | capture("\\} (?<s>[^ ]+) -> (?<d>[^ ]+)") // {}) as $ep |
    is_module("snort"), want("rule.id"; $sid),
    want("source.ip"; $ep.s // null | if . == null then null else sub(":[0-9]+$"; "") | ltrimstr("[") | rtrimstr("]") end),
    want("destination.ip"; $ep.d // null | if . == null then null else sub(":[0-9]+$"; "") | ltrimstr("[") | rtrimstr("]") end)'

check suricata '
    ($line | fromjson) as $j |
    is_module("suricata"),
    want("source.ip"; $j.src_ip), want("source.port"; $j.src_port),
    want("destination.ip"; $j.dest_ip), want("destination.port"; $j.dest_port),
    want("rule.id"; $j.alert.signature_id), want("url.domain"; $j.http.hostname),
    want("dns.question.name"; if $j.dns.rdata then null else $j.dns.rrname end)'

# ---- Suricata: the Wazuh engine's expected ECS ----
E="$C/wazuh/engine-ecs-tests/suricata"
total=0 good=0
for input in "$E"/*_input.txt; do
    [ -f "$input" ] || continue
    name=$(basename "$input" _input.txt)
    expected="$E/${name}_expected.json"
    [ -f "$expected" ] || continue
    grep -v '^$' "$input" >"ecs-$name.log"
    "$YAMORI" parse "ecs-$name.log" >"ecs-$name.ndjson" 2>/dev/null
    jq -c '.[]' "$expected" >"ecs-$name.expected"
    expect_eq "engine-ecs suricata/$name: one event per input line" \
        "$(wc -l <"ecs-$name.expected")" "$(wc -l <"ecs-$name.ndjson")"
    # Compared: every ECS field the normaliser sets that the expectation holds.
    paste -d'\n' "ecs-$name.ndjson" "ecs-$name.expected" | jq -r -n '
        def flat: [paths(scalars) as $p | {key: ($p | map(tostring) | join(".")), value: getpath($p)}] | from_entries;
        [inputs] | [range(0; length; 2) as $i | .[$i:$i+2]] | to_entries[] | .key as $n | .value[0] as $got | (.value[1] | del(.suricata, .wazuh, .agent, .host, .related)) as $want |
        ($want | flat) as $w |
        ($w | to_entries[] | select(.key | test("^(source|destination)\\.(ip|port|bytes|packets|mac|domain)$|^network\\.(transport|protocol|bytes|packets)$|^dns\\.(question\\.(name|type)|response_code|type|answers\\.0\\.(name|type|data))$|^rule\\.(id|name|category)$|^http\\.(request\\.method|response\\.(status_code|body\\.bytes))$|^url\\.(domain|original|path)$|^user_agent\\.original$|^event\\.kind$"))
            | .key as $k | (if ($k | startswith("dns.answers.0.")) then ($k | sub("\\.0\\."; ".")) else $k end) as $gk
            | if (($got[$gk] // "(absent)") | tostring | ascii_downcase) == (.value | tostring | ascii_downcase)
              then "ok\t\($n + 1): \($k)=\(.value)" else "fail\t\($n + 1): \($k)=\($got[$gk] // "(absent)"), want \(.value)" end),
        (["event.category", "event.type"][] as $k | ($want | getpath($k | split("."))) as $list |
            if $list == null then empty
            elif ($list | index($got[$k])) != null then "ok\t\($n + 1): \($k) \($got[$k]) in \($list | join(","))"
            else "fail\t\($n + 1): \($k)=\($got[$k] // "(absent)"), want one of \($list | join(","))" end)
    ' >"ecs-$name.res"
    report "engine-ecs suricata/$name" "ecs-$name.res"
    total=$((total + R_PASS + R_FAIL)) good=$((good + R_PASS))
done
echo "# engine-ecs suricata: $good of $total field checks passed"

finish
