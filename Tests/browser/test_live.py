"""Live updates in a real browser: an operator has the case list open; a hotline case reported
through the API (as another app or operator would) appears at the top of the page without a reload."""
import time

from selenium.webdriver.common.by import By

from conftest import PASSWORD, api, make_driver, Browser


def test_a_new_case_appears_without_reloading():
    b = Browser(make_driver(1366, 900), "live")
    try:
        b.login("qu-zx")
        b.open("/cases")
        marker = b.driver.execute_script("window.__notReloaded = true; return window.__notReloaded")
        assert marker
        time.sleep(1)  # the EventSource connects
        token = api("/api/v1/auth/token", {"username": "qu-zx", "password": PASSWORD})["token"]
        category = next(c["id"] for c in api("/api/v1/categories", token=token) if c["code"] == "HJ03")
        # No grid given: the position (inside 新桥社区第1网格) decides it.
        created = api("/api/v1/cases", {"categoryID": category, "title": "实时推送测试：夜间施工", "channel": "hotline12345",
                                        "latitude": 27.9242, "longitude": 113.0599}, token)
        assert created["code"].startswith("430204001001001-")
        deadline = time.time() + 10
        text = ""
        while time.time() < deadline:
            text = b.find("#livebar").text
            if created["code"] in text:
                break
            time.sleep(0.2)
        b.shot()
        assert created["code"] in text and "新事件" in text
        assert b.driver.execute_script("return window.__notReloaded === true"), "the page was not reloaded"
        b.find("#livebar a").click()
        b.shot()
        assert created["code"] in b.text()
    finally:
        b.driver.quit()
