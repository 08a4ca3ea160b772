#!/usr/bin/env bash
# Proves: the web decoders (access, weberror, w3c) decode real lines nobody
# here wrote, from ../shared/corpora/ (skipped when that folder is absent):
#  - loghub Apache (an Apache 2.2 error log): every one of its 2,000 lines is
#    taken by weberror (event.dataset apache.error) with the time and level
#    its Apache_2k.log_structured.csv gives, and the [client] address as
#    source.ip where the line has one;
#  - Wazuh analysisd-tests: every line of the sections whose decoder is
#    web-accesslog, apache-errorlog, nginx-errorlog, web-accesslog-iis-default
#    or web-accesslog-iis6 lands in access, weberror or w3c with its entity
#    fields (client address, method, URL, status; level), each value checked
#    against what a plain regular expression finds in the line;
#  - Wazuh engine-ecs-tests/apache-http: every event's ECS fields that
#    Yamori sets equal the expected ones (Wazuh-only fields, event.kind,
#    module and dataset names, client.ip and network.protocol aside; "-"
#    values, which Yamori leaves out, aside; url.path where Wazuh kept the
#    query in it aside).
# Per-device pass counts are printed as TAP comments.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    echo "ok 1 - corpus # SKIP ../shared/corpora not present"
    rm -rf "$T"
    exit 0
fi
cd "$T"

