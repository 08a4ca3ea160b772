# Proves: the authentication normalisers (sshd, PAM, sudo, su) decode real
# logs nobody here wrote, line by line, with the right decoder and entity
# fields:
#  - every `pass` line of the Wazuh log tests whose decoder is sshd or sudo
#    (sshd.ini, sudo.ini, malicious-ioc.ini) gets event.module sshd/sudo,
#    and the user and source address the line names (found here by regular
#    expressions written independently of the C parser);
#  - every line of loghub's OpenSSH sample gets, per template of its
#    *_structured.csv (EventId), the expected event.action, event.outcome
#    and the template's variables in user.name, source.ip, source.port,
#    source.domain, event.reason...;
#  - every "(pam_unix)" line of loghub's Linux sample goes to the PAM
#    normaliser with its action, user and rhost;
#  - the Linux auth events of Wazuh's engine ECS tests (Ubuntu, RHEL) carry
#    the user.name, source.ip/port, user.effective.name, process.command_line
#    and process.working_directory the expected ECS JSON gives, and the
#    outcome of every ssh_login.
# The corpora are read from ../shared/corpora; the test skips when absent.
. "$(dirname "$0")/lib.sh"
C="$SHARED/corpora"
if [ ! -d "$C" ]; then
    skip "corpus" "../shared/corpora not present"
    finish
    exit
fi
cd "$T"

# The group names of a template's regular expression, and the fields they
# must equal ("host" is source.ip when it is an address, else source.domain).
JQ_DEFS='
def field($g; $v):
  if $g == "user" then "user.name"
  elif $g == "ip" then "source.ip"
  elif $g == "port" then "source.port"
  elif $g == "domain" then "source.domain"
  elif $g == "host" then (if ($v | test("^[0-9.]+$|:")) then "source.ip" else "source.domain" end)
  elif $g == "code" then "sshd.disconnect.code"
  elif $g == "reason" then "event.reason"
  elif $g == "count" then "sshd.repeat_count"
  elif $g == "target" then "user.target.name"
  elif $g == "effective" then "user.effective.name"
  elif $g == "cmd" then "process.command_line"
  elif $g == "pwd" then "process.working_directory"
  else $g end;
