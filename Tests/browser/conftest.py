"""Real-browser tests: Debian's chromium + chromedriver driven by Selenium against a running demo server.

BASE_URL points at the server (scripts/browser-tests starts one on a fresh SQLite database).
Screenshots of every page visited land in Tests/browser/screenshots/ for a human to look at.
"""
import json
import os
import pathlib
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8081")
PASSWORD = "demo1234"
SHOTS = pathlib.Path(__file__).parent / "screenshots"
SHOTS.mkdir(exist_ok=True)


def api(path, body=None, token=None):
    """A JSON call to the server's API (as another app, or another person, would make it)."""
    req = urllib.request.Request(BASE_URL + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read().decode())


def api_token(username):
    return api("/api/v1/auth/token", {"username": username, "password": PASSWORD})["token"]


def make_driver(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(3)
    return driver


class Browser:
    def __init__(self, driver, name):
        self.driver = driver
        self.name = name
        self.shots = 0

    def open(self, path):
        self.driver.get(BASE_URL + path)
        self.shot()

    def shot(self):
        self.shots += 1
        self.driver.save_screenshot(str(SHOTS / f"{self.name}-{self.shots:02d}.png"))

    def login(self, username, password=PASSWORD):
        self.open("/login")
        self.driver.find_element(By.NAME, "username").send_keys(username)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        self.shot()

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def click_to_next_page(self, element, timeout=15):
        """Clicks `element` (a submit button or link) and waits until the browser shows a new document.

        A marker set on the old `window` is gone once the next page has loaded; this avoids asking
        chromedriver about an element of a document it has already thrown away (which it reports as
        an inspector error, not as a stale element)."""
        self.driver.execute_script("window.__beforeClick = true; arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        WebDriverWait(self.driver, timeout).until(lambda d: d.execute_script(
            "return window.__beforeClick !== true && document.readyState === 'complete'"))

    def no_horizontal_scroll(self):
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def as_user(username, name, width=1366, height=900):
    """A new browser window of that size, signed in as `username` (screenshots named `name-NN.png`)."""
    browser = Browser(make_driver(width, height), name)
    browser.login(username)
    return browser


def submit_action(browser, action, fill=None):
    """Fills (with `fill(form)`) and submits the case page's form for `action`; the page must say it was done."""
    form = browser.find(f"form[data-action={action}]")
    if fill:
        fill(form)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.shot()
    assert "操作成功" in browser.text(), browser.text()[:600]


@pytest.fixture
def desktop(request):
    driver = make_driver(1366, 900)
    yield Browser(driver, request.node.name + "-desktop")
    driver.quit()


@pytest.fixture
def phone(request):
    driver = make_driver(390, 844)
    yield Browser(driver, request.node.name + "-phone")
    driver.quit()
