"""The OpenAPI document: served at /openapi.json, shipped in docs/, and useful."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from ssd_gateway.api.openapi import document, openapi_text
from tests.api.conftest import DAYCARE, REPO, Api

SHIPPED = REPO / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def served(open_api: Callable[[str], Api]) -> dict[str, object]:
    """The document a gateway serves."""
    response = open_api(DAYCARE).client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


def test_shipped_document_equals_what_the_app_generates(served: dict[str, object]) -> None:
    """docs/openapi.json is current (regenerate: ssd-gateway api openapi -o docs/openapi.json)."""
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == served
    assert SHIPPED.read_text(encoding="utf-8") == openapi_text(document())


def test_the_cli_prints_the_same_document() -> None:
    """``ssd-gateway api openapi`` prints exactly the shipped file."""
    result = subprocess.run([sys.executable, "-m", "ssd_gateway", "api", "openapi"],
                            capture_output=True, text=True, check=True, timeout=60,
                            env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})
    assert result.stdout == SHIPPED.read_text(encoding="utf-8")


def test_every_v1_operation_is_tagged_summarised_secured_and_answers_problems(
        served: dict[str, object]) -> None:
    """Each /v1 operation has a tag, a summary, bearer security and problem+json errors."""
    doc: dict = served  # type: ignore[assignment]
    assert doc["components"]["securitySchemes"]["token"] == {
        **doc["components"]["securitySchemes"]["token"], "type": "http", "scheme": "bearer"}
    assert {t["name"] for t in doc["tags"]} >= {"transfers", "consents", "stafetlog", "policy"}
    operations = [(path, op) for path, ops in doc["paths"].items() if path.startswith("/v1/")
                  for op in ops.values()]
    assert len(operations) >= 15
    for path, op in operations:
        assert op["tags"] and op["summary"], path
        assert op["security"] == [{"token": []}], path
        for status in ("401", "403", "422"):
            content = op["responses"][status]["content"]
            assert content == {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}, (path, status)


def test_response_models_and_bodies_are_described(served: dict[str, object]) -> None:
    """Submit answers a TransferView; exports take csv/xml/json bodies and take ?to=."""
    doc: dict = served  # type: ignore[assignment]
    submit = doc["paths"]["/v1/messages"]["post"]
    assert submit["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TransferView"}
    export = doc["paths"]["/v1/exports/{mapping_id}"]["post"]
    assert {"text/csv", "application/xml", "application/json"} <= set(
        export["requestBody"]["content"])
    assert {"name": "to", "in": "query", "required": True}.items() <= next(
        p for p in export["parameters"] if p["name"] == "to").items()
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) >= {"type", "title", "status", "code"}
