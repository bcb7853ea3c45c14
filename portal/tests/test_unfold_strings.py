"""The back office in Chinese: every word of unfold's own is translated (unfold_strings.py)."""

import re
from pathlib import Path

import unfold
from django.utils import translation

# {% trans "…" %} / {% translate "…" %} in templates, _("…") / gettext("…") in code.
MESSAGE = re.compile(
    r"""\{%\s*(?:trans|translate)\s+(["'])(.+?)\1"""
    r"""|(?<![\w.])(?:_|gettext|gettext_lazy)\(\s*(["'])(.+?)\3\s*[,)]"""
)


def unfold_messages():
    root = Path(unfold.__file__).parent
    found = set()
    for path in [*root.rglob("*.html"), *root.rglob("*.py")]:
        for match in MESSAGE.finditer(path.read_text(errors="ignore")):
            found.add(match.group(2) or match.group(4))
    return found


def test_unfold_is_read_for_its_words():
    messages = unfold_messages()
    assert "Search apps and models..." in messages
    assert len(messages) > 100


def test_every_word_of_unfold_is_translated_to_chinese():
    with translation.override("zh-hans"):
        untranslated = sorted(
            message
            for message in unfold_messages()
            if re.search("[A-Za-z]", re.sub(r"%\(\w+\)s", "", message))
            and translation.gettext(message) == message
        )
    assert untranslated == [], "add these to portal/unfold_strings.py and translate them"
