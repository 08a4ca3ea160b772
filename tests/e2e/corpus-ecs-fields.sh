# Proves: every field Yamori's decoders emit in ECS's namespaces is an ECS
# field with a value of the ECS type, and event.kind/category/type/outcome
# hold ECS's allowed values — checked against the ECS reference in
# ../shared/corpora/ecs-schema over the demo generator's logs and every
# golden input (tests/e2e/tools/ecs_check.py).
. "$(dirname "$0")/lib.sh"
ECS="$SHARED/corpora/ecs-schema"
if [ ! -f "$ECS/fields.csv" ] || [ ! -f "$ECS/ecs_flat.yml" ]; then
    skip "ECS field check" "../shared/corpora/ecs-schema not present"
    finish
    exit
fi
G=$(cd "$(dirname "$0")/../golden" && pwd)
TOOLS=$(cd "$(dirname "$0")/tools" && pwd)
cd "$T"
"$YAMORI" demo-gen --events 30000 --seed 3 --out logs >/dev/null
{
    "$YAMORI" parse logs/*.log logs/eve.json
    for f in "$G"/*.log; do
        args=""
        [ -f "${f%.log}.args" ] && args=$(cat "${f%.log}.args")
        "$YAMORI" parse $args "$f"
    done
} 2>/dev/null >events.ndjson
expect_eq "the decoders emitted events" 0 "$(test -s events.ndjson; echo $?)"
/usr/bin/python3 "$TOOLS/ecs_check.py" "$ECS/fields.csv" "$ECS/ecs_flat.yml" <events.ndjson >check.out 2>&1
cat check.out
T_N=$((T_N + $(grep -c '^ok' check.out) + $(grep -c '^not ok' check.out)))
T_FAILED=$((T_FAILED + $(grep -c '^not ok' check.out)))
finish
