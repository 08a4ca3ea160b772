# Proves the rule pack and the rule tools: `yamori rules check rules/`
# loads every rule of the pack with its pipelines (none skipped, exit 0);
# `yamori rules test rules/` runs every rule's test events and passes; a
# rule that misses its match file, or fires on its nomatch file, fails the
# test run (exit 1) and names the file; a rule with an unknown modifier or an
# unmapped log source is reported by `rules check` with its file, line and
# feature (exit 2) and skipped, never evaluated approximately; a bad pipeline
# is one line naming file, line and key (exit 2).
. "$(dirname "$0")/lib.sh"
RULES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/rules
cd "$T"

run "$YAMORI" rules check "$RULES"
expect_eq "rules check of the pack exits 0" 0 "$RC"
expect_match "every rule of the pack loads" "rules loaded \([0-9]+ plain, [0-9]+ correlations\), 0 skipped$" "$OUT"

run "$YAMORI" rules test "$RULES"
expect_eq "rules test of the pack exits 0" 0 "$RC"
expect_match "it ran the pack's test files" "^# [1-9][0-9]* passed, 0 failed$" "$OUT"
n_yml=$(find "$RULES" -name '*.match.log' | wc -l)
expect_eq "one 'fires' check per match file" "$n_yml" "$(printf '%s\n' "$OUT" | grep -c '^ok .*\.match\.log fires')"

# A broken copy: a match file cut to 3 failures (no brute force), a nomatch file that matches.
cp -r "$RULES" pack
head -3 "$RULES/linux/ssh_brute_force.match.log" >pack/linux/ssh_brute_force.match.log
cp pack/malware/av_detection.match.log pack/malware/av_detection.nomatch.log
run "$YAMORI" rules test pack
expect_eq "a broken pack fails rules test with exit 1" 1 "$RC"
expect_match "the miss names the file" "^not ok [0-9]+ - pack/linux/ssh_brute_force.match.log fires \(0 alerts\)" "$OUT"
expect_match "the false match names the file" "^not ok [0-9]+ - pack/malware/av_detection.nomatch.log stays silent \(it alerted\)" "$OUT"
rm pack/linux/ssh_brute_force.match.log
run "$YAMORI" rules test pack
expect_match "a rule without its match file fails" "^not ok [0-9]+ - pack/linux/ssh_brute_force.yml: no test events" "$OUT"

# Unsupported features are skipped and reported, not guessed at.
mkdir -p odd/pipelines
cp "$RULES"/pipelines/*.yml odd/pipelines/
cat >odd/bad_modifier.yml <<'EOF'
title: Uses a modifier nobody defined
id: 9a7c1b1e-5f36-4e1e-b1a4-3d2f4c1f0a01
logsource:
  product: linux
  service: sshd
detection:
  sel:
    message|sortof: Failed
  condition: sel
EOF
cat >odd/macos.yml <<'EOF'
title: A log source no pipeline maps
id: 9a7c1b1e-5f36-4e1e-b1a4-3d2f4c1f0a02
logsource:
  product: macos
  category: process_creation
detection:
  sel:
    Image|endswith: /osascript
  condition: not sel
EOF
cat >odd/good.yml <<'EOF'
title: A fine rule
id: 9a7c1b1e-5f36-4e1e-b1a4-3d2f4c1f0a03
logsource:
  product: linux
  service: sshd
detection:
  sel:
    message|contains: Failed password
  condition: sel
EOF
run "$YAMORI" rules check odd
expect_eq "rules check with skipped rules exits 2" 2 "$RC"
expect_match "it counts loaded and skipped" "^odd: 1 rules loaded \(1 plain, 0 correlations\), 2 skipped$" "$OUT"
expect_match "the unknown modifier: file, line, feature, title" \
    "^skipped: odd/bad_modifier.yml:1: unknown modifier 'sortof' \(Uses a modifier nobody defined\)$" "$OUT"
expect_match "the unmapped log source" "^skipped: odd/macos.yml:1: logsource not mapped by the pipelines: product=macos category=process_creation" "$OUT"
printf 'Nov  2 03:46:50 web01 sshd[31057]: Failed password for root from 85.14.78.85 port 44916 ssh2\n' >one.log
run "$YAMORI" detect --rules odd one.log
expect_eq "detect runs the loadable rules" 1 "$(printf '%s\n' "$OUT" | grep -c '"rule.name":"A fine rule"')"
expect_eq "the skipped rules never fire" 0 "$(printf '%s\n' "$OUT" | grep -c 'log source no pipeline\|nobody defined')"
expect_match "detect says rules were skipped" "2 skipped" "$ERR"

# A bad pipeline stops everything with one line.
printf 'name: broken\ntransformations:\n  - type: field_name_mapping\n    mapping: [not, a, map]\n' >odd/pipelines/zz.yml
run "$YAMORI" rules check odd
expect_eq "a bad pipeline exits 2" 2 "$RC"
expect_match "it names the file and line" "^yamori: odd/pipelines/zz.yml:4" "$ERR"
expect_eq "on one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"

finish
