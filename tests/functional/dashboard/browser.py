"""Headless Chromium driven by Selenium, for the dashboard test.

Chromium and chromedriver are Debian's (``apt-get install chromium
chromium-driver``); nothing is downloaded at run time (Selenium Manager is not
used: the driver's path is given). Every step saves a screenshot, and
:meth:`Browser.check_page` fails the test when Horizon shows an error: an
``alert-danger`` message, an error toast, or its "page does not exist" or
server-error page.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time

from selenium import webdriver
from selenium.common import exceptions as sel_exc
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--window-size=1400,1000')

#: Seconds a page element or state gets to appear (the machine may be busy).
WAIT = 60

_ERROR_SELECTOR = ('.alert-danger, .alert-error, .toast-error, '
                   '.messages .alert.alert-danger')
_ERROR_PAGES = ('Sorry, the page you were looking for does not exist',
                'Something went wrong!', 'Server Error (500)')


def find_binaries() -> tuple[str | None, str | None]:
    """Paths of chromium and chromedriver, or None where missing."""
    return (shutil.which('chromium') or shutil.which('chromium-browser'),
            shutil.which('chromedriver'))


class PageError(AssertionError):
    """The dashboard showed an error."""


class Browser:
    """One headless Chromium with a fresh profile; screenshots go to ``shots``."""

    def __init__(self, base_url: str, shots: str) -> None:
        chromium, driver = find_binaries()
        self.base_url = base_url
        self.shots = shots
        self.count = 0
        os.makedirs(shots, exist_ok=True)
        self.profile = tempfile.mkdtemp(prefix='mlt_chromium_')
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument('--user-data-dir=%s' % self.profile)
        self.driver = webdriver.Chrome(service=Service(driver), options=options)
        self.driver.set_page_load_timeout(300)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- waiting and looking ---------------------------------------------------
    def wait(self, condition, timeout: float = WAIT, message: str = ''):
        # Angular re-renders as data arrives: an element seen a moment ago may be
        # gone, which only means "look again".
        return WebDriverWait(self.driver, timeout, poll_frequency=0.25,
                             ignored_exceptions=(sel_exc.StaleElementReferenceException,
                                                 sel_exc.NoSuchElementException)).until(
            condition, message)

    def visible(self, css: str, timeout: float = WAIT):
        return self.wait(ec.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout,
                         'no visible %s on %s' % (css, self.driver.current_url))

    def clickable(self, css: str, timeout: float = WAIT):
        return self.wait(ec.element_to_be_clickable((By.CSS_SELECTOR, css)), timeout,
                         'nothing clickable at %s on %s' % (css, self.driver.current_url))

    def xpath(self, xpath: str, timeout: float = WAIT):
        return self.wait(ec.element_to_be_clickable((By.XPATH, xpath)), timeout,
                         'nothing clickable at %s on %s' % (xpath, self.driver.current_url))

    def text_present(self, text: str, timeout: float = WAIT) -> None:
        self.wait(lambda d: text in d.find_element(By.TAG_NAME, 'body').text, timeout,
                  '%r not shown on %s' % (text, self.driver.current_url))

    def body(self) -> str:
        return self.driver.find_element(By.TAG_NAME, 'body').text

    def errors(self) -> list[str]:
        """Error messages the page shows right now."""
        def scan(driver):
            found = [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR,
                                                                    _ERROR_SELECTOR)
                     if e.is_displayed() and e.text.strip()]
            body = self.body()
            return (found + [text for text in _ERROR_PAGES if text in body],)
        return self.wait(scan, WAIT, 'the page kept changing')[0]

    def shot(self, name: str) -> str:
        """Save a screenshot ``NN-name.png``; returns its path."""
        self.count += 1
        path = os.path.join(self.shots, '%02d-%s.png' % (self.count, re.sub(r'\W+', '-', name)))
        self.driver.save_screenshot(path)
        return path

    def check_page(self, name: str) -> None:
        """Screenshot, then fail if the page shows an error."""
        self.wait_idle()
        path = self.shot(name)
        errors = self.errors()
        if errors:
            raise PageError('%s (%s) shows an error: %s; screenshot %s'
                            % (name, self.driver.current_url, errors, path))

    def wait_idle(self) -> None:
        """Wait until Angular has no HTTP request in flight and no spinner shows."""
        script = '''
            var el = document.querySelector('[ng-app]') || document.body;
            if (!window.angular) { return true; }
            try {
                var http = angular.element(el).injector().get('$http');
                return http.pendingRequests.length === 0;
            } catch (e) { return true; }
        '''
        self.wait(lambda d: d.execute_script(script), WAIT, 'requests still pending')
        self.wait(lambda d: not [e for e in d.find_elements(
            By.CSS_SELECTOR, '.modal-backdrop.in .loader, .spinner-inline, .horizon-spinner')
            if e.is_displayed()], WAIT, 'spinner still shown')

    # -- actions -----------------------------------------------------------------
    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait(lambda d: d.execute_script('return document.readyState') == 'complete')

    def login(self, username: str, password: str) -> None:
        self.open('/auth/logout/')
        self.open('/auth/login/')
        self.visible('#id_username').send_keys(username)
        self.driver.find_element(By.ID, 'id_password').send_keys(password)
        self.shot('login-%s' % username)
        self.driver.find_element(By.ID, 'loginBtn').click()
        self.wait(lambda d: '/auth/login' not in d.current_url, WAIT, 'login did not finish')

    def fill(self, name: str, value: str) -> None:
        """Type ``value`` into the visible field named ``name`` (cleared first)."""
        field = self.visible('[name="%s"]' % name)
        field.clear()
        field.send_keys(value)

    def select(self, name: str, text: str) -> None:
        """Pick the option shown as ``text`` in the visible select named ``name``."""
        def ready(driver):
            element = driver.find_element(By.CSS_SELECTOR, 'select[name="%s"]' % name)
            labels = [o.text.strip() for o in Select(element).options]
            return element if element.is_displayed() and text in labels else False
        element = self.wait(ready, WAIT, 'option %r of %s not offered' % (text, name))
        Select(element).select_by_visible_text(text)

    def click_text(self, text: str, tag: str = '*') -> None:
        """Click the visible element (button, link, tab) whose text is ``text``."""
        xpath = ('//%s[normalize-space(.)=%s and not(ancestor-or-self::*[contains(@class,'
                 '"ng-hide")])]' % (tag, _quote(text)))

        def visible(driver):
            for element in driver.find_elements(By.XPATH, xpath):
                if element.is_displayed() and element.is_enabled():
                    return element
            return False
        element = self.wait(visible, WAIT, 'no %r to click on %s' % (text, self.driver.current_url))
        try:
            element.click()
        except sel_exc.ElementClickInterceptedException:
            self.driver.execute_script('arguments[0].click();', element)

    def wait_for(self, predicate, timeout: float, message: str, refresh: float = 5.0):
        """Poll ``predicate()`` (reloading the page every ``refresh`` s) until truthy.

        The predicate reads the page only once Angular has no request in
        flight: a reload returns at the page's load event, while magnum-ui is
        still fetching, and a page read then can show one request's data and
        not the next one's (a cluster without its template's name).
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.wait_idle()
                result = predicate()
            except sel_exc.StaleElementReferenceException:
                result = None
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(message)
            time.sleep(refresh)
            self.driver.refresh()


def _quote(text: str) -> str:
    if '"' not in text:
        return '"%s"' % text
    return "concat(%s)" % ', \'"\', '.join('"%s"' % part for part in text.split('"'))
