"""Post text: Mastodon's character counting and safe rendering."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from salon.posts import text

LONG_URL = "https://example.com/" + "a" * 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", 0),
        ("hello", 5),
        ("héllo wörld", 11),
        (LONG_URL, 23),
        ("http://x.io", 23),  # short links count 23 too
        (f"see {LONG_URL}.", 4 + 23 + 1),  # trailing punctuation is not part of the link
        (f"{LONG_URL} {LONG_URL}", 23 + 1 + 23),
        ("@alice", 6),
        ("@alice@example.social", 6),
        ("hi @alice@very.long.domain.example.com!", 3 + 6 + 1),
        ("#tag", 4),
        ("mail bob@example.com", 20),  # an email address is not a mention
        ("line\nbreak", 10),
    ],
)
def test_count_as_mastodon_does(body: str, expected: int) -> None:
    assert text.count(body) == expected


def test_count_keeps_balanced_parentheses_in_links() -> None:
    url = "https://en.wikipedia.org/wiki/Salon_(gathering)"
    assert text.count(f"({url})") == 1 + 23 + 1
    assert f'href="{url}"' in text.render(f"({url})").html


def test_mentions_tags_and_links_become_links() -> None:
    rendered = text.render(
        "Hi @Alice and @alice, see #Art #art and https://example.com/page?a=1&b=2",
        {"alice": "Alice"},
    )
    assert rendered.mentions == ["alice"]
    assert rendered.tags == ["Art"]
    assert 'href="/@Alice" class="mention"' in rendered.html
    assert rendered.html.count('class="mention"') == 2
    assert 'href="/tags/art" class="hashtag"' in rendered.html and ">#Art</a>" in rendered.html
    assert 'href="https://example.com/page?a=1&amp;b=2"' in rendered.html
    assert 'rel="nofollow noopener noreferrer"' in rendered.html


def test_unknown_and_remote_mentions_stay_text() -> None:
    rendered = text.render("@ghost and @alice@elsewhere.social", {"alice": "alice"})
    assert rendered.mentions == []
    assert "<a" not in rendered.html
    assert "@ghost and @alice@elsewhere.social" in rendered.html
    assert text.mentioned_usernames("@Ghost @alice@elsewhere.social @ghost x@bob") == ["ghost"]


def test_not_tags() -> None:
    rendered = text.render("#123 #_hidden a#b &#39; https://x.io/#frag")
    assert rendered.tags == []
    assert "hashtag" not in rendered.html


def test_long_links_are_shortened_for_display_only() -> None:
    rendered = text.render(LONG_URL)
    assert f'href="{LONG_URL}"' in rendered.html
    assert ">example.com/" + "a" * 17 + "…</a>" in rendered.html


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
        '"><svg onload=alert(1)>',
    ],
)
def test_markup_is_escaped(body: str) -> None:
    html = text.render(body).html
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;" in html
    assert "javascript:" not in html.split("&lt;")[0]
    assert "<a" not in html


@pytest.mark.parametrize(
    "body",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
    ],
)
def test_other_schemes_never_become_links(body: str) -> None:
    html = text.render(body).html
    assert "<a" not in html
    assert "href" not in html


def test_links_keep_only_http_schemes() -> None:
    html = text.render("go https://ok.example/<script> or javascript:x https://a.b/c").html
    hrefs = [h.split('"')[0] for h in html.split('href="')[1:]]
    assert hrefs == ["https://ok.example/", "https://a.b/c"]
    assert "<script" not in html and "&lt;script&gt;" in html


def test_quotes_in_links_cannot_break_out_of_the_attribute() -> None:
    html = text.render('https://ok.example/x"onmouseover=alert(1)').html
    assert 'href="https://ok.example/x"' in html
    assert " onmouseover" not in html.split(">")[0]


def test_paragraphs_and_line_breaks() -> None:
    html = text.render("one\ntwo\r\n\r\n\n three  \n\n").html
    assert html == "<p>one<br>two</p><p>three</p>"
    assert text.render("").html == ""
    assert text.render("   \n\n  ").html == ""


def test_trailing_punctuation_stays_outside_links() -> None:
    html = text.render("Look: https://example.com/a. Nice!").html
    assert 'href="https://example.com/a"' in html
    assert "</a>. Nice!" in html


def test_mention_with_trailing_punctuation_and_case() -> None:
    rendered = text.render("thanks @BOB!", {"bob": "Bob"})
    assert rendered.mentions == ["bob"]
    assert '<a href="/@Bob" class="mention"' in rendered.html
    assert "</a>!" in rendered.html


def test_plain() -> None:
    html = text.render("a <b> & @x #tag").html
    assert " ".join(text.plain(html).split()) == "a <b> & @x #tag"


# Shapes that made the text pipeline quadratic or could: runs of link-trimming punctuation,
# unbalanced parentheses, bare sigils, one endless link, tag soup.
ADVERSARIAL = {
    "closing parens": lambda n: "http://a" + ")" * n,
    "opening parens": lambda n: "http://a" + "(" * n,
    "balanced then closing": lambda n: "http://a" + "()" * (n // 4) + ")" * (n // 2),
    "at signs": lambda n: "@" * n,
    "hashes": lambda n: "#" * n,
    "url characters": lambda n: "http://" + "a" * n,
    "nested punctuation": lambda n: "http://a" + "([{.,;:!?'\"}])" * (n // 14),
    "mention domains": lambda n: " @a@" + "a." * (n // 2),
    "angle brackets": lambda n: "<" * n,
}


def _best(function: Callable[[str], object], body: str) -> float:
    # CPU time, the fastest of five: other work on a busy machine only ever adds time.
    times = []
    for _ in range(5):
        start = time.process_time()
        function(body)
        times.append(time.process_time() - start)
    return min(times)


@pytest.mark.parametrize("shape", ADVERSARIAL)
@pytest.mark.parametrize("function", [text.count, text.render, text.mentioned_usernames,
                                      text.plain])
def test_adversarial_text_takes_linear_time(
    shape: str, function: Callable[[str], object]
) -> None:
    # Four times the input must take about four times as long; quadratic work takes sixteen.
    n = 50_000
    small = _best(function, ADVERSARIAL[shape](n))
    large = _best(function, ADVERSARIAL[shape](4 * n))
    assert large < 8 * max(small, 1e-4), (shape, small, large)


def test_a_megabyte_of_closing_parentheses_is_counted() -> None:
    body = "http://a" + ")" * 1_000_000
    assert text.count(body) == 23 + 1_000_000
    assert text.render(body).html.startswith('<p><a href="http://a"')
