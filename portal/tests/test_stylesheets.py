"""Our stylesheets parse: every block closes, no stray brace, only at-rules browsers know.

An unclosed `@media (max-width: 767px) {` once made every later rule apply only on
phones; browsers accept such a file silently, so the parse is checked here.
"""

from pathlib import Path

import pytest
import tinycss2
from django.conf import settings

KNOWN_AT_RULES = {
    "charset",
    "container",
    "counter-style",
    "font-face",
    "font-feature-values",
    "import",
    "keyframes",
    "layer",
    "media",
    "namespace",
    "page",
    "property",
    "scope",
    "starting-style",
    "supports",
}
# At-rules whose block holds rules (the others hold declarations or nothing).
GROUPING_AT_RULES = {"container", "layer", "media", "scope", "starting-style", "supports"}


def our_stylesheets():
    """Every .css file we write: the project's static folder and each app's, not vendored ones."""
    roots = [Path(settings.BASE_DIR) / "static"]
    roots += [
        path for path in (Path(settings.BASE_DIR) / "support").glob("*/static") if path.is_dir()
    ]
    files = []
    for root in roots:
        files += [path for path in root.rglob("*.css") if "vendor" not in path.parts]
    return sorted(files)


def problems_in(css):
    """What is wrong with a stylesheet's text, as readable lines (empty when it is fine)."""
    problems = []
    tokens = tinycss2.parse_component_value_list(css)
    blocks, braces_elsewhere = 0, 0
    stack = list(tokens)
    while stack:
        token = stack.pop()
        if token.type == "{} block":
            blocks += 1
        if token.type in ("{} block", "[] block", "() block", "function"):
            stack.extend(token.content if token.type != "function" else token.arguments)
        elif token.type in ("comment", "string", "url", "ident", "hash", "at-keyword"):
            braces_elsewhere += str(token.value).count("}")
        elif token.type == "error":
            problems.append(f"line {token.source_line}: {token.message}")
    # Every `{` block ends at a `}` in the text unless the file ran out first.
    closing = css.count("}") - braces_elsewhere - sum("Unmatched }" in p for p in problems)
    if closing < blocks:
        problems.append(f"{blocks - closing} block(s) never closed")
    problems += problems_in_rules(tinycss2.parse_stylesheet(css, skip_whitespace=True))
    return problems


def problems_in_rules(rules, inside=None):
    problems = []
    for rule in rules:
        if rule.type == "error":
            problems.append(f"line {rule.source_line}: {rule.message}")
        elif rule.type == "at-rule":
            name = rule.lower_at_keyword
            if name not in KNOWN_AT_RULES and not name.startswith("-webkit-"):
                problems.append(f"line {rule.source_line}: unknown at-rule @{name}")
            if name == "media" and inside == "media":
                line = rule.source_line
                problems.append(f"line {line}: @media inside @media (a block left open?)")
            if name in GROUPING_AT_RULES and rule.content is not None:
                inner = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
                problems += problems_in_rules(
                    [item for item in inner if item.type != "comment"], inside=name
                )
        elif rule.type == "qualified-rule":
            for item in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
                if item.type == "error":
                    problems.append(f"line {item.source_line}: {item.message}")
    return problems


def test_our_stylesheets_are_found():
    names = {path.name for path in our_stylesheets()}
    assert "portal.css" in names
    assert "pico.min.css" not in names


@pytest.mark.parametrize("path", our_stylesheets(), ids=lambda path: path.name)
def test_stylesheet_parses(path):
    assert problems_in(path.read_text(encoding="utf-8")) == []


def test_a_block_left_open_is_caught():
    css = "@media (max-width: 767px) {\n  h1 { color: red; }\n.ticket-layout { display: grid; }\n"
    assert "1 block(s) never closed" in problems_in(css)


def test_a_media_block_swallowing_the_next_one_is_caught():
    css = "@media (max-width: 767px) {\n a { b: c; }\n@media print { a { b: c; } }\n"
    assert any("@media inside @media" in problem for problem in problems_in(css))


def test_a_stray_brace_is_caught():
    assert any("Unmatched }" in problem for problem in problems_in("a { b: c; } }\n"))


def test_an_unknown_at_rule_is_caught():
    assert problems_in("@madia (max-width: 767px) { a { b: c; } }") == [
        "line 1: unknown at-rule @madia"
    ]


def test_braces_in_strings_and_comments_are_not_counted():
    css = '/* } */ a::after { content: "}"; }\n@media print { a { b: c; } }'
    assert problems_in(css) == []
