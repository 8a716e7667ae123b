"""Reading articles from HTML pages (the body and metadata without the page's clutter), the page's
url and retrieval time on the Source, fetching switched off in tests, and the English-only
check."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import StateAliasFactory, StateFactory
from tracker.models import Evidence, PermitDecision, Source
from tracker.partial_dates import PartialDate
from tracker.services.ingest.reading import (
    Article,
    IngestError,
    detect_language,
    ensure_english,
    fetch_article,
    parse_html,
    read_article,
)
from tracker.services.ingest.store import article_ingest

BODY = [
    "Norway suspended export licences for air-defence missiles to Qatar on Monday, the foreign "
    "ministry said, citing concerns over their end use.",
    "The decision covers launchers made by Kongsberg Defence & Aerospace, according to a "
    "ministry spokesperson.",
    "Kongsberg said it would comply with the government's decision.",
]
#: Page furniture that must never reach the extractor: the outlet's name (with a state's
#: demonym in it), navigation, related links, a cookie banner, a newsletter box, the footer.
CLUTTER = [
    "The Canadian Ledger",
    "Russia news",
    "Germany lifts its ban on exports to Saudi Arabia",
    "France approves a fighter sale to India",
    "We use cookies from partners in Sweden",
    "Sign up for our Turkey briefing",
    "Toronto. All rights reserved",
]


def page(body=BODY, *, title="Norway halts missile exports to Qatar", lang="en") -> str:
    """A news page as outlets publish them, around ``body``."""
    paragraphs = "\n".join(f"<p>{p.replace('&', '&amp;')}</p>" for p in body)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title} | The Canadian Ledger</title>
<meta property="og:site_name" content="The Canadian Ledger">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2023-03-14T09:30:00+00:00">
<link rel="canonical" href="https://ledger.example.org/world/norway-qatar">
</head>
<body>
<div class="cookie-banner" id="cookie-consent">We use cookies from partners in Sweden to improve
your experience. <button>Accept all cookies</button></div>
<header class="site-header"><a class="logo" href="/">The Canadian Ledger</a>
<nav><ul><li><a href="/world">World</a></li><li><a href="/russia">Russia news</a></li>
<li><a href="/business">Business</a></li></ul></nav></header>
<main>
<article>
<h1>{title}</h1>
<p class="byline">By Staff Reporter</p>
{paragraphs}
</article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Germany lifts its ban on exports to Saudi Arabia</a></li>
<li><a href="/b">France approves a fighter sale to India</a></li></ul></aside>
<div class="newsletter"><a href="/subscribe">Sign up for our Turkey briefing</a></div>
</main>
<footer><p>© 2023 The Canadian Ledger, Toronto. All rights reserved.</p>
<a href="/privacy">Privacy</a></footer>
</body></html>"""


def test_an_html_page_gives_its_article_and_metadata_without_clutter():
    article = parse_html(page(), "page.html")
    for paragraph in BODY:
        assert paragraph in article.body
    for clutter in CLUTTER:
        assert clutter not in article.body, clutter
    assert "Norway halts missile exports to Qatar" not in article.body  # the title, apart
    assert (article.title, article.publisher, article.url) == (
        "Norway halts missile exports to Qatar",
        "The Canadian Ledger",
        "https://ledger.example.org/world/norway-qatar",
    )
    assert article.published == PartialDate.parse("2023-03-14")
    assert article.retrieved_at is None


def test_an_html_file_is_read_as_a_page(tmp_path):
    path = tmp_path / "saved.html"
    path.write_text(page(), encoding="utf-8")
    assert read_article(path).body == parse_html(page()).body
    other = tmp_path / "saved.txt"  # saved without the extension: its doctype tells
    other.write_text(page(), encoding="utf-8")
    assert read_article(other).publisher == "The Canadian Ledger"


def test_a_page_without_article_text_is_refused():
    with pytest.raises(IngestError, match="no article text"):
        parse_html("<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav></body></html>")


