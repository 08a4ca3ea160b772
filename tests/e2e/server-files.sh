# Proves the file inputs of `yamori server`: lines appended to a file are
# stored; a file created later under the glob is picked up; rotation by
# rename-and-create (with the writer still writing to the renamed file for
# a moment) and by copytruncate loses and repeats nothing; a SIGTERM stop
# exits 0 and a restart resumes from the checkpoint, also for a file
# rotated while the server was down; a kill -9 in the middle of a stream of
# lines, also while a file is being rotated, and a restart neither lose nor
# repeat a line (the crash recovery finds in the store the lines stored
# after the last checkpoint); a partial last line waits for its newline; a
# line over 1 MiB is kept cut, tagged and counted; the checkpoint names
# every watched file; /metrics counts the input's lines.  At the end every
# line written is stored exactly once (sorted raw lines and counts by
# source compared with what the files received).
. "$(dirname "$0")/lib.sh"
cd "$T"

D="$T/data"
L="$T/logs"
mkdir -p "$L"
: >expected

port=$(free_port)

cat >yamori.yaml <<EOF
syslog: []
http:
  listen: 127.0.0.1:$port
files:
  - name: applogs
    path: $L/*.log
    poll_ms: 50
EOF

cleanup() {
    server_cleanup
    [ -n "${W_PID:-}" ] && kill "$W_PID" 2>/dev/null
}
trap cleanup EXIT


# emit FILE FIRST LAST PREFIX: appends lines PREFIX FIRST..LAST to FILE and to
# the list of what must be stored.
emit() {
    local i
    for ((i = $2; i <= $3; i++)); do
        printf 'Nov  2 09:00:00 web01 app[%d]: %s line %06d\n' "$i" "$4" "$i"
    done >>"$1"
    for ((i = $2; i <= $3; i++)); do
        printf 'Nov  2 09:00:00 web01 app[%d]: %s line %06d\n' "$i" "$4" "$i"
    done >>expected
}

stored_count() {
    local c
    c=$("$YAMORI" search -d "$D" '* | stats count' --format json 2>>search.err | jq -r '.count // 0')
    echo "${c:-none}"
}

count_is() { test "$(stored_count)" = "$1"; }

# wait_stored N: until the store holds N events (then a little longer, to
# see that no more come).
wait_stored() {
    local want=$1
    wait_until 30 count_is "$want" || return 1
    sleep 0.5
    LAST=$(stored_count)
    test "$LAST" = "$want"
}

# crash_and_restart SECONDS: SECONDS into the run of the writer $W_PID,
# kills the server with SIGKILL; when the writer is done, restarts it.
crash_and_restart() {
    sleep "$1"
    server_kill
    wait "$W_PID"
    W_PID=
    server_start yamori.yaml "$D"
}

count_lines() { wc -l <expected | tr -d ' '; }

server_start yamori.yaml "$D"
emit "$L/a.log" 1 200 a
if wait_stored "$(count_lines)"; then ok "lines appended to a.log are stored"; else not_ok "lines appended to a.log are stored (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

emit "$L/b.log" 1 100 b
if wait_stored "$(count_lines)"; then ok "a file created under the glob is picked up"; else not_ok "new file b.log picked up (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# rename-and-create while the writer still holds the old file open.
exec 3>>"$L/a.log"
for i in $(seq 201 300); do
    printf 'Nov  2 09:00:00 web01 app[%d]: a line %06d\n' "$i" "$i" >&3
    printf 'Nov  2 09:00:00 web01 app[%d]: a line %06d\n' "$i" "$i" >>expected
done
mv "$L/a.log" "$L/a.log.1"
for i in $(seq 301 400); do
    printf 'Nov  2 09:00:00 web01 app[%d]: a line %06d\n' "$i" "$i" >&3
    printf 'Nov  2 09:00:00 web01 app[%d]: a line %06d\n' "$i" "$i" >>expected
done
exec 3>&-
emit "$L/a.log" 401 500 a
if wait_stored "$(count_lines)"; then ok "rename-and-create: old file drained, new file read from 0"; else not_ok "rename-and-create (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# copytruncate: copy, truncate in place, go on writing more than before.
cp "$L/b.log" "$L/b.log.1"
: >"$L/b.log"
emit "$L/b.log" 101 400 b
if wait_stored "$(count_lines)"; then ok "copytruncate: read again from 0"; else not_ok "copytruncate (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# copytruncate to a shorter file.
: >"$L/b.log"
sleep 0.3
emit "$L/b.log" 401 410 b
if wait_stored "$(count_lines)"; then ok "truncated below the offset: read again from 0"; else not_ok "short truncate (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# A last line without its newline waits for it.
printf 'Nov  2 09:00:00 web01 app[1]: e partial' >>"$L/e.log"
sleep 0.5
expect_eq "a line without its newline is not taken yet" "$(count_lines)" "$(stored_count)"
printf ' line end\n' >>"$L/e.log"
printf 'Nov  2 09:00:00 web01 app[1]: e partial line end\n' >>expected
if wait_stored "$(count_lines)"; then ok "the line is taken whole once its newline comes"; else not_ok "partial line completed (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# A line over the 1 MiB bound is kept cut, tagged and counted.
head -c 1500000 /dev/zero | tr '\0' x >>"$L/e.log"
printf '\nNov  2 09:00:00 web01 app[2]: e after the long line\n' >>"$L/e.log"
head -c 1048576 /dev/zero | tr '\0' x >>expected
printf '\nNov  2 09:00:00 web01 app[2]: e after the long line\n' >>expected
if wait_stored "$(count_lines)"; then ok "an over-long line is kept cut, the next line is read"; else not_ok "over-long line (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi
expect_eq "the cut line is tagged" 1 "$("$YAMORI" search -d "$D" 'tags=_parse_failure | stats count' --format json | jq -r .count)"

ckpt=$(cat "$D/inputs/applogs.checkpoint" 2>/dev/null)
expect_match "checkpoint names a.log with its offset" "^[0-9]+ [0-9]+ [0-9a-f]{16}:[0-9]+ $(stat -c %s "$L/a.log") $L/a.log\$" "$(printf '%s\n' "$ckpt" | grep " $L/a.log\$")"

metrics=$(curl -s "http://127.0.0.1:$port/metrics")
expect_match "metrics: files watched" 'yamori_file_input_files\{input="applogs"\} 3' "$metrics"
expect_match "metrics: the cut line counted" 'yamori_file_input_lines_truncated_total\{input="applogs"\} 1' "$metrics"
# (three rotations happened; whether the polls count both copytruncates of
# b.log depends on timing — what was stored is checked exactly above)
rot=$(printf '%s\n' "$metrics" | awk '/^yamori_file_input_rotations_total\{input="applogs"\}/ { print $2 }')
if [ "${rot:-0}" -ge 2 ] && [ "${rot:-0}" -le 3 ]; then ok "metrics: rotations counted ($rot)"; else not_ok "metrics: rotations counted: ${rot:-none}, want 2 or 3"; fi
stored_metric=$(printf '%s\n' "$metrics" | grep -E '^yamori_input_events_stored_total\{input="applogs"\}' | awk '{print $2}')
expect_eq "metrics: events stored" "$(count_lines)" "$stored_metric"

# SIGTERM: exit 0; lines written and a rotation done while stopped are read
# after the restart.
server_stop
expect_eq "SIGTERM: exit 0" 0 "$?"
emit "$L/a.log" 501 600 a
mv "$L/a.log" "$L/a.log.2"
emit "$L/a.log" 601 650 a
emit "$L/c.log" 1 50 c
server_start yamori.yaml "$D"
if wait_stored "$(count_lines)"; then ok "restart after SIGTERM: nothing lost or repeated, rotation while down followed"; else not_ok "restart after SIGTERM (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# kill -9 in the middle of a stream.
(
    for i in $(seq 1 4000); do
        printf 'Nov  2 09:00:00 web01 app[%d]: d line %06d\n' "$i" "$i" >>"$L/d.log"
        [ $((i % 200)) -eq 0 ] && sleep 0.05
    done
) &
W_PID=$!
crash_and_restart 0.6
for i in $(seq 1 4000); do
    printf 'Nov  2 09:00:00 web01 app[%d]: d line %06d\n' "$i" "$i"
done >>expected
if wait_stored "$(count_lines)"; then ok "kill -9 mid-stream and restart: nothing lost or repeated"; else not_ok "kill -9 and restart (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

# kill -9 while a file is being rotated by rename-and-create, its writer
# still writing to the renamed file.
fline() { printf 'Nov  2 09:00:00 web01 app[%d]: f line %06d\n' "$1" "$1"; }
(
    exec 3>>"$L/f.log"
    for i in $(seq 1 1500); do
        fline "$i" >&3
        [ $((i % 100)) -eq 0 ] && sleep 0.05
    done
    mv "$L/f.log" "$L/f.log.1"
    for i in $(seq 1501 2000); do
        fline "$i" >&3
        [ $((i % 100)) -eq 0 ] && sleep 0.05
    done
    exec 3>&-
    for i in $(seq 2001 3000); do
        fline "$i" >>"$L/f.log"
        [ $((i % 100)) -eq 0 ] && sleep 0.05
    done
) &
W_PID=$!
crash_and_restart 1.1
for i in $(seq 1 3000); do fline "$i"; done >>expected
if wait_stored "$(count_lines)"; then ok "kill -9 during a rotation and restart: nothing lost or repeated"; else not_ok "kill -9 during a rotation (had ${LAST:-?}, have $(stored_count), want $(count_lines))"; fi

server_stop
expect_eq "second SIGTERM: exit 0" 0 "$?"

stored=$("$YAMORI" search -d "$D" '*' --format json | jq -r '.["event.original"]' | sort)
expect_eq "every line stored exactly once" "$(sort expected)" "$stored"
by_source=$("$YAMORI" search -d "$D" '* | stats count by source' --format json | jq -r '"\(.source) \(.count)"' | sort)
want_by_source=$(printf '%s\n' "$L/a.log 650" "$L/b.log 410" "$L/c.log 50" "$L/d.log 4000" "$L/e.log 3" "$L/f.log 3000" | sort)
expect_eq "counts by source" "$want_by_source" "$by_source"
expect_no_sanitizer server.err
finish
