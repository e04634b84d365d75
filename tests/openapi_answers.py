"""Checking a real API answer against the OpenAPI document the server serves."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema


def check_answer(doc: dict[str, Any], template: str, method: str, answer: httpx.Response) -> None:
    """The answer's status is declared for the route, and its body matches the declared schema."""
    responses = doc["paths"][template][method]["responses"]
    assert str(answer.status_code) in responses, (
        f"{method} {template}: {answer.status_code} undeclared"
    )
    declared = responses[str(answer.status_code)]
    if "$ref" in declared:
        declared = doc["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
    schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if schema is not None:
        jsonschema.validate(
            answer.json(),
            {**schema, "components": doc["components"]},
            cls=jsonschema.Draft202012Validator,
        )
