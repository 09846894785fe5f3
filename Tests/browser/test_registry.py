"""The registry in a real browser: an import with one bad row is refused whole, the fixed file is
imported, a person is found by the last four ID digits, unmasked with a reason, and the
administrator sees that in the access log."""
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import make_driver, Browser

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2, 1]
CHECK = "10X98765432"
GRID = "430204001001001"  # 新桥社区第1网格 in the demo district


def id_number(birth, seq, region="110105"):
    body = f"{region}{birth}{seq:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def csv_file(rows):
    header = "网格编码,姓名,身份证号,联系电话,人口类型,户号,与户主关系,楼栋,房号,工作单位或就业情况,标签"
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    f.write("\n".join([header] + rows) + "\n")
    f.close()
    return f.name


def upload(browser, path):
    browser.open("/registry/import")
    form = browser.find("#import-form")
    Select(form.find_element(By.NAME, "kind")).select_by_value("people")
    Select(form.find_element(By.NAME, "areaID")).select_by_visible_text("　　　新桥社区（430204001001）")
    form.find_element(By.NAME, "file").send_keys(path)
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    browser.shot()


def test_import_find_unmask_and_audit():
    first = id_number("19850312", 417)
    second = id_number("19900101", 418)
    third = id_number("20120607", 419)
    bad_third = third[:-1] + ("0" if third[-1] != "0" else "1")
    good = [f"{GRID},测试甲,{first},13907319901,户籍人口,T-01,户主,,,退休,",
            f"{GRID},测试乙,{second},,户籍人口,T-01,配偶,,,,"]

    op = Browser(make_driver(1366, 900), "registry")
    op.login("sq01-zx")
    try:
        # One bad row: the whole file is refused with the row, column and reason; nothing written.
        upload(op, csv_file(good + [f"{GRID},测试丙,{bad_third},12345,户籍人口,T-01,子女,,,,"]))
        text = op.text()
        assert "校验未通过" in text
        issues = op.find("#import-issues").text
        assert "4 身份证号" in issues and "校验位" in issues
        assert "4 联系电话" in issues
        op.open(f"/registry?q={first[-4:]}")
        assert "测试甲" not in op.find("#results").text

        # Fixed: previewed (masked), confirmed, written.
        upload(op, csv_file(good + [f"{GRID},测试丙,{third},,户籍人口,T-01,子女,,,在校学生,"]))
        assert "校验通过" in op.text()
        assert first not in op.text(), "the preview is masked"
        op.find("#commit-import").click()
        op.shot()
        assert "已导入 3 条人口记录" in op.text()

        # Found by the last four digits; masked until shown with a reason.
        op.open(f"/registry?q={first[-4:]}")
        op.driver.find_element(By.LINK_TEXT, "测试甲").click()
        op.shot()
        assert op.find("#idNumber").text == first[:4] + "*" * 10 + first[-4:]
        op.find("details.reveal summary").click()
        form = op.find("details.reveal form")
        Select(form.find_element(By.NAME, "field")).select_by_value("idNumber")
        form.find_element(By.NAME, "reason").send_keys("浏览器测试核对身份")
        form.find_element(By.CSS_SELECTOR, "button").click()
        op.shot()
        assert op.find("#idNumber").text == first
        assert "已记入访问日志" in op.text()
        # Same household, built by the import.
        assert "测试乙" in op.text() and "测试丙" in op.text()
    finally:
        op.driver.quit()

    admin = Browser(make_driver(1366, 900), "registry-admin")
    admin.login("admin")
    try:
        admin.open("/admin/access-log")
        log = admin.find("#access-log").text
        assert "浏览器测试核对身份" in log
        assert "测*甲" in log and "身份证号" in log
    finally:
        admin.driver.quit()


def test_grid_overview_coverage_and_special_groups_render():
    worker = Browser(make_driver(412, 900), "registry-phone")
    worker.login("wg001")
    try:
        worker.open("/registry")
        worker.driver.find_element(By.PARTIAL_LINK_TEXT, "第1网格").click()
        worker.shot()
        assert "看房知人" in worker.text()
        assert worker.no_horizontal_scroll()
        worker.find("table tbody tr td a").click()
        worker.shot()
        assert "房屋、住户与人员" in worker.text()
        worker.open("/registry/special?status=overdue")
        assert "特殊人群" in worker.text()
        worker.open("/registry/coverage")
        text = worker.text()
        assert "区不漏地" in text and "户不漏人" in text
    finally:
        worker.driver.quit()
