"""The exception paths as the people on them see them: a department asks for more time, the street approves,
the deadline and its light change on both pages; a callback finds the problem unsolved and the case is back
with the department."""
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import api, api_token, as_user, submit_action as submit


def resolve_row(browser):
    """The running 办结时限 row of the case page's deadline table: its due text and its light."""
    for row in browser.driver.find_elements(By.CSS_SELECTOR, ".table.compact tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells and "办结时限" in cells[0].text and row.find_elements(By.CSS_SELECTOR, "[data-light]"):
            return cells[1].text, row.find_element(By.CSS_SELECTOR, "[data-light]").get_attribute("data-light")
    return None, None


def case_for_the_department():
    """A resident's report (so it is called back), accepted by 新桥社区, escalated to the street, dispatched by the
    street to 区城管局 and signed for — all through the API, as other people would have done it."""
    community, street, handler = api_token("sq01-zx"), api_token("jd1-zx"), api_token("bm-cg1")
    category = next(c for c in api("/api/v1/categories", token=community) if c["code"] == "SZ01")
    department = next(d for d in api("/api/v1/departments", token=community) if d["code"] == "CG")
    title = f"新桥路{uuid.uuid4().hex[:3]}号井盖缺失"
    root = api("/api/v1/areas", token=community)[0]  # 新桥社区
    grids = api(f"/api/v1/areas?parent={root['id']}", token=community)
    case = api("/api/v1/cases", {"categoryID": category["id"], "title": title, "description": "井盖缺失，夜间危险",
                                 "channel": "resident", "gridID": grids[0]["id"], "reporterName": "王女士"}, token=community)
    cid = case["id"]
    def act(token, body):
        return api(f"/api/v1/cases/{cid}/actions", body, token=token)
    act(community, {"action": "accept"})
    act(community, {"action": "escalate", "comment": "涉及道路产权，需街道协调"})
    act(street, {"action": "dispatch", "department": department["id"], "comment": "请城管局处理"})
    act(handler, {"action": "acknowledge"})
    return cid, title, act, community, handler


def test_an_extension_is_approved_and_a_callback_sends_the_case_back(request):
    cid, title, act, community, handler = case_for_the_department()
    path = f"/cases/{cid}"

    department = as_user("bm-cg1", "workflow-1-department")
    try:
        department.open(path)
        before, light_before = resolve_row(department)
        assert before and light_before in ("green", "yellow", "red")
        def extension(form):
            form.find_element(By.NAME, "comment").send_keys("需采购专用井盖，约一周到货")
            days = form.find_element(By.NAME, "days")
            days.clear()
            days.send_keys("5")
        submit(department, "requestExtension", extension)
        assert "延期申请" in department.text() and "待" in department.find("#pending-request").text
    finally:
        department.driver.quit()

    street = as_user("jd1-zx", "workflow-2-street")
    try:
        street.open("/cases?tab=approvals")
        assert title in street.text(), "the request waits in the street's 待审批 queue"
        street.open(path)
        assert "需采购专用井盖" in street.find("#pending-request").text
        submit(street, "decideExtension", lambda f: f.find_element(By.NAME, "comment").send_keys("同意，请抓紧"))
        after, light_after = resolve_row(street)
        assert after and after != before, (before, after)
        assert light_after == "green", "a new stint starts green"
        assert "已延期" in street.text()
    finally:
        street.driver.quit()

    department = as_user("bm-cg1", "workflow-3-department-after", 390, 844)
    try:
        department.open(path)
        due, light = resolve_row(department)
        assert due == after and light == "green", (due, light)
        assert "已同意" in department.text()
    finally:
        department.driver.quit()

    # The department replies, the community verifies (API); the community then calls the resident back.
    act(handler, {"action": "reply", "comment": "已更换井盖"})
    act(community, {"action": "verify", "passed": True})
    operator = as_user("sq01-zx", "workflow-4-callback")
    try:
        operator.open("/cases?tab=callback")
        assert title in operator.text(), "the 待回访 queue"
        operator.open(path)
        def unsolved(form):
            form.find_element(By.CSS_SELECTOR, "input[name=contact][value=reached]").click()
            form.find_element(By.CSS_SELECTOR, "input[name=resolved][value='0']").click()
            Select(form.find_element(By.NAME, "satisfaction")).select_by_visible_text("不满意")
            form.find_element(By.NAME, "comment").send_keys("井盖还是晃动")
        submit(operator, "callback", unsolved)
        assert operator.find(".badges .status").text == "办理中"
        assert "已联系，未解决，不满意：井盖还是晃动" in operator.text()
    finally:
        operator.driver.quit()

    department = as_user("bm-cg1", "workflow-5-department-rework")
    try:
        department.open("/cases?tab=working")
        assert title in department.text(), "重办: back in the department's queue"
        department.open(path)
        assert department.find("form[data-action=reply]")
    finally:
        department.driver.quit()