@pytest.fixture
def states(db):
    verified = {"review_state": "verified", "verified_at": dt.datetime(2023, 1, 1, tzinfo=dt.UTC)}
    for code, name, alias in [
        ("NO", "Norway", "Norwegian"),
        ("QA", "Qatar", "Qatari"),
        ("CA", "Canada", "Canadian"),
        ("RU", "Russia", "Russian"),
        ("DE", "Germany", "German"),
        ("SA", "Saudi Arabia", "Saudi"),
        ("FR", "France", "French"),
        ("IN", "India", "Indian"),
        ("SE", "Sweden", "Swedish"),
        ("TR", "Turkey", "Turkish"),
    ]:
        state = StateFactory(code=code, name=name, **verified)
        StateAliasFactory(state=state, name=alias, kind="adjective")


def test_ingesting_a_page_stores_its_article_and_no_state_from_its_clutter(tmp_path, states):
    path = tmp_path / "page.html"
    path.write_text(page(), encoding="utf-8")
    out = io.StringIO()
    call_command("ingest_article", str(path), "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert [s["code"] for s in report["states"]] == ["NO", "QA"]
    source = Source.objects.get()
    assert (source.url, source.publisher, source.language, source.retrieved_at) == (
        "https://ledger.example.org/world/norway-qatar",
        "The Canadian Ledger",
        "en",
        None,
    )
    assert source.text == "\n".join(BODY)
    decision = PermitDecision.objects.get()
    assert (decision.authority.code, decision.target_state.code, decision.action) == (
        "NO",
        "QA",
        "suspend",
    )


def test_a_fetched_page_keeps_its_url_and_when_it_was_retrieved(states):
    """What ``fetch_article`` returns (tests never fetch): the source keeps both."""
    article = parse_html(page(), "https://ledger.example.org/world/norway-qatar?ref=home")
    article.url = "https://ledger.example.org/world/norway-qatar?ref=home"
    article.retrieved_at = dt.datetime(2023, 3, 15, 8, 0, tzinfo=dt.UTC)
    article_ingest(article=article)
    source = Source.objects.get()
    assert (source.url, source.retrieved_at) == (
        "https://ledger.example.org/world/norway-qatar?ref=home",
        dt.datetime(2023, 3, 15, 8, 0, tzinfo=dt.UTC),
    )


def test_fetching_is_off_in_tests(settings, db):
    with pytest.raises(IngestError, match="TRACKER_INGEST_FETCH=1"):
        fetch_article("https://ledger.example.org/world/norway-qatar")
    with pytest.raises(CommandError, match="Fetching pages is off"):
        call_command("ingest_article", "--url", "https://ledger.example.org/x")
    with pytest.raises(CommandError, match="http:// or https://"):
        call_command("ingest_article", "--url", "file:///etc/passwd")
    with pytest.raises(CommandError, match="Give the article's FILE"):
        call_command("ingest_article")


GERMAN = [
    "Norwegen hat am Montag die Ausfuhrgenehmigungen für Flugabwehrraketen nach Katar "
    "ausgesetzt, teilte das Außenministerium mit.",
    "Die Entscheidung betrifft Startgeräte des Herstellers Kongsberg, sagte ein Sprecher.",
]


def test_an_article_not_in_english_is_refused_naming_its_language(tmp_path, states):
    path = tmp_path / "de.html"
    path.write_text(page(GERMAN, title="Norwegen stoppt Raketenexporte", lang="de"), "utf-8")
    with pytest.raises(CommandError, match=r"in German \(de\), not English"):
        call_command("ingest_article", str(path), "--dry-run")
    with pytest.raises(CommandError, match=r"German \(de\)"):
        call_command("ingest_article", str(path))
    assert not Source.objects.exists() and not Evidence.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        " ".join(BODY),
        "Canada suspended drone exports to Turkey in October 2020.",  # ranks Pidgin first
        "Rheinmetall halted deliveries of ammunition to Saudi Arabia, the company said.",
    ],
)
def test_english_is_accepted_every_time(text):
    assert {detect_language(text) for _ in range(3)} == {"en"}
    assert ensure_english(Article("", "", None, None, text)) == "en"


def test_a_text_too_short_to_tell_is_not_refused():
    assert detect_language("Oslo: nein.") is None
