"""ref_problems and operation_error_ids resolve with `referencing`: what resolves, what names nowhere."""
from __future__ import annotations

from pathlib import Path

from b24conform.contract.validate import SpecFiles, operation_error_ids, ref_problems


def spec_of(root: Path, openapi: dict, schemas: dict) -> SpecFiles:
    spec = SpecFiles(root=root)
    spec.openapi, spec.schemas = openapi, schemas
    return spec


def test_pointers_anchors_and_escapes_resolve(tmp_path):
    schemas = {
        "a.json": {"$defs": {"x/y": {"type": "string"}, "n": {"$anchor": "named", "type": "integer"}},
                   "properties": {"p": {"$ref": "#/$defs/x~1y"}, "q": {"$ref": "#named"}, "r": {"$ref": "b.json#/0"}}},
        "b.json": {"prefixItems": [{"type": "null"}], "0": {"type": "null"}},
    }
    openapi = {"components": {"schemas": {"A": {"$ref": "schemas/a.json#/$defs/n"}}},
               "paths": {"/x": {"$ref": "#/components/schemas/A"}}}
    assert ref_problems(spec_of(tmp_path, openapi, schemas)) == []


def test_each_unresolvable_ref_is_named_once(tmp_path):
    schemas = {"a.json": {"properties": {"p": {"$ref": "#/$defs/gone"}, "q": {"$ref": "#nowhere"},
                                         "r": {"$ref": "c.json"}, "s": {"$ref": "https://example.org/x.json"}}},
               "b.json": ["not", "a", "schema"]}
    openapi = {"paths": {"/x": {"$ref": "schemas/b.json#/7"}}}
    problems = ref_problems(spec_of(tmp_path, openapi, schemas))
    assert sorted(problems) == sorted([
        "openapi.yaml: /paths/~1x: $ref 'schemas/b.json#/7': no such location #/7",
        "schemas/a.json: /properties/p: $ref '#/$defs/gone': no such location #/$defs/gone",
        "schemas/a.json: /properties/q: $ref '#nowhere': no such location #nowhere",
        "schemas/a.json: /properties/r: $ref 'c.json': no such file",
        "schemas/a.json: /properties/s: $ref 'https://example.org/x.json': points outside spec/",
    ]) or problems


def test_error_ids_follow_refs_and_survive_a_loop_or_a_dead_end():
    openapi = {"components": {"responses": {
        "Bad": {"$ref": "#/components/responses/Real"},
        "Real": {"x-b24-error-ids": ["E1"]},
        "Loop": {"$ref": "#/components/responses/Loop"},
    }}}
    operation = {"responses": {"400": {"$ref": "#/components/responses/Bad"},
                               "401": {"$ref": "#/components/responses/Loop"},
                               "403": {"$ref": "#/components/responses/Gone"},
                               "200": {"description": "ok"}}}
    assert operation_error_ids(openapi, operation) == {"400": ["E1"], "401": [], "403": [], "200": []}


def test_an_anchor_past_a_malformed_schema_is_a_problem_not_a_crash(tmp_path):
    schemas = {"a.json": {"properties": {"q": {"$ref": "#named"}}},
               "b.json": {"items": [{"type": "null"}]}}   # an array `items`: no 2020-12 schema
    problems = ref_problems(spec_of(tmp_path, {}, schemas))
    assert len(problems) == 1 and problems[0].startswith("schemas/a.json: /properties/q: $ref '#named': "), problems
