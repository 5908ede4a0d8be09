"""The management UI over HTTPS in a real browser (Debian's Chromium, headless): the
administrator logs in and the Overview lists the three nodes. A screenshot is kept in build/."""

import base64
import hashlib
import shutil
import socket
import ssl

import pytest
from conftest import NODES, tls_context
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from testkit import PROJECT_DIR

NODE = "mq-1"
SCREENSHOT = PROJECT_DIR / "build" / "management-ui.png"


def spki_pin(node):
    """base64(sha256(SubjectPublicKeyInfo)) of the certificate the node presents, verified
    against the CA on the way: Chromium accepts exactly that key for the node's name."""
    with socket.create_connection((NODES[node], 15671), timeout=10) as raw:
        with tls_context().wrap_socket(raw, server_hostname=node) as tls:
            der = tls.getpeercert(binary_form=True)
    spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and chromedriver, "Debian's chromium and chromium-driver are missing " \
                                      "(scripts/ensure-test-tools.sh installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--window-size=1280,1024",
                 f"--user-data-dir={tmp_path / 'profile'}",
                 f"--host-resolver-rules=MAP {NODE} {NODES[NODE]}",
                 f"--ignore-certificate-errors-spki-list={spki_pin(NODE)}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def test_the_administrator_logs_in_and_the_overview_lists_the_three_nodes(browser, admin):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"https://{NODE}:15671/")
    wait = WebDriverWait(browser, 60)
    wait.until(seen.presence_of_element_located((By.NAME, "username"))).send_keys(admin[0])
    browser.find_element(By.NAME, "password").send_keys(admin[1])
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(lambda b: all(f"rabbit@{n}" in b.page_source for n in NODES))
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert "Overview" in browser.title or "Overview" in browser.page_source
    nodes_table = browser.find_element(By.XPATH, "//h2[text()='Nodes']/following::table[1]")
    assert sorted(n for n in NODES if f"rabbit@{n}" in nodes_table.text) == sorted(NODES)