# ---- loghub Apache error log ----
L="$C/loghub/Apache"
if [ -f "$L/Apache_2k.log" ] && [ -f "$L/Apache_2k.log_structured.csv" ]; then
    cp "$L/Apache_2k.log" apache.log
    "$YAMORI" parse apache.log >apache.out 2>apache.err
    # want: time, level, module, dataset, client (or -); the CSV's Time and
    # Level hold no commas.
    tail -n +2 "$L/Apache_2k.log_structured.csv" | cut -d, -f2,3 |
        jq -R -r 'split(",") | [(.[0] | strptime("%a %b %d %H:%M:%S %Y")
            | strftime("%Y-%m-%dT%H:%M:%S.000Z")), .[1], "apache", "apache.error"] | @tsv' >apache.want1
    sed -E 's/^\[[^]]*\] \[[a-z]+\] \[client ([0-9.]+)\].*$/\1/; t; s/.*/-/' apache.log >apache.want2
    paste apache.want1 apache.want2 >apache.want
    jq -r '[.["@timestamp"], .["log.level"], .["event.module"], .["event.dataset"],
            (.["source.ip"] // "-")] | @tsv' apache.out >apache.got
    lines=$(grep -c . apache.log)
    bad=$(paste apache.want apache.got | awk -F'\t' '$1!=$6 || $2!=$7 || $3!=$8 || $4!=$9 || $5!=$10' | wc -l)
    paste apache.want apache.got | awk -F'\t' '$1!=$6 || $2!=$7 || $3!=$8 || $4!=$9 || $5!=$10 {print NR": want "$1" "$2" "$3" "$4" "$5" got "$6" "$7" "$8" "$9" "$10}' |
        head -20 | while IFS= read -r m; do not_ok "loghub Apache line $m"; done
    expect_eq "loghub Apache: every line has the CSV's time, level and client" "$lines 0" \
        "$(grep -c . apache.got) $bad"
    expect_eq "loghub Apache: no line reported as failed" "" "$(cat apache.err)"
    echo "# loghub Apache (weberror): $((lines - bad))/$lines lines pass"
else
    skip "loghub Apache" "loghub/Apache not present"
fi

# ---- Wazuh analysisd-tests ----
W="$C/wazuh/analysisd-tests"
if [ -d "$W" ]; then
    # decoder <TAB> line, for the sections of the web decoders
    awk '
    function flush() { if (dec in want) for (k = 1; k <= n; k++) print dec "\t" lines[k]; n = 0; dec = "" }
    BEGIN { want["web-accesslog"]; want["apache-errorlog"]; want["nginx-errorlog"]
            want["web-accesslog-iis-default"]; want["web-accesslog-iis6"] }
    /^\[/ { flush() }
    /^log [0-9]+ (pass|fail) = / { l = $0; sub(/^log [0-9]+ (pass|fail) = /, "", l); lines[++n] = l }
    /^decoder *=/ { d = $0; sub(/^decoder *= */, "", d); sub(/ *$/, "", d); dec = d }
    END { flush() }' "$W"/*.ini >wazuh.tsv
    cut -f2- wazuh.tsv >wazuh.log
    "$YAMORI" parse wazuh.log >wazuh.out 2>wazuh.err
    jq -r '[.["event.module"], .["event.dataset"], (.["source.ip"] // "-"),
            (.["http.request.method"] // "-"), (.["url.original"] // "-"),
            (.["url.path"] // "-"), (.["http.response.status_code"] // "-" | tostring),
            (.["log.level"] // "-")] | @tsv' wazuh.out >wazuh.got
    expect_eq "wazuh: one event per line" "$(grep -c . wazuh.log)" "$(grep -c . wazuh.got)"
    declare -A pass total
    n=0
    while IFS=$'\t' read -r dec line && IFS=$'\t' read -r -u 3 mod ds ip meth url path st lvl; do
        n=$((n + 1))
        # want: module dataset ip method url path status level ("*": any)
        case "$dec" in
        web-accesslog)
            w=$(printf '%s\n' "$line" | sed -E 's/^([^ ]+) [^ ]+ [^ ]+ \[[^]]*\] "([A-Za-z]+) ([^ "]+)[^"]*" ([0-9]{3}) .*$/access\taccess\t\1\t\2\t\3\t*\t\4\t-/') ;;
        apache-errorlog)
            lv=$(printf '%s\n' "$line" | sed -E 's/^(\[[^]]*[0-9]{4}\] )?\[([a-z_]*:)?([a-z]+[0-9]?)\].*$/\3/')
            cl=$(printf '%s\n' "$line" | sed -nE 's/.*\[client ([0-9.]+)(:[0-9]+)?\].*/\1/p')
            w="apache	apache.error	${cl:--}	*	*	*	*	$lv" ;;
        nginx-errorlog)
            lv=$(printf '%s\n' "$line" | sed -E 's/^[0-9/]+ [0-9:]+ \[([a-z]+)\].*$/\1/')
            w="nginx	nginx.error	*	*	*	*	*	$lv" ;;
        web-accesslog-iis*)
            # IIS's default layout (15 columns) or every field (22)
            w=$(printf '%s\n' "$line" | awk '
                NF == 15 { print "w3c\tw3c\t" $9 "\t" $4 "\t*\t" $5 "\t" $12 "\t-" }
                NF == 22 { print "w3c\tw3c\t" $11 "\t" $6 "\t*\t" $7 "\t" $17 "\t-" }
                NF != 15 && NF != 22 { print "w3c\tw3c\t?\t?\t?\t?\t?\t?" }') ;;
        esac
        got="$mod	$ds	$ip	$meth	$url	$path	$st	$lvl"
        IFS=$'\t' read -r -a wa <<<"$w"
        IFS=$'\t' read -r -a ga <<<"$got"
        good=1
        for k in 0 1 2 3 4 5 6 7; do
            [ "${wa[$k]}" = "*" ] && continue
            [ "${wa[$k]}" = "${ga[$k]}" ] || good=0
        done
        total[$dec]=$((${total[$dec]:-0} + 1))
        short=$(printf '%s' "$line" | cut -c1-70)
        if [ $good -eq 1 ]; then
            pass[$dec]=$((${pass[$dec]:-0} + 1))
            ok "wazuh $dec: $short"
        else
            not_ok "wazuh $dec: $short"
            echo "#   want: $w"
            echo "#   got:  $got"
        fi
    done <wazuh.tsv 3<wazuh.got
    for d in "${!total[@]}"; do
        echo "# wazuh $d: ${pass[$d]:-0}/${total[$d]} lines pass"
    done
else
    skip "wazuh analysisd-tests" "wazuh/analysisd-tests not present"
fi

# ---- Wazuh engine-ecs-tests/apache-http ----
E="$C/wazuh/engine-ecs-tests/apache-http"
if [ -d "$E" ]; then
    epass=0 etotal=0
    for input in "$E"/*/*_input.txt; do
        expected=${input%_input.txt}_expected.json
        [ -f "$expected" ] || continue
        name=$(basename "$(dirname "$input")")/$(basename "$input" _input.txt)
        cp "$input" ecs.log
        "$YAMORI" parse ecs.log >ecs.out 2>/dev/null
        # one line per event: "" when every compared field matches, else the differences
        jq -n -r --slurpfile exp "$expected" --slurpfile got ecs.out '
            def flat: [paths(scalars) as $p
                       | {key: ($p | map(tostring) | join(".")), value: getpath($p)}] | from_entries;
            def skipped($k; $v):
                ($k | test("^(wazuh|agent)\\.")) or
                ($k | IN("host.id", "event.kind", "event.module", "event.dataset",
                         "event.original", "client.ip", "network.protocol")) or
                ($k == "service.type" and $v == "apache") or
                $v == "-" or
                ($k == "url.path" and ($v | tostring | contains("?")));
            range(0; $exp[0] | length) as $i
            | ($exp[0][$i] | walk(if type == "array" and length == 1 then .[0] else . end) | flat) as $e
            | ($got[$i] // {}) as $g
            | [$e | to_entries[]
               | .key as $k | .value as $v
               | select(skipped($k; $v) | not)
               | (if $k == "event.created" then $g["@timestamp"] else $g[$k] end) as $a
               | select(if $k == "tls.version_protocol" then ($a // "" | ascii_downcase) != ($v | ascii_downcase)
                        else $a != $v end)
               | "\($k): want \($v | tojson) got \($a | tojson)"]
            | join("; ")' >ecs.diff
        i=0
        while IFS= read -r d; do
            i=$((i + 1))
            etotal=$((etotal + 1))
            if [ -z "$d" ]; then
                epass=$((epass + 1))
                ok "engine-ecs apache-http $name #$i"
            else
                not_ok "engine-ecs apache-http $name #$i"
                echo "#   $d"
            fi
        done <ecs.diff
    done
    echo "# engine-ecs apache-http (access, weberror): $epass/$etotal events pass"
else
    skip "engine-ecs apache-http" "wazuh/engine-ecs-tests/apache-http not present"
fi

finish
