import pytest

from support.inbound.htmltext import html_to_text
from support.inbound.quotes import is_forward, strip_quotes

NEW = "The new part.\nSecond line."


@pytest.mark.parametrize(
    "history",
    [
        "On Fri, Nov 20, 2026 at 9:12 AM Hosting Support <support@example.com> wrote:\n> old",
        "On Fri, 20 Nov 2026 at 10:05, Hosting Support <support@example.com>\nwrote:\n\n> old",
        "-----Original Message-----\nFrom: Hosting Support\nSent: Friday\nold",
        "________________________________\nFrom: Hosting Support <support@example.com>\n"
        "Sent: Friday, November 20, 2026 9:12 AM\nTo: Olivia\nSubject: x\n\nold",
        "From: Hosting Support <support@example.com>\nDate: Friday\nSubject: x\n\nold",
        "-----原始邮件-----\n发件人: Hosting Support\n发送时间: 2026年11月20日 10:21\nold",
        '------------------ 原始邮件 ------------------\n发件人: "Hosting Support"\nold',
        "------------------&nbsp;Original&nbsp;------------------".replace("&nbsp;", " ")
        + "\nFrom: x\nold",
        "发件人： Hosting Support\n发送时间： 2026-11-20 10:21\n收件人： 张喆\nold",
        '在 2026年11月20日 10:21，"Hosting Support"<support@example.com> 写道：\n> old',
        "Hosting Support <support@example.com> 于2026年11月20日周五 10:21写道：\n\n> old",
        "寄件者: Hosting Support\n寄件日期: 2026年11月19日\nold",
        "Le 19/11/2026 à 17:40, Hosting Support a écrit :\n> old",
        "Am 19.11.2026 um 17:40 schrieb Hosting Support:\n> old",
        "-- \nOlivia Owner\nAcme Corp",
        "> old\n> older",
    ],
)
def test_history_is_cut(history):
    assert strip_quotes(f"{NEW}\n\n{history}\n") == NEW


@pytest.mark.parametrize(
    "footer", ["Sent from my iPhone", "发自我的iPhone", "发自我的 iPad", "Get Outlook for Android"]
)
def test_mobile_footers_are_removed(footer):
    assert strip_quotes(f"{NEW}\n\n{footer}\n") == NEW


def test_text_that_only_looks_alike_is_kept():
    text = "From: our logs I see errors.\nThe date is wrong too.\nOn Monday it worked."
    assert strip_quotes(text) == text


def test_interleaved_answers_are_kept():
    text = "> Which PHP version?\n8.3\n> Which site?\nshop.acme.example"
    assert strip_quotes(text) == text


def test_nothing_left_means_the_full_text_is_kept():
    assert strip_quotes("> only quoted\n> text") == "> only quoted\n> text"


@pytest.mark.parametrize(
    "subject, forward",
    [("Fwd: x", True), ("FW: x", True), ("转发: x", True), ("Re: Fwd: x", False), ("x", False)],
)
def test_is_forward(subject, forward):
    assert is_forward(subject) is forward


def test_html_outlook_web_marker_ends_the_text():
    html = (
        '<div>New text</div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> x</div><div>old text</div>'
    )
    assert html_to_text(html, drop_quotes=True) == "New text"
    assert "old text" in html_to_text(html)


def test_html_is_inert_text():
    html = '<p onclick="x()">Hi <script>alert(1)</script><b>there</b> &lt;b&gt;</p><img alt="logo">'
    assert html_to_text(html) == "Hi there <b>\n\n[logo]"


def test_html_pre_keeps_spacing():
    assert html_to_text("<pre>a   b\n  c</pre>") == "a   b\n  c"
