"""A resident without GPS reports by typing an address: the grid is found from the registry's standard
addresses and a tracking code comes back; an address that fits several places offers a short choice."""
import re
import time
import uuid

from selenium.webdriver.common.by import By

from conftest import Browser, make_driver
from test_field import pick_category, tap


def fill(resident, problem, address):
    pick_category(resident)
    resident.find("textarea[name=description]").clear()
    resident.find("textarea[name=description]").send_keys(problem)
    box = resident.find("input[name=address]")
    box.clear()
    box.send_keys(address)
    resident.find("input[name=phone]").clear()
    resident.find("input[name=phone]").send_keys("13907318888")
    question = resident.find("label input[name=answer]").find_element(By.XPATH, "..").text
    a, b = map(int, re.search(r"(\d) \+ (\d)", question).groups())
    resident.find("input[name=answer]").send_keys(str(a + b))
    time.sleep(2.2)  # a person takes a moment


def test_a_resident_reports_by_address_alone_and_gets_a_code():
    resident = Browser(make_driver(390, 844), "address-1-resident")
    try:
        resident.open("/r/report")
        fill(resident, f"路边井盖松动{uuid.uuid4().hex[:4]}，踩上去会翻", "建设北路３号门口")
        tap(resident, "form.phone-form button[type=submit]")
        resident.shot()
        if resident.driver.find_elements(By.CSS_SELECTOR, "[data-address-choices]"):
            # Several places fit: the first is chosen already; what was typed is still there.
            assert "建设北路" in resident.find("input[name=address]").get_attribute("value")
            fill(resident, "路边井盖松动，踩上去会翻", "建设北路３号门口")
            tap(resident, "form.phone-form button[type=submit]")
            resident.shot()
        assert "已收到您的报告" in resident.text(), resident.text()[:400]
        assert len(resident.find("#tracking-code").get_attribute("data-code")) == 10

        # Not an address at all: said plainly, on the resident's page, with the words kept.
        resident.open("/r/report")
        fill(resident, "楼下有垃圾没人清理，味道很大", "不知道在哪")
        tap(resident, "form.phone-form button[type=submit]")
        resident.shot()
        assert "请写明路名和门牌号" in resident.text()
        assert "楼下有垃圾没人清理" in resident.find("textarea[name=description]").get_attribute("value")
    finally:
        resident.driver.quit()
