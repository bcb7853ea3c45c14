import pytest

from portal.markdown import render_markdown, render_markdown_with_toc

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<div onclick="alert(1)" class="admonition">x</div>',
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)">',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_payloads_come_out_inert(payload):
    html = render_markdown(payload).lower()
    for dangerous in ("<script", "onerror", "onload", "onclick", "javascript:", "<style",
                      "<iframe", "<svg", "data:text/html"):  # fmt: skip
        assert dangerous not in html


def test_markdown_features_survive_sanitising():
    html = render_markdown(
        "## Steps\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```bash\ndig example.com\n```\n\n"
        '!!! warning "Careful"\n    Back up first.\n\n[docs](https://example.com)'
    )
    assert '<h2 id="steps">Steps</h2>' in html
    assert '<table tabindex="0">' in html
    assert '<code class="language-bash">dig example.com' in html
    assert '<div class="admonition warning">' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_table_of_contents_links_to_heading_anchors():
    body, toc = render_markdown_with_toc("## First\n\ntext\n\n### Second\n\nmore")
    assert 'id="first"' in body
    assert 'href="#first"' in toc and 'href="#second"' in toc


def test_unicode_round_trips():
    text = "重置密码 🚀 مرحبا"
    assert text in render_markdown(text)


def test_images_become_links_and_never_load():
    """Before: `<img src="https://…">` in a customer's text loaded in staff views."""
    html = render_markdown(
        '![Error <page>](https://tracker.example/p.png "t")\n\n<img src="https://x.example/a.gif">'
    )
    assert "<img" not in html
    assert (
        '<a href="https://tracker.example/p.png" rel="noopener noreferrer nofollow">'
        "Image: Error &lt;page&gt;</a>"
    ) in html
    assert '<a href="https://x.example/a.gif" rel="noopener noreferrer nofollow">Image</a>' in html
