import re

import pytest
from drf_spectacular.validation import validate_schema

from .test_schemathesis import served_schema

pytestmark = pytest.mark.django_db


def test_schema_validates_and_describes_every_operation_with_an_example(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    assert "/api/v1/tickets/" in paths and "/status/api/alertmanager/" not in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            examples = [
                media.get("examples")
                for part in [operation.get("requestBody", {}), *operation["responses"].values()]
                for media in part.get("content", {}).values()
            ]
            assert any(examples), (method, path)
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert client.get("/api/schema/").status_code == 200  # YAML by default
    assert schema == served_schema()


def test_docs_page_uses_vendored_assets_and_no_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "<script>" not in page and "<style" not in page
    script = [source for source in sources if "script" in source and "static" not in source]
    assert client.get(script[0]).status_code == 200
