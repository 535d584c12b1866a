#!/usr/bin/env python3
"""Checks answers of the management API against its OpenAPI document, both ways.

Usage: .venv/bin/python tests/support/openapi_check.py SPEC.yaml EXCHANGES.json [--described-only]

The document must be valid OpenAPI 3.1 (openapi-spec-validator). EXCHANGES is a JSON list of what a test sent and got: {"method", "path" (as sent, percent-encoded),
"status", "contentType", "body"}. Every exchange must be described by the document: its path and
method an operation, its status one of that operation's responses, its content type the one
documented, its body valid against the schema (JSON Schema 2020-12, as OpenAPI 3.1 has it; the
schemas say additionalProperties: false and list every property as required, so a field missing
or a field not documented fails). And every operation and every status the document lists must
have been seen at least once: the document promises nothing the server does not do. With
--described-only, only the first half: for a test that sees a few answers of one feature (the
IAM Identity Center sign-ins in tests/sso_outputs.rs), the second is tests/manage_api.rs's.

Prints one line per problem and exits 1 when there is any; prints a summary and exits 0 otherwise.
Nothing here talks to the network.
"""

import copy
import datetime
import json
import re
import sys

import jsonschema
import openapi_spec_validator
import referencing
import referencing.jsonschema
import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def absolute_refs(node):
    """The document's "#/..." references as "urn:manage-api#/...", resolvable in a registry."""
    if isinstance(node, dict):
        return {
            k: ("urn:manage-api" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else absolute_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [absolute_refs(v) for v in node]
    return node


def resolve(spec, node):
    """A response or parameter object, following one $ref."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def date_time(value):
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def main(argv):
    spec_path, exchanges_path = argv[1], argv[2]
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    with open(exchanges_path) as f:
        exchanges = json.load(f)
    # The document itself first: valid OpenAPI 3.1 (an invalid one checks nothing).
    openapi_spec_validator.validate(spec)
    resource = referencing.Resource.from_contents(
        absolute_refs(spec), default_specification=referencing.jsonschema.DRAFT202012
    )
    registry = referencing.Registry().with_resource("urn:manage-api", resource)
    formats = jsonschema.FormatChecker()
    formats.checks("date-time", raises=ValueError)(date_time)

    operations = {}
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        for method in METHODS:
            if method in item:
                operations[(template, method)] = (re.compile(pattern), item[method])
    seen = set()
    problems = []
    for n, x in enumerate(exchanges):
        where = f"#{n} {x['method']} {x['path']} -> {x['status']}"
        path = x["path"].split("?", 1)[0]
        method = x["method"].lower()
        matches = [t for (t, m), (p, _) in operations.items() if m == method and p.match(path)]
        # A literal path wins over a template (/manage/session over nothing; kept general).
        matches.sort(key=lambda t: t.count("{"))
        if not matches:
            problems.append(f"{where}: no operation in the document")
            continue
        template = matches[0]
        operation = operations[(template, method)][1]
        responses = operation["responses"]
        status = str(x["status"])
        if status not in responses:
            problems.append(f"{where}: status not documented (documented: {', '.join(responses)})")
            continue
        seen.add((template, method, status))
        response = resolve(spec, responses[status])
        content = response.get("content", {})
        ctype = (x.get("contentType") or "").split(";")[0].strip()
        if ctype not in content:
            problems.append(f"{where}: content type {ctype!r} not documented ({', '.join(content) or 'none'})")
            continue
        schema = absolute_refs(content[ctype].get("schema", {}))
        if ctype == "application/json":
            try:
                body = json.loads(x["body"])
            except ValueError as e:
                problems.append(f"{where}: not JSON: {e}")
                continue
        else:
            body = x["body"]
        validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=formats)
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            at = "/".join(str(p) for p in error.absolute_path) or "(the body)"
            problems.append(f"{where}: {at}: {error.message}")
    for (template, method), (_, operation) in operations.items():
        if "--described-only" in argv:
            break
        for status in operation["responses"]:
            if (template, method, status) not in seen:
                problems.append(f"{method.upper()} {template} -> {status}: documented, never seen")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(exchanges)} exchanges, {len(seen)} documented answers, all seen and valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
