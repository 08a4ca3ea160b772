"""ecs_check.py — checks NDJSON events against the ECS field reference.

usage: ecs_check.py FIELDS_CSV ECS_FLAT_YML < events.ndjson

Every key whose first dotted part is an ECS field set (source, user,
event, ...) must be an ECS field, or lie under an ECS field of type
flattened or object; its JSON type must suit the ECS type; the values of
event.kind, event.category, event.type and event.outcome must be ECS's
allowed values.  Keys outside ECS's field sets (vendor namespaces such as
suricata.*, a device's own keys) are not checked.  Prints one TAP line per
rule with the violations found (the first few of each), and exits 0.
"""
import csv
import json
import sys

import yaml

fields = {}
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        fields[row["Field"]] = row["Type"]
roots = {name.split(".")[0] for name in fields}
containers = [n for n, t in fields.items() if t in ("flattened", "object", "nested")]
with open(sys.argv[2]) as f:
    flat = yaml.safe_load(f)
allowed = {}
for name in ("event.kind", "event.category", "event.type", "event.outcome"):
    allowed[name] = {v["name"] for v in flat[name].get("allowed_values", [])}

STRINGY = {"keyword", "constant_keyword", "wildcard", "match_only_text", "text", "date", "ip", "version"}
NUMERIC = {"long", "integer", "short", "byte", "float", "double", "scaled_float", "half_float", "unsigned_long"}


def type_ok(ecs_type, value):
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, bool):
            if ecs_type != "boolean":
                return False
        elif isinstance(v, (int, float)):
            if ecs_type not in NUMERIC:
                return False
        elif isinstance(v, str):
            if ecs_type not in STRINGY and ecs_type not in ("flattened", "object"):
                return False
    return True


unknown, badtype, badvalue = {}, {}, {}
n = 0
for line in sys.stdin:
    ev = json.loads(line)
    n += 1
    module = ev.get("event.module", "?")
    for key, value in ev.items():
        root = key.split(".")[0]
        if root not in roots or key in ("@timestamp",):
            continue
        if key in fields:
            if not type_ok(fields[key], value):
                badtype.setdefault(key, (module, fields[key], value))
        elif not any(key.startswith(c + ".") for c in containers):
            unknown.setdefault(key, module)
        if key in allowed:
            for v in value if isinstance(value, list) else [value]:
                if v not in allowed[key]:
                    badvalue.setdefault((key, v), module)


def report(what, found, show):
    if found:
        print(f"not ok - {what}: {len(found)}")
        for item in list(found.items())[:15]:
            print("#   " + show(item))
    else:
        print(f"ok - {what}")


print(f"# {n} events checked, {len(fields)} ECS fields known")
report("field names in ECS's field sets are ECS fields", unknown,
       lambda i: f"{i[0]} (event.module {i[1]})")
report("field values have the ECS type", badtype,
       lambda i: f"{i[0]} = {json.dumps(i[1][2])[:60]} is not {i[1][1]} (event.module {i[1][0]})")
report("event.kind/category/type/outcome hold allowed values", badvalue,
       lambda i: f"{i[0][0]} = {i[0][1]!r} (event.module {i[1]})")
