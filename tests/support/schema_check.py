#!/usr/bin/env python3
"""schema_check - validate smtpprobe's JSON documents against its schemas.

usage: schema_check.py SCHEMA_DIR --meta
       schema_check.py SCHEMA_DIR NAME FILE [NAME FILE]...

--meta checks that every *.schema.json in SCHEMA_DIR is a valid JSON
Schema draft 2020-12 and that every $ref in it resolves. NAME FILE
validates the JSON document in FILE against NAME.schema.json.

Exit status: 0 all valid, 1 something is not (said on stderr), 2 usage,
77 python3-jsonschema (Debian) is not installed.
"""
import glob
import json
import os
import sys
import urllib.parse

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    sys.stderr.write("schema_check: python3-jsonschema is not installed\n")
    sys.exit(77)


def load(schema_dir):
    store = {}
    for path in sorted(glob.glob(os.path.join(schema_dir, "*.schema.json"))):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        store[os.path.basename(path)[:-len(".schema.json")]] = schema
    return store


def validator(store, schema):
    """A validator for schema that finds the others in store by $id."""
    try:
        from referencing import Registry, Resource
    except ImportError:
        # jsonschema before 4.18 (Debian 12 has 4.10): the older resolver.
        ids = {s["$id"]: s for s in store.values()}
        resolver = jsonschema.RefResolver.from_schema(schema, store=ids)
        return Draft202012Validator(schema, resolver=resolver)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in store.values())
    return Draft202012Validator(schema, registry=registry)


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def resolve(store, schema, ref):
    """Raise when ref, read from schema, names nothing."""
    absolute = urllib.parse.urljoin(schema["$id"], ref)
    try:
        from referencing import Registry, Resource
    except ImportError:
        ids = {s["$id"]: s for s in store.values()}
        jsonschema.RefResolver.from_schema(schema, store=ids).resolve(
            absolute)
        return
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in store.values())
    registry.resolver().lookup(absolute)


def meta(store):
    """Each schema valid draft 2020-12, each of its $ref resolvable."""
    bad = 0
    if not store:
        sys.stderr.write("schema_check: no schemas found\n")
        return 1
    for name, schema in store.items():
        try:
            if schema.get("$schema") != \
                    "https://json-schema.org/draft/2020-12/schema":
                raise ValueError("$schema is not draft 2020-12")
            Draft202012Validator.check_schema(schema)
            for ref in refs(schema):
                resolve(store, schema, ref)
        except Exception as e:  # one line per bad schema
            sys.stderr.write("schema_check: %s.schema.json: %s\n" %
                             (name, str(e).splitlines()[0]))
            bad += 1
    return 1 if bad else 0


def main(argv):
    if len(argv) < 3 or (argv[2] != "--meta" and len(argv) % 2 != 0):
        sys.stderr.write(__doc__)
        return 2
    store = load(argv[1])
    if argv[2] == "--meta":
        return meta(store)
    bad = 0
    for name, path in zip(argv[2::2], argv[3::2]):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            sys.stderr.write("schema_check: %s: %s\n" % (path, e))
            bad += 1
            continue
        if name not in store:
            sys.stderr.write("schema_check: no schema %s\n" % name)
            return 2
        errors = sorted(validator(store, store[name]).iter_errors(doc),
                        key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            where = "/".join(str(p) for p in e.absolute_path)
            sys.stderr.write("schema_check: %s (%s): at /%s: %s\n" %
                             (path, name, where, e.message[:300]))
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
