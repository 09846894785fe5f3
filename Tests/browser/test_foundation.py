"""The foundation as people use it: logins per role, the area tree, staff admin, residents."""
import os
import pathlib
import re
import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


def test_wrong_password_gets_a_clear_chinese_message(desktop):
    desktop.login("admin", "not-the-password1")
    assert "用户名或密码错误" in desktop.text()
    assert desktop.driver.current_url.endswith("/login")


def test_administrator_browses_the_tree_by_clicking_the_map(desktop):
    desktop.login("admin")
    assert "管理员" in desktop.text() and "下辖网格" in desktop.text()
    desktop.find("nav.mainnav a[href='/areas']").click()
    desktop.shot()
    assert "株洲市" in desktop.driver.title
    desktop.find("table.table a").click()  # the district
    desktop.shot()
    assert "石峰区" in desktop.driver.title
    shapes = desktop.driver.find_elements(By.CSS_SELECTOR, "svg.map a")
    assert len(shapes) == 5, "five streets drawn on the district map"
    desktop.driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", shapes[0])
    time.sleep(0.3)
    desktop.shot()
    assert "街道" in desktop.driver.title
    assert "下级社区(村)（8）" in desktop.text()


def test_administrator_creates_and_deletes_a_grid(desktop):
    desktop.login("admin")
    desktop.open("/areas")
    # Walk down: city → district → first street → first community.
    for _ in range(3):
        desktop.find("table.table tbody tr a").click()
    community = desktop.driver.title.split(" · ")[0]
    desktop.find("a.button.primary").click()  # 新建网格
    desktop.shot()
    name = f"{community}测试网格{uuid.uuid4().hex[:4]}"
    desktop.find("input[name=name]").send_keys(name)
    desktop.find("form.form button[type=submit]").click()
    desktop.shot()
    assert "已创建" in desktop.text()
    assert name in desktop.driver.title
    code = desktop.find("dd code").text
    assert len(code) == 15 and code.isdigit()
    desktop.driver.execute_script("window.confirm = () => true")
    desktop.find("button.danger").click()
    desktop.shot()
    assert "已删除" in desktop.text()
    assert name not in desktop.text()


def test_empty_name_is_refused_with_the_reason(desktop):
    desktop.login("admin")
    desktop.open("/areas")
    for _ in range(3):
        desktop.find("table.table tbody tr a").click()
    desktop.find("a.button.primary").click()
    desktop.driver.execute_script("document.querySelector('input[name=name]').removeAttribute('required')")
    desktop.find("input[name=name]").send_keys("   ")
    desktop.find("form.form button[type=submit]").click()
    desktop.shot()
    assert "名称不能为空" in desktop.text()


def test_grid_worker_home_fits_a_phone(phone):
    phone.login("wg001")
    text = phone.text()
    assert "网格员（专职）" in text
    assert "网格团队" in text and "网格长" in text
    assert phone.no_horizontal_scroll()
    phone.find("p.actions a.button").click()
    phone.shot()
    assert "网格编码" in phone.text()
    assert phone.no_horizontal_scroll()


def test_street_operator_cannot_open_the_next_street(desktop):
    desktop.login("jd1-zx")
    desktop.open("/areas")
    assert "清水塘街道" in desktop.driver.title
    own = desktop.driver.current_url
    desktop.open("/areas/" + str(int(own.rsplit("/", 1)[1]) + 1))
    assert "页面不存在" in desktop.text() or "清水塘街道" not in desktop.driver.title


def test_role_form_shows_only_the_fields_that_apply(desktop):
    desktop.login("admin")
    desktop.open("/staff/new")
    role = Select(desktop.find("select[name=role]"))
    role.select_by_value("handler")
    assert not desktop.find("[data-for=area]").is_displayed()
    assert desktop.find("[data-for=department]").is_displayed()
    role.select_by_value("gridWorker")
    assert desktop.find("[data-for=area]").is_displayed()
    assert desktop.find("[data-for=employment]").is_displayed()
    desktop.shot()


def test_admin_sees_masked_phones_and_reveal_is_logged(desktop):
    desktop.login("admin")
    desktop.open("/staff?q=wg001")
    cells = desktop.driver.find_elements(By.CSS_SELECTOR, "table.table tbody td")
    assert "****" in cells[2].text
    desktop.find("table.table tbody a").click()
    desktop.find("button[title]").click()  # 查看完整号码
    desktop.shot()
    assert "本次查看已记录" in desktop.text()


def test_resident_registers_and_finds_their_grid_worker(phone):
    phone.open("/register")
    number = "139" + str(uuid.uuid4().int)[:8]
    phone.find("input[name=name]").send_keys("王居民")
    phone.find("input[name=phone]").send_keys(number)
    phone.find("input[name=password]").send_keys("home by the river")
    phone.find("input[name=password2]").send_keys("home by the river")
    phone.find("form.form button[type=submit]").click()
    phone.shot()
    assert "验证码已发送至" in phone.text()
    # The demo's SMS sender writes the text to the server log (masked number, the code).
    log = pathlib.Path(os.environ["SERVER_LOG"]).read_text(encoding="utf-8")
    code = re.findall(r"验证码为 (\d{6})", log)[-1]
    phone.find("input[name=code]").send_keys(code)
    phone.find("form.form button[type=submit]").click()
    phone.shot()
    assert "注册成功" in phone.text()
    phone.find("input[name=q]").send_keys("社区第1网格")
    phone.find("form.searchbar button").click()
    phone.shot()
    rows = phone.driver.find_elements(By.CSS_SELECTOR, "table.table tbody tr")
    assert len(rows) > 0
    assert phone.no_horizontal_scroll()
