#!/usr/bin/env python3
"""validate.py SCHEMA JSON_FILE: checks the document against the JSON Schema
subset doctor.schema.json uses (no pip packages on the test machines), plus
what a schema cannot say: the summary counts the checks, fix is null exactly
for "ok", and healthy means no failure. Prints every problem; exit 1 if any."""
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def type_ok(value, want):
    if want == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, TYPES[want])


def check(schema, value, where, problems):
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if not any(type_ok(value, t) for t in types):
            problems.append("%s: %r is not of type %s" % (where, value, "/".join(types)))
            return
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r is not one of %s" % (where, value, schema["enum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            problems.append("%s: shorter than %d" % (where, schema["minLength"]))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append("%s: %r does not match %s" % (where, value, schema["pattern"]))
    if type_ok(value, "integer") and value < schema.get("minimum", value):
        problems.append("%s: %d is below %d" % (where, value, schema["minimum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                problems.append("%s: %s is missing" % (where, key))
        props = schema.get("properties", {})
        for key, sub in value.items():
            if key in props:
                check(props[key], sub, "%s.%s" % (where, key), problems)
            elif schema.get("additionalProperties", True) is False:
                problems.append("%s: unexpected key %s" % (where, key))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            problems.append("%s: fewer than %d items" % (where, schema["minItems"]))
        for i, item in enumerate(value):
            check(schema.get("items", {}), item, "%s[%d]" % (where, i), problems)


def consistent(doc, problems):
    checks, summary = doc.get("checks", []), doc.get("summary", {})
    count = {s: sum(1 for c in checks if c.get("status") == s) for s in ("ok", "warn", "fail")}
    for key, status in (("ok", "ok"), ("warnings", "warn"), ("failures", "fail")):
        if summary.get(key) != count[status]:
            problems.append("summary.%s is %r, the checks say %d" % (key, summary.get(key), count[status]))
    if summary.get("healthy") != (count["fail"] == 0):
        problems.append("summary.healthy is %r with %d failures" % (summary.get("healthy"), count["fail"]))
    for i, c in enumerate(checks):
        if (c.get("fix") is None) != (c.get("status") == "ok"):
            problems.append("checks[%d]: fix must be null exactly when the status is ok" % i)


def main():
    schema = json.load(open(sys.argv[1]))
    try:
        doc = json.load(open(sys.argv[2]))
    except ValueError as e:
        print("not JSON: %s" % e)
        return 1
    problems = []
    check(schema, doc, "$", problems)
    if not problems:
        consistent(doc, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
