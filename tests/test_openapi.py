"""The committed OpenAPI schema (docs/openapi.yaml) matches what the code generates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
REGENERATE = "python manage.py spectacular --file docs/openapi.yaml --validate --lang en"


def test_schema_is_valid_without_warnings_and_matches_committed_copy(tmp_path):
    generated = tmp_path / "openapi.yaml"
    try:
        call_command(
            "spectacular",
            "--file",
            str(generated),
            "--validate",
            "--fail-on-warn",
            "--lang",
            "en",
        )
    except CommandError as exc:  # a warning (--fail-on-warn) or an invalid schema (--validate)
        pytest.fail(f"Schema generation warned or failed ({exc}); run `{REGENERATE}` to see why.")
    assert generated.read_text() == COMMITTED.read_text(), (
        f"docs/openapi.yaml is out of date with the API. Regenerate it with `{REGENERATE}` "
        "and commit the result."
    )


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/tickets/" in response.content
    assert client.get("/api/docs/").status_code == 200


def _json_schema(schema, components):
    """An OpenAPI 3.0 schema as JSON Schema: ``$ref`` resolved, ``nullable`` as a null type."""
    if isinstance(schema, list):
        return [_json_schema(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _json_schema(components[schema["$ref"].rsplit("/", 1)[1]], components)
    converted = {key: _json_schema(value, components) for key, value in schema.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _examples(schema):
    """Every request and response example with the schema it illustrates."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, r) for status, r in operation.get("responses", {}).items()]
            for where, body in bodies:
                for media in body.get("content", {}).values():
                    for name, example in media.get("examples", {}).items():
                        label = f"{method.upper()} {path} {where} {name}"
                        yield label, media["schema"], example["value"]


def test_every_example_in_the_schema_is_valid_for_its_body():
    """The examples are what a client copies: each must be what the schema accepts or
    returns (a renamed or new required field fails here, not at a customer's desk)."""
    import yaml
    from jsonschema import Draft7Validator

    schema = yaml.safe_load(COMMITTED.read_text())
    components = schema["components"]["schemas"]
    checked = []
    for label, body_schema, value in _examples(schema):
        errors = list(Draft7Validator(_json_schema(body_schema, components)).iter_errors(value))
        assert not errors, f"{label}: {errors[0].message} at {list(errors[0].path)}"
        checked.append(label)
    operations = {" ".join(label.split()[:2]) for label in checked}
    assert {
        "POST /api/v1/tickets/",
        "POST /api/v1/tickets/{id}/comments/",
        "POST /api/v1/tickets/{id}/transition",
        "POST /api/v1/hotline/calls",
        "POST /api/v1/work-orders/",
        "POST /api/v1/work-orders/{id}/approve",
    } <= operations


def test_every_operation_declares_the_shared_error_responses_in_the_error_shape():
    import yaml

    schema = yaml.safe_load(COMMITTED.read_text())
    operations = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            wanted = {"400", "401", "403", "404", "429"}
            if method != "get":
                wanted |= {"409", "413", "415"}
            responses = operation["responses"]
            assert wanted <= set(responses), f"{method.upper()} {path}: {sorted(responses)}"
            for status in wanted:
                body = responses[status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            assert responses["429"]["headers"]["Retry-After"]["required"]
            operations += 1
    assert operations >= 78