# Lists what differs between event $e and the spec $s (module, action,
# outcome, and each named group of the regex $s.re matched on the message).
def check($e; $s):
  (if ($s.re // null) == null then null else [$e.message // "" | capture($s.re)] | .[0] end) as $cap
  | [ (if $e."event.module" != $s.module then "event.module=\($e."event.module") want \($s.module)" else empty end),
      (if ($s.action // null) != null and $e."event.action" != $s.action
         then "event.action=\($e."event.action") want \($s.action)" else empty end),
      (if ($s.outcome // null) != null and ($e."event.outcome" // "") != $s.outcome
         then "event.outcome=\($e."event.outcome") want \($s.outcome)" else empty end),
      (if ($s.re // null) != null and $cap == null then "message does not match \($s.re)" else empty end),
      ($cap // {} | to_entries[] | select(.value != null and .value != "")
         | field(.key; .value) as $f
         | select(($e[$f] // "" | tostring) != .value)
         | "\($f)=\($e[$f]) want \(.value)") ];
'

# tally NAME FILE: FILE holds one JSON array of differences per line; one TAP
# line for the set, a comment with the count, the first failures shown.
tally() {
    local name=$1 file=$T/.tally total bad
    cat "$2" >"$file" # $2 may be a pipe (<(...)): read it once
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

# ---- Wazuh analysisd tests: pass lines of the sshd and sudo decoders ----
W="$C/wazuh/analysisd-tests"
awk '/^\[/ { n = 0 }
     /^log [0-9]+ pass = / { sub(/^log [0-9]+ pass = /, ""); l[n++] = $0 }
     /^decoder = / { for (i = 0; i < n; i++) if ($3 == "sshd" || $3 == "sudo") print $3 "\t" l[i]; n = 0 }' \
    "$W/sshd.ini" "$W/sudo.ini" "$W/malicious-ioc.ini" >wazuh.tsv
cut -f2- wazuh.tsv >wazuh.log
"$YAMORI" parse wazuh.log >wazuh.ndjson 2>wazuh.err
expect_eq "wazuh: one event per line" "$(grep -c . wazuh.log)" "$(grep -c . wazuh.ndjson)"
# The user and the source each line names, by expressions of their own.
paste -d '\t' <(cut -f1 wazuh.tsv) wazuh.ndjson | jq -Rc "$JQ_DEFS"'
  split("\t") as [$dec, $j] | ($j | fromjson) as $e
  | ($e.message // "") as $m
  | { module: $dec,
      re: (if $dec == "sudo" then "^\\s*(?<user>\\S+) : (?:.* ; )?PWD=(?<pwd>\\S+) ; (?:.* ; )?USER=(?<effective>\\S+) ; (?:.* ; )?COMMAND=(?<cmd>.*)$"
           elif ($m | test("(?:from |by |rhost=|Address |host |\\[|user \\S+ |with )\\[?[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+\\b"))
             then "(?:from |by |rhost=|Address |host |\\[|user \\S+ |with )\\[?(?<ip>[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)\\b\\]?(?: port (?<port>[0-9]+))?"
           else null end) } as $s
  | check($e; $s)
  + ( [$m | capture("(?:for (?:invalid user |illegal user )?|[Uu]ser )(?<user>[^ ]+)(?: from | [0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+ | not allowed|$)")]
      | .[0] // {} | to_entries | map(select($e["user.name"] != .value) | "user.name=\($e["user.name"]) want \(.value)") )' \
    >wazuh.diff
grep -P '^sshd\t' wazuh.tsv >/dev/null && tally "wazuh sshd" <(paste -d '\t' <(cut -f1 wazuh.tsv) wazuh.diff | grep -P '^sshd\t' | cut -f2)
tally "wazuh sudo" <(paste -d '\t' <(cut -f1 wazuh.tsv) wazuh.diff | grep -P '^sudo\t' | cut -f2)

# ---- loghub OpenSSH: every line, by template ----
L="$C/loghub/OpenSSH"
"$YAMORI" parse "$L/OpenSSH_2k.log" >openssh.ndjson 2>openssh.err
tail -n +2 "$L/OpenSSH_2k.log_structured.csv" | jq -Rr 'capture(",(?<e>E[0-9]+),(?<t>.*)$") | .e' >openssh.eid
expect_eq "OpenSSH: one event per line" "$(grep -c . openssh.eid)" "$(grep -c . openssh.ndjson)"
OPENSSH_SPEC='{
  "E1":  {"action":"ssh_login","outcome":"success","re":"^Accepted password for (?<user>\\S+) from (?<ip>\\S+) port (?<port>\\d+) ssh2$"},
  "E2":  {"action":"ssh_connection_closed","re":"^Connection closed by (?<ip>\\S+) \\[preauth\\]$"},
  "E3":  {"action":"ssh_no_identification","outcome":"failure","re":"^Did not receive identification string from (?<ip>\\S+)$"},
  "E4":  {"action":"ssh_max_auth_exceeded","outcome":"failure","re":"^Disconnecting: Too many authentication failures for (?<user>\\S+) \\[preauth\\]$"},
  "E5":  {"action":"ssh_max_auth_exceeded","outcome":"failure","re":"^Disconnecting: Too many authentication failures for (?<user>\\S+) \\[preauth\\]$"},
  "E6":  {"action":"ssh_disconnect","re":"^error: Received disconnect from (?<ip>[^: ]+): (?<code>\\d+): (?<reason>.*) \\[preauth\\]$"},
  "E7":  {"action":"ssh_disconnect","re":"^error: Received disconnect from (?<ip>[^: ]+): (?<code>\\d+): (?<reason>.*) \\[preauth\\]$"},
  "E8":  {"action":"ssh_login","outcome":"failure","re":"^Failed none for invalid user (?<user>.*) from (?<ip>\\S+) port (?<port>\\d+) ssh2$"},
  "E9":  {"action":"ssh_login","outcome":"failure","re":"^Failed password for (?<user>\\S+) from (?<ip>\\S+) port (?<port>\\d+) ssh2$"},
  "E10": {"action":"ssh_login","outcome":"failure","re":"^Failed password for invalid user (?<user>.*) from (?<ip>\\S+) port (?<port>\\d+) ssh2$"},
  "E11": {"action":"ssh_connection_reset","re":"^fatal: Write failed: (?<reason>.*) \\[preauth\\]$"},
  "E12": {"action":"ssh_invalid_user","outcome":"failure","re":"^input_userauth_request: invalid user (?<user>.*) \\[preauth\\]$"},
  "E13": {"action":"ssh_invalid_user","outcome":"failure","re":"^Invalid user (?<user>.*) from (?<ip>\\S+)$"},
  "E14": {"action":"ssh_login","outcome":"failure","re":"^message repeated (?<count>\\d+) times: \\[ Failed password for (?<user>\\S+) from (?<ip>\\S+) port (?<port>\\d+) ssh2\\]$"},
  "E15": {"action":"ssh_auth_failures","outcome":"failure","re":"rhost=(?<host>\\S+)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E16": {"action":"ssh_auth_failures","outcome":"failure","re":"rhost=(?<host>\\S+)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E17": {"action":"ssh_auth_failures","outcome":"failure","re":"rhost=(?<host>\\S+)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E18": {"action":"ssh_pam_max_retries","re":"^PAM service\\(sshd\\) ignoring max retries"},
  "E19": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S+)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E20": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S+)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E21": {"action":"pam_user_unknown","outcome":"failure","re":"^pam_unix\\(sshd:auth\\): check pass; user unknown$"},
  "E22": {"action":"pam_session_close","outcome":"success","re":"^pam_unix\\(sshd:session\\): session closed for user (?<user>\\S+)$"},
  "E23": {"action":"pam_session_open","outcome":"success","re":"^pam_unix\\(sshd:session\\): session opened for user (?<user>\\S+) by \\(uid=\\d+\\)$"},
  "E24": {"action":"ssh_disconnect","re":"^Received disconnect from (?<ip>[^: ]+): (?<code>\\d+): (?<reason>.*) \\[preauth\\]$"},
  "E25": {"action":"ssh_disconnect","re":"^Received disconnect from (?<ip>[^: ]+): (?<code>\\d+): (?<reason>.*) \\[preauth\\]$"},
  "E26": {"action":"ssh_disconnect","re":"^Received disconnect from (?<ip>[^: ]+): (?<code>\\d+): (?<reason>.*)$"},
  "E27": {"action":"ssh_reverse_mapping_failed","re":"^reverse mapping checking getaddrinfo for (?<domain>\\S+) \\[(?<ip>[^]]+)\\] failed - POSSIBLE BREAK-IN ATTEMPT!$"}
}'
paste -d '\t' openssh.eid openssh.ndjson | jq -Rc --argjson spec "$OPENSSH_SPEC" "$JQ_DEFS"'
  split("\t") as [$id, $j] | ($j | fromjson) as $e
  | (($spec[$id] // {re: "^$"}) + {module: "sshd"}) as $s
  | [$id, check($e; $s)]' >openssh.diff
for id in $(cut -f1 openssh.eid | sort -u | sort -V); do
    tpl=$(grep -m1 "^$id," "$L/OpenSSH_2k.log_templates.csv" | cut -d, -f2- | cut -c1-60)
    tally "OpenSSH $id ($tpl)" <(jq -c --arg id "$id" 'select(.[0] == $id) | .[1]' openssh.diff)
done

# ---- loghub Linux: the "(pam_unix)" lines ----
L="$C/loghub/Linux"
"$YAMORI" parse "$L/Linux_2k.log" >linux.ndjson 2>linux.err
tail -n +2 "$L/Linux_2k.log_structured.csv" | jq -Rr 'capture(",(?<e>E[0-9]+),(?<t>.*)$") | .e' >linux.eid
expect_eq "Linux: one event per line" "$(grep -c . linux.eid)" "$(grep -c . linux.ndjson)"
LINUX_SPEC='{
  "E15": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S*)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E16": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S*)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E17": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S*)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E18": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S*)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E19": {"action":"pam_auth_failure","outcome":"failure","re":"rhost=(?<host>\\S*)(?:\\s+user=(?<user>\\S+))?\\s*$"},
  "E27": {"action":"pam_user_unknown","outcome":"failure","re":"^check pass; user unknown$"},
  "E101": {"action":"pam_session_close","outcome":"success","re":"^session closed for user (?<user>\\S+)$"},
  "E102": {"action":"pam_session_open","outcome":"success","re":"^session opened for user (?<user>\\S+) by \\(uid=\\d+\\)$"},
  "E103": {"action":"pam_session_open","outcome":"success","re":"^session opened for user (?<user>\\S+) by LOGIN\\(uid=\\d+\\)$"}
}'
paste -d '\t' linux.eid linux.ndjson | jq -Rc --argjson spec "$LINUX_SPEC" "$JQ_DEFS"'
  split("\t") as [$id, $j] | ($j | fromjson) as $e
  | select(($e."process.name" // "") | endswith("(pam_unix)"))
  | (($spec[$id] // {re: "^$"}) + {module: "pam"}) as $s
  | check($e; $s)' >linux.diff
tally "Linux (pam_unix)" linux.diff

# ---- Wazuh engine ECS tests: Linux auth (Ubuntu, RHEL) ----
E="$C/wazuh/engine-ecs-tests/system/sysmon-auth"
cat "$E"/*_input.txt >ecs.log
"$YAMORI" parse ecs.log >ecs.ndjson 2>ecs.err
jq -s 'add' "$E"/*_expected.json >ecs-expected.json
# Known disagreement, kept on purpose: for "pam_unix(sudo:auth): authentication
# failure; logname=A ... user=B" the expectation takes the terminal's login
# name A as user.name; the user PAM authenticated (B, uid= of the process) is
# who ran sudo.  Wazuh also sets event.outcome "success" on refusals and
# scanner lines: outcome is compared only for ssh logins.
jq -c -n --slurpfile ours ecs.ndjson --slurpfile exp ecs-expected.json '
  def flat: [paths(scalars) as $p | {key: ($p | map(tostring) | join(".")), value: getpath($p)}] | from_entries;
  ($ours | map({key: ."event.original", value: .}) | from_entries) as $by
  | $exp[0][] | flat as $x | $by[$x."event.original"] as $o
  | select($o != null and ($o."event.module" | IN("sshd", "sudo", "su", "pam")))
  | [ ("user.name", "source.ip", "source.port", "source.domain", "user.effective.name",
       "process.command_line", "process.working_directory") as $f
      | select($x[$f] != null)
      | select($f != "source.domain" or ($x[$f] | test("^[0-9.]+$") | not))
      | select($f != "user.name" or ($o.message | test("^pam_unix\\(sudo:auth\\)") | not))
      | select(($o[$f] | tostring) != ($x[$f] | tostring))
      | "\($f)=\($o[$f]) want \($x[$f])" ]
    + (if $x."event.action" == "ssh_login" and ($o.message | test("^(Accepted|Failed) "))
         and ($o."event.action" != "ssh_login" or $o."event.outcome" != $x."event.outcome")
       then ["ssh_login \($o."event.outcome") want \($x."event.outcome")"] else [] end)' >ecs.diff
tally "engine ECS tests (system auth)" ecs.diff

finish
