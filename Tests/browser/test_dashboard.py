"""The command center's big screen in a real browser (1920×1080): a case reported through the API in
another session shows on the open board within seconds — today's intake goes up and the case is on
the latest list — without a reload. Then the statistics page, drilled down one level."""
import time

from selenium.webdriver.common.by import By

from conftest import PASSWORD, api, make_driver, Browser


def test_the_big_screen_updates_live_when_a_case_is_reported_elsewhere():
    b = Browser(make_driver(1920, 1080), "dashboard")
    try:
        b.login("qu-zx")
        b.open("/dashboard")
        assert "指挥中心" in b.text()
        assert b.driver.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(7, 17, 31)", "dark"
        before = int(b.find("[data-figure='今日受理']").text)
        b.driver.execute_script("window.__notReloaded = true")
        time.sleep(1)  # the EventSource connects
        token = api("/api/v1/auth/token", {"username": "sq01-zx", "password": PASSWORD})["token"]
        category = next(c["id"] for c in api("/api/v1/categories", token=token) if c["code"] == "SZ02")
        title = "大屏实时测试：新桥路路灯不亮"
        api("/api/v1/cases", {"categoryID": category, "title": title, "channel": "wechatGroup", "latitude": 27.9242, "longitude": 113.0599}, token)
        deadline = time.time() + 10
        while time.time() < deadline:
            if title in b.find("#bs-latest").text and int(b.find("[data-figure='今日受理']").text) == before + 1:
                break
            time.sleep(0.2)
        b.shot()
        assert title in b.find("#bs-latest").text
        assert int(b.find("[data-figure='今日受理']").text) == before + 1
        assert b.driver.execute_script("return window.__notReloaded === true"), "updated in place"
        assert b.driver.find_elements(By.CSS_SELECTOR, ".bs-mapsvg path"), "the map of streets"

        b.open("/stats")
        assert "结案率" in b.text() and "统计口径" in b.text() and "派遣准确率" in b.text()
        b.find("#stats-children a").click()
        b.shot()
        assert "街道" in b.text() and "返回上级" in b.text()
    finally:
        b.driver.quit()
