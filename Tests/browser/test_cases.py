"""A case from the grid to 已办结, by the four people who handle it, in a real browser."""
import struct
import tempfile
import uuid
import zlib

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import as_user, submit_action


def tiny_png():
    """A real 2x2 PNG, so the upload goes through the same content checks as a phone photo."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xc8\x10\x2e" * 2 for _ in range(2))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path = tempfile.NamedTemporaryFile(suffix=".png", delete=False)
    path.write(png)
    path.close()
    return path.name


def act(browser, action, comment=None, photo=None):
    def fill(form):
        if comment:
            form.find_element(By.NAME, "comment").send_keys(comment)
        if photo:
            form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(photo)
    submit_action(browser, action, fill)


def status(browser):
    return browser.find(".badges .status").text


def test_case_goes_from_grid_worker_to_closed(request):
    title = f"清水路{uuid.uuid4().hex[:3]}号井盖破损"
    worker = as_user("wg001", "case-1-worker", 390, 844)
    try:
        worker.open("/cases/new")
        Select(worker.find("select[name=category]")).select_by_visible_text("井盖破损丢失")
        worker.find("input[name=title]").send_keys(title)
        worker.find("textarea[name=description]").send_keys("井盖翘起，晚上有老人绊倒")
        worker.find("form.form button[type=submit]").click()
        worker.shot()
        assert "事件已上报" in worker.text()
        assert status(worker) == "待网格长审核"
        case_url = worker.driver.current_url.split("?")[0]
        path = case_url.split("8081")[-1] if "8081" in case_url else "/" + case_url.split("/", 3)[3]
    finally:
        worker.driver.quit()

    leader = as_user("sq01-wgz", "case-2-leader")
    try:
        leader.open(path)
        act(leader, "approveEscalation")
        assert status(leader) == "待受理"
    finally:
        leader.driver.quit()

    operator = as_user("sq01-zx", "case-3-operator")
    try:
        operator.open("/cases?tab=pending")
        assert title in operator.text(), "the new case waits in the community's 待受理 queue"
        operator.open(path)
        act(operator, "accept")
        assert status(operator) == "待交办"
        dispatch = operator.find("form[data-action=dispatch]")
        assert Select(dispatch.find_element(By.NAME, "department")).first_selected_option.text == "区城管局"
        act(operator, "dispatch", comment="请三个工作日内更换")
        assert status(operator) == "待签收"
    finally:
        operator.driver.quit()

    handler = as_user("bm-cg1", "case-4-handler")
    try:
        handler.open("/cases?tab=sign")
        assert title in handler.text()
        handler.open(path)
        act(handler, "acknowledge")
        assert status(handler) == "办理中"
        act(handler, "reply", comment="已更换新井盖", photo=tiny_png())
        assert status(handler) == "待核查"
        assert handler.driver.find_elements(By.CSS_SELECTOR, ".photos img"), "the reply photo is shown"
    finally:
        handler.driver.quit()

    worker = as_user("wg001", "case-5-verify", 390, 844)
    try:
        worker.open(path)
        act(worker, "verify", comment="现场已核实")
        assert status(worker) == "已办结"
        steps = [e.text for e in worker.driver.find_elements(By.CSS_SELECTOR, ".timeline .what strong")]
        assert steps == ["上报", "审核上报", "受理", "交办部门", "签收", "办结反馈", "核查"], steps
        assert worker.no_horizontal_scroll()
    finally:
        worker.driver.quit()


def test_a_non_image_upload_is_refused_with_a_reason(desktop):
    desktop.login("wg001")
    desktop.open("/cases/new")
    Select(desktop.find("select[name=category]")).select_by_visible_text("路灯不亮")
    desktop.find("input[name=title]").send_keys("路灯不亮（附件测试）")
    fake = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)
    fake.write(b"this is not a photo")
    fake.close()
    desktop.find("input[type=file]").send_keys(fake.name)
    desktop.find("form.form button[type=submit]").click()
    desktop.shot()
    assert "不是 JPEG、PNG 或 HEIC 照片" in desktop.text()
    desktop.open("/cases?tab=mine")
    assert "路灯不亮（附件测试）" not in desktop.text(), "nothing was written"


def test_operator_sees_queues_and_deadlines(desktop):
    desktop.login("qu-zx")
    desktop.open("/cases?tab=all")
    rows = desktop.driver.find_elements(By.CSS_SELECTOR, "table.cases tbody tr")
    assert len(rows) == 30, "a full first page of the district's history"
    desktop.open("/negative-list")
    assert "按责任方汇总" in desktop.text()
    desktop.open("/calendar?year=2026")
    assert "国庆节" in desktop.text() and "调休上班" in desktop.text()
