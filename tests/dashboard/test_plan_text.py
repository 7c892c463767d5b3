"""方案原文 (/plan/): the seed whole and verbatim, anchored, searchable, printable;
and every figure, unit and phrase the plan pages quote is the seed's."""

import html
import re

import pytest

from indicators.plan_document import PLAN_TEXT_PATH, plan_document
from yuecheng_housing.lib.text import plan_words

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    """Return the words without spaces, the plan's "<间>" written ［间］ as every
    page writes it (lib.text.plan_words)."""
    return plan_words(re.sub(r"\s+", "", text))


def plan_text_of(page: str) -> str:
    """Return the words of the page's plan text, without what the product adds
    beside it (class plan-aside) and without markup."""
    article = re.search(r'<article class="plan-doc".*?>(.*)</article>', page, re.S)
    body = re.sub(r'<p class="plan-aside">.*?</p>', "", article.group(1), flags=re.S)
    body = re.sub(r'<span class="plan-aside">.*?</span>', "", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def plan_quotes(page: str) -> list[str]:
    found = re.findall(r'<q class="plan-quote">(.*?)</q>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", q)) for q in found]


def test_the_shipped_text_is_the_seed_byte_for_byte(seed_text):
    assert PLAN_TEXT_PATH.read_text(encoding="utf-8") == seed_text


def test_the_page_is_the_whole_seed_in_order_and_nothing_else(
    official_client, seed_text
):
    page = official_client.get("/plan/").content.decode()
    shown = squeeze(plan_text_of(page))
    for line in seed_text.splitlines():
        assert squeeze(line) in shown, line
    # Every line, in the seed's order, and no word of the product's own in between.
    assert shown == squeeze(seed_text)


def test_passages_are_cut_where_the_plan_cuts_them():
    passages = {p.anchor: p for p in plan_document().passages}
    # A page break inside a word is joined again.
    assert "累计建设筹集保障性租赁住房1.645万套（间）" in passages["text-goals-1"].text
    assert "“发现危房1个月内完成安全鉴定" in passages["text-task-9"].text
    assert [p.contents for p in plan_document().contents()][:3] == [
        "一、指导思想",
        "二、主要目标",
        "表：“住有宜居”工程五年目标",
    ]
    assert sum(a.startswith("text-task-") for a in passages) == 11
    rows = [r.anchor for p in passages.values() for r in p.rows if r.anchor]
    assert rows == [f"text-indicator-{n}" for n in range(1, 15)] + [
        f"text-worklist-2023-{n}" for n in range(1, 13)
    ]
    items = [c.anchor for p in passages.values() for r in p.rows for c in r.cells]
    assert len([a for a in items if a]) == 25


def test_each_indicator_task_and_entry_links_to_its_passage_and_back(
    official_client,
):
    page = official_client.get("/plan/").content.decode()
    row = re.search(r'<tr id="text-indicator-4">(.*?)</tr>', page, re.S).group(1)
    assert '<a href="/indicators/4/">老旧小区累计改造个数（个）</a>' in row
    assert 'href="/plan/inconsistencies/#comparator-4-2027"' in row
    entry = re.search(r'<tr id="text-worklist-2023-6">(.*?)</tr>', page, re.S)
    assert '<a href="/indicators/7/">既有住宅加装电梯（台）</a>' in entry.group(1)
    task = page.split('id="text-task-9"')[1].split("</p>")[1]
    assert '<a href="/indicators/11/">11. 城镇危房整治率</a>' in task
    detail = official_client.get("/indicators/7/?year=2023").content.decode()
    for anchor in ("text-indicator-7", "text-task-8", "text-worklist-2023-6"):
        assert f'href="/plan/#{anchor}"' in detail
        assert f'id="{anchor}"' in page


def test_search_marks_every_match_without_javascript(official_client):
    page = official_client.get("/plan/", {"q": "动态清零"}).content.decode()
    assert "找到2处，在2段中" in page
    assert page.count("<mark>动态清零</mark>") == 2
    assert 'href="#text-goals-3"' in page and 'href="#text-task-9"' in page
    # The plan writes "14475 套": a search without the space finds it.
    page = official_client.get("/plan/", {"q": "14475套"}).content.decode()
    assert "<mark>14475 套</mark>" in page
    page = official_client.get("/plan/", {"q": "<b>x"}).content.decode()
    assert "方案原文中没有找到" in page and "<b>x" not in page


def test_printing_shows_the_plan_only(official_client):
    page = official_client.get("/plan/").content.decode()
    assert 'href="/static/css/print.css" media="print"' in page
    css = (PLAN_TEXT_PATH.parent.parent / "static/css/print.css").read_text()
    assert ".plan-tools, .plan-aside { display: none !important; }" in css
    assert ".site-header" in css  # the navigation
    assert ".plan-table tr { break-inside: avoid;" in css
    assert 'class="plan-tools no-print"' in page


@pytest.mark.parametrize(
    "url",
    [
        "/plan/inconsistencies/",
        "/indicators/2/?year=2023",
        "/indicators/7/?year=2023",
        "/indicators/8/?year=2023",
        "/indicators/14/?year=2023",
    ],
)
def test_every_quote_of_the_plan_is_the_seeds_words(official_client, seed_text, url):
    page = official_client.get(url).content.decode()
    seed = squeeze(seed_text)
    quotes = plan_quotes(page)
    if url.startswith("/plan/"):
        assert len(quotes) >= 2 * 20
    for quote in quotes:
        assert squeeze(quote) in seed, quote


def test_the_plan_pages_write_no_figure_the_plan_does_not(official_client):
    pages = "".join(
        official_client.get(url).content.decode()
        for url in ("/plan/", "/plan/inconsistencies/", "/indicators/2/?year=2023")
    )
    for slip in ("1.44 万", "1.44万", "≥50 个", "≥50个", "今年50台", "当天撤离"):
        assert slip not in pages, slip


def test_the_plan_page_costs_a_fixed_number_of_queries(
    official_client, django_assert_max_num_queries
):
    official_client.get("/plan/")
    with django_assert_max_num_queries(12):
        assert official_client.get("/plan/", {"q": "电梯"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert official_client.get("/plan/inconsistencies/").status_code == 200


def test_the_api_gives_the_text_and_the_inconsistencies(official_client, seed_text):
    passages = official_client.get("/api/v1/plan/text/").json()
    words = squeeze("".join(p["text"] for p in passages))
    assert squeeze("".join(seed_text.split())) == words
    assert {"anchor": "text-task-9", "kind": "paragraph"}.items() <= next(
        p for p in passages if p["anchor"] == "text-task-9"
    ).items()
    found = official_client.get("/api/v1/plan/inconsistencies/").json()
    comparator = next(i for i in found if i["key"] == "comparator-4-2027")
    assert comparator["second"]["text"] == "完成城镇老旧小区改造220个以上"
    assert comparator["first"]["text"] == "大于220"


def test_the_units_api_lists_the_roster_in_order(official_client, towns):
    names = [u["name"] for u in official_client.get("/api/v1/units/").json()]
    assert names[:3] == ["区委组织部", "区委政法委", "区发改局"]
    assert names[23:25] == ["各镇街", "各平台公司"]
    assert set(names[25:]) >= {t.name for t in towns}
