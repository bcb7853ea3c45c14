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


def test_saving_one_profile_section_asks_before_dropping_what_was_typed_in_another(
    browser_page, owner, organization
):
    page = browser_page
    sign_in_with_browser(page, owner.email)
    page.goto("/accounts/profile/")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    name = page.get_by_label("Full name")
    name.select_text()
    name.press_sequentially("Olivia Q. Owner")  # typed, as a person does
    page.get_by_role("button", name="Save survey preference").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert name.input_value() == "Olivia Q. Owner"  # still there to save

    page.remove_listener("dialog", answer)
    page.get_by_role("button", name="Save profile").click()  # its own form: no question
    page.wait_for_load_state()
    owner.refresh_from_db()
    assert owner.full_name == "Olivia Q. Owner"
