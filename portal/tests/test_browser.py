import pytest

from accounts.models import Service
from conftest import sign_in_with_browser

pytestmark = pytest.mark.browser


def test_a_customer_signs_in_switches_to_chinese_and_sees_their_services(
    browser_page, owner, organization
):
    Service.objects.create(organization=organization, name="web01.acme.example", kind="dedicated")
    page = browser_page
    sign_in_with_browser(page, owner.email)
    assert page.get_by_role("heading", name="Hello, Olivia").is_visible()
    assert page.get_by_role("cell", name="web01.acme.example").is_visible()

    page.locator(".language-switcher summary").click()
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="您的服务").is_visible()

    owner.refresh_from_db()
    assert owner.language == "zh-hans"


def test_the_header_works_by_keyboard(browser_page, db):
    page = browser_page
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    assert skip_link.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
