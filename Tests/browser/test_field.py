"""The field front line at phone size: the grid worker's app (online report with a photo, then a
visit and a report made offline that sync once), and a resident who scans a building's QR code,
reports, tracks and rates. QR codes are decoded from a screenshot with zbar (zbarimg)."""
import re
import shutil
import subprocess
import time
import urllib.parse
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import BASE_URL, SHOTS, Browser, api, make_driver
from conftest import api_token as token
from test_cases import tiny_png


def waiting(browser):
    """Records waiting on the phone (IndexedDB)."""
    return browser.driver.execute_async_script(
        "var done = arguments[arguments.length - 1]; window.civicgridField.all().then(function (r) { done(r.length); });")


def wait_for(browser, condition, seconds=20):
    WebDriverWait(browser.driver, seconds, poll_frequency=0.3).until(lambda d: condition())


def tap(browser, css):
    """Scrolls the element to the middle of the screen (clear of the fixed tab bar) and taps it."""
    element = browser.find(css)
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def pick_category(browser):
    select = Select(browser.find("select[name=category]"))
    select.select_by_index(2)


def offline(browser, yes):
    browser.driver.set_network_conditions(offline=yes, latency=0, download_throughput=-1 if not yes else 0,
                                          upload_throughput=-1 if not yes else 0)


def test_grid_worker_reports_online_then_offline_records_sync_once():
    worker = Browser(make_driver(390, 844), "field-worker")
    try:
        worker.login("wg001")
        # Online: a report with a photo lands on 我的工作.
        worker.open("/m/report")
        pick_category(worker)
        online_text = f"在线上报{uuid.uuid4().hex[:6]}"
        worker.find("textarea[name=description]").send_keys(online_text + " 路灯不亮")
        worker.find("input[name='photos[]']").send_keys(tiny_png())
        tap(worker, "form[data-offline] button[type=submit]")
        wait_for(worker, lambda: "notice=reported" in worker.driver.current_url)
        worker.shot()
        assert "事件已上报" in worker.text()
        assert online_text in worker.text(), "listed under 我上报的"

        # Someone to visit, and the app's pages cached by the service worker.
        worker.open("/m/visits")
        link = worker.driver.find_elements(By.CSS_SELECTOR, ".phone-list a[href*='/m/visits/new']")
        if not link:
            for surname in "王李张刘陈杨黄赵周吴":
                worker.open("/m/visits?q=" + urllib.parse.quote(surname))
                link = worker.driver.find_elements(By.CSS_SELECTOR, ".phone-list a[href*='/m/visits/new']")
                if link:
                    break
        assert link, "someone in the worker's grid to visit"
        visit_url = link[0].get_attribute("href")
        person = re.search(r"person=([0-9A-Fa-f-]+)", visit_url).group(1)
        worker.driver.get(visit_url)
        wait_for(worker, lambda: worker.driver.execute_script("return !!navigator.serviceWorker.controller"))

        # No signal: a visit and a report are kept on the phone.
        offline(worker, True)
        visit_note = f"离线走访{uuid.uuid4().hex[:6]}，老人身体尚好"
        worker.find("textarea[name=note]").send_keys(visit_note)
        worker.find("input[name='photos[]']").send_keys(tiny_png())
        tap(worker, "form[data-offline] button[type=submit]")
        wait_for(worker, lambda: "已保存到手机" in worker.find("#queued-notice").text)
        worker.shot()
        assert waiting(worker) == 1

        worker.open("/m/report")  # from the service worker's cache
        pick_category(worker)
        offline_text = f"离线上报{uuid.uuid4().hex[:6]}"
        worker.find("textarea[name=description]").send_keys(offline_text + " 井盖松动")
        tap(worker, "form[data-offline] button[type=submit]")
        wait_for(worker, lambda: "待同步 2" in worker.find("#queued-notice").text)
        assert worker.find("#sync-badge").is_displayed()
        assert worker.find("#net-state").is_displayed(), "离线 shown"
        worker.shot()

        # Signal again: both go up, in order, once.
        offline(worker, False)
        wait_for(worker, lambda: waiting(worker) == 0, 30)
        # A second sync finds nothing more to send.
        worker.driver.execute_async_script("var done = arguments[arguments.length - 1]; window.civicgridField.sync().then(function () { done(); });")
        worker.open("/m/")
        assert worker.text().count(offline_text) == 1, worker.text()
        assert worker.text().count(online_text) == 1
        worker.open(f"/registry/people/{person}")
        assert worker.text().count(visit_note) == 1, "the visit is on the person's record once"
        assert worker.driver.find_elements(By.CSS_SELECTOR, "img.visit-thumb"), "with its photo"
        mine = api("/api/v1/cases?tab=mine&pageSize=100", token=token("wg001"))["items"]
        assert sum(1 for c in mine if offline_text in c["description"]) == 1
    finally:
        worker.driver.quit()


