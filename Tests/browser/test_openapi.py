"""The served OpenAPI document is a valid OpenAPI 3.1 document (checked by openapi-spec-validator)."""
import requests
from openapi_spec_validator import validate

from conftest import BASE_URL


def test_openapi_document_is_valid():
    doc = requests.get(BASE_URL + "/openapi.json").json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/cases/{id}/actions" in doc["paths"]
