"""帮办代办 in real browsers: a resident applies from the service guide (phone size), the grid worker
collects the documents at the door with the phone's camera input, the department pre-reviews on its
desk and asks for one more paper, the worker adds it, the department approves; the resident follows
every step by the code."""
import re
import time

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import Browser, make_driver
from test_cases import tiny_png
from test_field import tap, wait_for


def wait_text(browser, text, seconds=15):
    """After a form posts, the next page shows `text` (the old page may still be there for a moment)."""
    def shown():
        try:
            return text in browser.text()
        except StaleElementReferenceException:
            return False
    wait_for(browser, shown, seconds)


def test_resident_applies_worker_collects_department_asks_for_more_then_approves():
    resident = Browser(make_driver(390, 844), "agent-resident")
    worker = Browser(make_driver(390, 844), "agent-worker")
    desk = Browser(make_driver(1366, 900), "agent-desk")
    try:
        resident.open("/r/services?q=dbsq")
        tap(resident, "a[href='/r/services/MZ001']")
        assert "可帮办代办" in resident.text()
        tap(resident, "#apply-agent")
        assert "申请帮办代办" in resident.text() and "户口簿" in resident.text()
        resident.find("input[name=name]").send_keys("陈秀兰")
        resident.find("input[name=phone]").send_keys("13907318888")
        Select(resident.find("select[name=grid]")).select_by_visible_text("新桥社区第1网格")
        resident.find("input[name=address]").send_keys("新桥社区 12 栋 3 单元 502")
        question = resident.find("label input[name=answer]").find_element(By.XPATH, "..").text
        a, b = map(int, re.search(r"(\d) \+ (\d)", question).groups())
        resident.find("input[name=answer]").send_keys(str(a + b))
        time.sleep(2.2)  # a person takes a moment
        tap(resident, "#apply-form button[type=submit]")
        wait_text(resident, "已收到您的申请")
        resident.shot()
        code = resident.find("#tracking-code").get_attribute("data-code")
        tap(resident, "a.button.primary")
        wait_text(resident, "网格员将与您联系并上门收取材料")
        assert "13907318888" not in resident.text()

        # The grid worker of 新桥社区第1网格 collects the documents at the door.
        worker.login("wg001")
        worker.open("/m/")
        assert "帮办代办" in worker.text()
        worker.open("/m/services")
        link = next(a for a in worker.driver.find_elements(By.CSS_SELECTOR, ".phone-list a") if "陈*兰" in a.text and "最低生活保障" in a.text
                    and "待上门收件" in a.text)
        worker.driver.get(link.get_attribute("href"))
        worker.shot()
        path = tiny_png()
        form = worker.find("form.agent-action[data-action=submit]")
        form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
        form.find_element(By.CSS_SELECTOR, "textarea[name=comment]").send_keys("户口簿、身份证已拍照")
        worker.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait_text(worker, "上门收件并报送预审 → 待部门预审")
        worker.shot()
        request_url = worker.driver.current_url.split("?")[0]
        request_id = request_url.rsplit("/", 1)[1]

        # 区民政局 pre-reviews on its desk: sees the document photo, asks for one more paper.
        desk.login("bm-mz1")
        desk.open("/agent-services")
        assert "最低生活保障申请" in desk.text()
        desk.open(f"/agent-services/{request_id}")
        wait_for(desk, lambda: desk.driver.execute_script(
            "return Array.from(document.querySelectorAll('.doc-photos img')).every(i => i.complete && i.naturalWidth > 0)"))
        assert desk.driver.find_elements(By.CSS_SELECTOR, ".doc-photos img"), "the sealed photo is shown to the department"
        form = desk.find("form.agent-action[data-action=askMore]")
        form.find_element(By.CSS_SELECTOR, "input[name=comment]").send_keys("请补充家庭收入情况说明")
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait_text(desk, "需补充材料")
        desk.shot()

        resident.open(f"/r/track/{code}")
        assert "请补充家庭收入情况说明" in resident.text() and "区民政局" in resident.text()

        # The worker sees what is missing first, adds it; the department approves.
        worker.driver.get(request_url)
        worker.shot()
        assert "区民政局：请补充家庭收入情况说明" in worker.text()
        form = worker.find("form.agent-action[data-action=resubmit]")
        form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
        worker.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait_text(worker, "补充材料后重新报送 → 待部门预审")

        desk.open(f"/agent-services/{request_id}")
        assert len(desk.driver.find_elements(By.CSS_SELECTOR, ".doc-photos img")) == 2
        desk.find("form.agent-action[data-action=approve] button").click()
        wait_text(desk, "部门办理中")
        desk.shot()
        assert "留痕完整" in desk.text()

        resident.open(f"/r/track/{code}")
        assert "预审已通过，承办部门正在办理" in resident.text()
        assert resident.no_horizontal_scroll()
    finally:
        for b in (resident, worker, desk):
            b.driver.quit()
