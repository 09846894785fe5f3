"""The map in a real browser: a district operator opens the map, zooms from the district into a
street, a community and a grid by clicking them, sees the grid's summary and its cases as pins,
opens one, and zooms the drawing with the mouse wheel."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import make_driver, Browser


def set_layers(b, on, days=None):
    form = b.find("#mapform")
    for box in form.find_elements(By.CSS_SELECTOR, "input[name='layer[]']"):
        if box.is_selected() != (box.get_attribute("value") in on):
            box.click()
    if days:
        Select(form.find_element(By.NAME, "days")).select_by_value(days)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    b.shot()


def zoom_into(b, name):
    b.find(f"a.zoom[data-name='{name}']").click()
    b.shot()
    assert f"地图 · {name}" in b.driver.title


def test_zoom_from_district_to_a_grid_and_see_its_cases():
    b = Browser(make_driver(1366, 1000), "map")
    try:
        b.login("qu-zx")
        b.open("/map")
        assert "地图 · 石峰区" in b.driver.title
        assert len(b.driver.find_elements(By.CSS_SELECTOR, "svg#gridmap a.zoom")) == 5, "five streets to click"
        assert len(b.driver.find_elements(By.CSS_SELECTOR, "svg#gridmap .pin")) > 0, "cases are pins"
        # Pins off while zooming, so the click lands on the area itself.
        set_layers(b, {"heat"})
        assert len(b.driver.find_elements(By.CSS_SELECTOR, "svg#gridmap .pin")) == 0
        zoom_into(b, "清水塘街道")
        zoom_into(b, "新桥社区")
        zoom_into(b, "新桥社区第1网格")
        side = b.find("aside.mapside").text
        assert "网格员" in side and "人口" in side and "未办结事件" in side
        assert "已是最小网格" in b.text()
        # The grid's cases, for the last year, as coloured pins with a legend.
        set_layers(b, {"cases", "buildings"}, days="365")
        pins = b.driver.find_elements(By.CSS_SELECTOR, "svg#gridmap .pin")
        assert len(pins) > 0
        legend = b.find(".legend").text
        assert "办理中" in legend and "已办结" in legend and "超时" in legend
        assert len(b.driver.find_elements(By.CSS_SELECTOR, "svg#gridmap .bld")) > 0, "buildings shown"
        # The wheel zooms the drawing (view box shrinks) without leaving the page.
        before = b.driver.execute_script("return document.getElementById('gridmap').viewBox.baseVal.width")
        b.driver.execute_script("""
            var s = document.getElementById('gridmap'), r = s.getBoundingClientRect();
            s.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true}));
        """)
        after = b.driver.execute_script("return document.getElementById('gridmap').viewBox.baseVal.width")
        assert after < before
        b.shot()
        # A case from the grid's list opens its page.
        links = b.driver.find_elements(By.CSS_SELECTOR, "aside.mapside .caselist a")
        if links:
            code = links[0].find_element(By.TAG_NAME, "code").text
            links[0].click()
            b.shot()
            assert code in b.text()
        # Search jumps to a grid by name.
        b.open("/map?q=" + "建设社区第1网格")
        b.find("aside.mapside .results a").click()
        b.shot()
        assert "地图 · 建设社区第1网格" in b.driver.title
        assert b.no_horizontal_scroll()
    finally:
        b.driver.quit()


def test_hotspots_and_boundary_export():
    b = Browser(make_driver(1366, 900), "hotspots")
    try:
        b.login("admin")
        b.open("/map/hotspots?weeks=26&min=3")
        assert "热点问题" in b.text()
        assert len(b.driver.find_elements(By.CSS_SELECTOR, "table.hotspots tbody tr")) > 0, "the demo has recurring problems"
        b.open("/map/boundaries")
        assert "下载 GeoJSON" in b.text() and "导入边界" in b.text()
    finally:
        b.driver.quit()
