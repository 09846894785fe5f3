"""Operator corrections on the case page: a 12345 order that arrived 待分类 is given its real category (改分类),
its duplicate from a grid worker is then found and it is merged; another report of a different category is
merged by typing the master's number."""
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import api, api_token, as_user

SPOT = {"latitude": 27.8391, "longitude": 113.1452}


def report(token, code, title, channel, grid):
    category = next(c for c in api("/api/v1/categories", token=token) if c["code"] == code)
    return api("/api/v1/cases", {"categoryID": category["id"], "title": title, "description": title, "channel": channel,
                                 "gridID": grid, **SPOT}, token=token)


def test_recategorize_then_merge_the_duplicate_and_merge_across_categories():
    district = api_token("qu-zx")
    root = api("/api/v1/areas", token=api_token("sq01-zx"))[0]  # 新桥社区
    grid = api(f"/api/v1/areas?parent={root['id']}", token=district)[0]["id"]
    tag = uuid.uuid4().hex[:4]
    master = report(district, "SZ01", f"新桥路{tag}号井盖缺失", "wechatGroup", grid)
    order = report(district, "QT99", f"新桥路{tag}号有个井没盖子，晚上很危险", "hotline12345", grid)
    other = report(district, "HJ03", f"新桥路{tag}号路口有个坑", "hotline12345", grid)

    operator = as_user("qu-zx", "corrections-1-recategorize")
    try:
        operator.open(f"/cases/{order['id']}")
        assert master["code"] not in operator.text(), "another category: no duplicate suggested yet"
        form = operator.find("form[data-action=recategorize]")
        Select(form.find_element(By.NAME, "category")).select_by_visible_text("井盖破损丢失（办结 3 个工作日）")
        form.find_element(By.NAME, "comment").send_keys("热线类别未对照，实为井盖缺失")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        operator.shot()
        text = operator.text()
        assert "类别已更改" in text, text[:600]
        assert "类别由“待分类（热线类别未对照）”改为“井盖破损丢失”" in text, "the trail says what changed and why"
        assert "改分类重算" in text, "the old clock ended as recomputed"
        duplicates = operator.find("#duplicates")
        assert master["code"] in duplicates.text, "found again under the new category"
        duplicates.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        operator.shot()
        assert "已并入主事件" in operator.text()

        operator.open(f"/cases/{other['id']}")
        operator.find("#merge-any summary").click()
        box = operator.find("#merge-any")
        box.find_element(By.NAME, "master").send_keys(master["code"])
        box.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        operator.shot()
        text = operator.text()
        assert "已并入主事件" in text and "类别随主事件改为“井盖破损丢失”" in text, text[:600]
    finally:
        operator.driver.quit()
