#!/usr/bin/env bash
# Proves: the syslog decoder reads real RFC 3164 lines nobody here wrote,
# from ../shared/corpora/loghub (skipped when that folder is absent), with
# the values their *_structured.csv ground truth gives, line by line:
#  - Linux_2k.log (Red Hat syslog: "sshd(pam_unix)[19939]:", "kernel:",
#    "syslogd 1.4.1:", " -- root[2421]:", untagged pids): month, day and
#    time (@timestamp), host (the CSV's "Level" column), program (its
#    "Component") and pid (its "PID", absent where empty);
#  - OpenSSH_2k.log: month, day, time, host (the CSV's "Component"), program
#    sshd and pid (its "Pid");
# every line taken by the syslog decoder, none reported as failed.  The
# pass count per file is printed as a TAP comment.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    echo "ok 1 - corpus # SKIP ../shared/corpora not present"
    rm -rf "$T"
    exit 0
fi
cd "$T"

# Month abbreviation to number, for the CSVs' "Jun" / "Dec".
MONTHS='{"Jan":"01","Feb":"02","Mar":"03","Apr":"04","May":"05","Jun":"06","Jul":"07","Aug":"08","Sep":"09","Oct":"10","Nov":"11","Dec":"12"}'

# check NAME LOG WANT: parses LOG and compares, line by line, the TSV WANT
# (MM-DDTHH:MM:SS, host, program, pid or "-") with what Yamori found.
check() {
    local name=$1 log=$2 want=$3 lines bad
    cp "$log" "$name.log"
    "$YAMORI" parse "$name.log" >"$name.out" 2>"$name.err"
    jq -r '[(.["@timestamp"] | .[5:19]), (.["host.name"] // "-"), (.["process.name"] // "-"),
            (.["process.pid"] // "-" | tostring), .sourcetype] | @tsv' "$name.out" >"$name.got"
    lines=$(wc -l <"$want")
    expect_eq "loghub $name: one event per line" "$lines" "$(wc -l <"$name.got")"
    paste "$want" "$name.got" | awk -F'\t' '$1!=$5 || $2!=$6 || $3!=$7 || $4!=$8 || $9!="syslog" {
        print NR ": want " $1 " " $2 " [" $3 "] " $4 ", got " $5 " " $6 " [" $7 "] " $8 " " $9 }' >"$name.bad"
    bad=$(wc -l <"$name.bad")
    head -20 "$name.bad" | while IFS= read -r m; do not_ok "loghub $name line $m"; done
    expect_eq "loghub $name: every line has the CSV's time, host, program and pid" 0 "$bad"
    expect_eq "loghub $name: no line reported as failed" "" "$(cat "$name.err")"
    echo "# loghub $name (syslog): $((lines - bad))/$lines lines pass"
}

# CSV columns hold no commas up to the pid (the content, last, may).
L="$C/loghub/Linux"
if [ -f "$L/Linux_2k.log" ] && [ -f "$L/Linux_2k.log_structured.csv" ]; then
    # LineId,Month,Date,Time,Level,Component,PID,Content,...
    tail -n +2 "$L/Linux_2k.log_structured.csv" | cut -d, -f2-7 |
        jq -R -r --argjson m "$MONTHS" 'split(",") |
            [($m[.[0]] + "-" + (.[1] | tonumber | tostring | if length < 2 then "0" + . else . end)
              + "T" + .[2]), .[3], .[4], (if .[5] == "" then "-" else .[5] end)] | @tsv' >linux.want
    check linux "$L/Linux_2k.log" linux.want
else
    skip "loghub Linux" "loghub/Linux not present"
fi

L="$C/loghub/OpenSSH"
if [ -f "$L/OpenSSH_2k.log" ] && [ -f "$L/OpenSSH_2k.log_structured.csv" ]; then
    # LineId,Date,Day,Time,Component,Pid,Content,...
    tail -n +2 "$L/OpenSSH_2k.log_structured.csv" | cut -d, -f2-6 |
        jq -R -r --argjson m "$MONTHS" 'split(",") |
            [($m[.[0]] + "-" + (.[1] | tonumber | tostring | if length < 2 then "0" + . else . end)
              + "T" + .[2]), .[3], "sshd", (if .[4] == "" then "-" else .[4] end)] | @tsv' >openssh.want
    check openssh "$L/OpenSSH_2k.log" openssh.want
else
    skip "loghub OpenSSH" "loghub/OpenSSH not present"
fi

finish
