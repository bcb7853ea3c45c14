"""A visitor switches the (cached) status page's language with the header's links, by
mouse and by keyboard."""

import pytest

pytestmark = pytest.mark.browser


def test_a_visitor_switches_the_status_page_to_chinese_and_back(browser_page, web):
    page = browser_page
    page.goto("/status/")
    page.goto("/status/")  # the second answer comes from the cache
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".language-switcher summary").click()
    page.get_by_role("link", name="简体中文").click()
    page.wait_for_url("**/status/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="系统状态").is_visible()

    page.locator(".language-switcher summary").focus()
    page.keyboard.press("Enter")
    english = page.get_by_role("link", name="英语")  # the names are in the page's language
    english.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/status/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="System status").is_visible()
