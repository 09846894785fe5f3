"""A real Open311 client (the `georeport` package from PyPI) against the running demo.

georeport reads (services, service definitions, requests) in JSON and XML; it has no call for
posting, so the post goes through `requests`, the HTTP library georeport itself uses, exactly as
the GeoReport v2 specification describes (form-encoded, with api_key).
"""
import re

import requests
from georeport import GeoReport

from conftest import BASE_URL


def issue_key(desktop):
    desktop.login("admin")
    desktop.open("/admin/api-keys")
    desktop.find("input[name=name]").send_keys("georeport 测试")
    desktop.find("form.inline-form button[type=submit]").click()
    desktop.shot()
    match = re.search(r"cg_[A-Za-z0-9_-]+", desktop.find("code.secret").text)
    assert match, "the new key is shown once"
    return match.group(0)


def test_georeport_client_lists_posts_and_reads_back(desktop):
    root = BASE_URL + "/open311/v2"
    for output in ("json", "xml"):
        client = GeoReport(root, output_format=output)
        services = client.get_service_list()
        codes = {s["service_code"] for s in services}
        assert {"SZ01", "SD01", "HJ02"} <= codes, output
        definition = client.get_service_definition("SD01")
        assert "households_affected" in str(definition), output

    key = issue_key(desktop)
    # A point inside the demo district (the centre of 石峰区's lattice).
    posted = requests.post(root + "/requests.json", data={
        "api_key": key, "service_code": "SZ01", "lat": "27.876", "long": "113.116",
        "description": "路口井盖缺失，很危险", "address_string": "建设路 18 号",
    })
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    for output in ("json", "xml"):
        client = GeoReport(root, output_format=output)
        found = client.get_service_request(request_id)
        if isinstance(found, list):
            found = found[0]
        found = found.get("request", found) if isinstance(found, dict) and "request" in found else found
        assert found["service_request_id"] == request_id, output
        assert found["status"] == "open"
        listed = client.get_service_requests(service_request_id=request_id)
        assert request_id in str(listed)

    refused = requests.post(root + "/requests.json", data={"service_code": "SZ01", "lat": "27.876", "long": "113.116"})
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