def decode_qr(png_path):
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (zbar-tools) is needed to decode the QR codes"
    out = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png_path], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


def test_resident_scans_a_building_qr_reports_tracks_and_rates():
    staff = Browser(make_driver(1000, 1400), "field-qr-sheet")
    resident = Browser(make_driver(390, 844), "field-resident")
    try:
        staff.login("wg001")
        staff.open("/m/grid")
        staff.driver.get(staff.find("a[href$='/qr']").get_attribute("href"))
        wait_for(staff, lambda: staff.driver.execute_script(
            "return Array.from(document.images).filter(i => i.src.includes('qr.svg')).every(i => i.complete && i.naturalWidth > 0)"))
        urls = [img.get_attribute("data-url") for img in staff.driver.find_elements(By.CSS_SELECTOR, ".qr-label img")]
        assert urls, "the grid has buildings to label"
        shot = str(SHOTS / "field-qr-sheet-decode.png")
        staff.driver.save_screenshot(shot)
        decoded = decode_qr(shot)
        assert decoded and all(u in urls for u in decoded), (decoded, urls)
        building_url = decoded[0]
        assert re.fullmatch(re.escape(BASE_URL) + r"/b/[2-9A-HJKMNP-Z]{8}", building_url), building_url

        # The resident scans: the grid's people and a button to report here.
        resident.driver.get(building_url)
        resident.shot()
        assert "您的网格服务团队" in resident.text()
        assert "网格员" in resident.text() and "0731-" in resident.text()
        tap(resident, "a.button.primary")
        assert "地址：" in resident.text(), "the place comes from the building"
        pick_category(resident)
        problem = f"楼道灯不亮{uuid.uuid4().hex[:4]}，晚上上下楼很危险"
        resident.find("textarea[name=description]").send_keys(problem)
        resident.find("input[name=phone]").send_keys("13907319999")
        question = resident.find("label input[name=answer]").find_element(By.XPATH, "..").text
        a, b = map(int, re.search(r"(\d) \+ (\d)", question).groups())
        resident.find("input[name=answer]").send_keys(str(a + b))
        time.sleep(2.2)  # a person takes a moment; an instant answer is a script's
        tap(resident, "form.phone-form button[type=submit]")
        resident.shot()
        assert "已收到您的报告" in resident.text(), resident.text()[:400]
        code = resident.find("#tracking-code").get_attribute("data-code")
        assert len(code) == 10

        tap(resident, "a.button.primary")
        resident.shot()
        assert "等待指挥中心受理" in resident.text()
        assert "13907319999" not in resident.text()

        # The community handles it; the grid worker verifies.
        case = next(c for c in api("/api/v1/cases?tab=pending&pageSize=100", token=token("sq01-zx"))["items"] if problem in c["description"])
        operator = token("sq01-zx")
        for action in ({"action": "accept"}, {"action": "handleLocally", "comment": "物业更换灯泡"}, {"action": "reply", "comment": "已更换楼道灯"}):
            api(f"/api/v1/cases/{case['id']}/actions", action, operator)
        api(f"/api/v1/cases/{case['id']}/actions", {"action": "verify", "passed": True}, token("wg001"))

        resident.open(f"/r/track/{code}")
        assert "已更换楼道灯" in resident.text()
        tap(resident, "input[name=satisfaction][value=satisfied]")
        # The code alone does not rate (staff can read it): the last four of the phone reported with.
        resident.find("input[name=phoneTail]").send_keys("9999")
        tap(resident, "form[action$='/rate'] button")
        resident.shot()
        assert "感谢您的评价" in resident.text()
        assert "您的评价" in resident.text() and "满意" in resident.text()
    finally:
        staff.driver.quit()
        resident.driver.quit()
