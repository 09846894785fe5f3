"""Top-down tasks (扁平化派发): a street sends a task to three grids, the grid worker ticks the items
off on the phone, and the street's task page shows the grid's progress without a reload."""
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import Browser, make_driver


def test_a_street_sends_a_task_to_three_grids_and_sees_a_worker_complete_it():
    street = Browser(make_driver(1366, 900), "task-street")
    worker = Browser(make_driver(390, 844), "task-worker")
    try:
        street.login("jd1-zx")
        street.open("/tasks")
        title = f"养老金调整告知{uuid.uuid4().hex[:4]}"
        street.find("input[name=title]").send_keys(title)
        street.find("textarea[name=items]").send_keys("逐户发放告知书\n登记 60 周岁以上老人联系方式")
        due = street.driver.find_element(By.NAME, "dueOn")
        street.driver.execute_script("arguments[0].value = '2030-12-31'", due)
        # Three grids of 新桥社区, wg001's first among them.
        boxes = street.driver.find_elements(By.CSS_SELECTOR, ".grid-group input[type=checkbox]")
        group = next(g for g in street.driver.find_elements(By.CSS_SELECTOR, ".grid-group") if g.text.startswith("新桥社区"))
        picked = group.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")[:3]
        assert len(picked) == 3 and boxes
        for box in picked:
            street.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.click()
        street.find("#new-task button.primary").click()
        street.shot()
        assert "已创建" in street.text(), street.text()[:300]
        assert street.text().count("未开始") == 3

        worker.login("wg001")
        worker.open("/m/")
        assert "1 项未完成" in worker.text()
        worker.open("/m/tasks")
        card = next(c for c in worker.driver.find_elements(By.CSS_SELECTOR, ".phone-card") if title in c.text)
        for _ in range(2):
            card = next(c for c in worker.driver.find_elements(By.CSS_SELECTOR, ".phone-card") if title in c.text)
            form = card.find_element(By.CSS_SELECTOR, "form.task-item")
            form.find_element(By.NAME, "note").send_keys("已完成")
            # The form posts and the page reloads: look again only once the new page is there.
            worker.click_to_next_page(form.find_element(By.CSS_SELECTOR, "button"))
        worker.shot()
        card = next(c for c in worker.driver.find_elements(By.CSS_SELECTOR, ".phone-card") if title in c.text)
        assert "已完成 100%" in card.text

        # The street's open page catches up by itself.
        WebDriverWait(street.driver, 15).until(lambda d: "已完成" in d.find_element(By.CSS_SELECTOR, "#task-progress tbody").text)
        row = next(r for r in street.driver.find_elements(By.CSS_SELECTOR, "#task-progress tbody tr") if "新桥社区第1网格" in r.text)
        assert "2/2" in row.text and "已完成" in row.text
        assert street.find('[data-summary="complete"]').text == "1"
        street.shot()
    finally:
        street.driver.quit()
        worker.driver.quit()
