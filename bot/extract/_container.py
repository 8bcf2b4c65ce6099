"""Finding the article's container in a page, so trafilatura reads only the article."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import html as lxml_html

from bot.extract._document import parse
from bot.extract._prose import ProseMap

__all__ = ["MIN_BODY_WORDS", "Region", "narrow"]

#: A container holding fewer prose words than this is not an article body (a hero, a menu).
MIN_BODY_WORDS = 30
#: A named container is trusted when it holds at least this share of the prose words of the
#: element holding the most prose (a partial hit such as a hero's text block does not).
TRUST_SHARE = 0.5
#: Without a trusted named container, the element holding the most prose directly is taken
#: when it holds this share of the page's prose; otherwise trafilatura reads the whole page.
FALLBACK_SHARE = 0.5
#: A container whose prose is one paragraph holding less than this share of the page's prose is
#: a teaser among many (a section front), not an article: trafilatura reads the whole page.
TEASER_SHARE = 0.1
#: A twin of the container (same tag and class) belongs to the article from this many prose
#: words (one sentence-like paragraph).
TWIN_MIN_WORDS = 1

_CELL_TAGS = frozenset(("td", "th", "li", "dd"))
_WRAPPER = '<html><body><div itemprop="articleBody"></div></body></html>'
_TIER_ARTICLE_ID = re.compile(
    r"(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text"
)
_TIER_ARTICLE_CLASS = re.compile(
    r"post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|"
    r"article-?text|articleText|(?:entry|page|text|article|art)-content|article__content|"
    r"article(?:-|__)?body|articleBody|ArticleContent|body-text|article__container"
)
_TIER_STORY_ID = re.compile(r"^primary|story-body")
_TIER_STORY_CLASS = re.compile(
    r"^article |post-bodycopy|story-?content|(?:theme|blog|section|single)-content|single-post|"
    r"main-column|wpb_text_column|story-body|field-body"
)
_TIER_MAIN_ID = re.compile(r"content-main|content-body|contentBody|main-content", re.IGNORECASE)
_TIER_MAIN_CLASS = re.compile(
    r"content[-_]main|content(?:-|__)body|main-content|page-content", re.IGNORECASE
)

# Every tier below needs one of these words in the class or id (or a tag, role or itemprop),
# looked for in the case-folded text: much faster than a case-insensitive expression.
_VOCABULARY = re.compile(r"post|entry|content|article|body|text|primary|story|main|cell")
_CONTAINER_TAGS = ("article", "div", "main", "section")


def _container_tier(element: lxml_html.HtmlElement) -> int | None:
    """How much an element's tag, class and id say "this is the article body" (0 = most)."""
    tag = element.tag
    cls = element.get("class") or ""
    ident = element.get("id") or ""
    if (
        tag not in ("article", "main")
        and not _VOCABULARY.search(f"{cls} {ident}".casefold())
        and not element.get("role")
        and not element.get("itemprop")
    ):
        return None  # most elements: no word of any tier below (one search instead of eight)
    if cls in ("post", "entry") or element.get("itemprop") == "articleBody":
        return 0
    if ident == "articleContent" or _TIER_ARTICLE_ID.search(ident):
        return 0
    if _TIER_ARTICLE_CLASS.search(cls):
        return 0
    if tag == "article":
        return 1
    if (
        element.get("role") == "article"
        or ident in ("article", "story")
        or cls in ("postarea", "art-postcontent", "text", "cell", "story")
        or _TIER_STORY_ID.search(ident)
        or "fulltext" in cls.lower()
        or _TIER_STORY_CLASS.search(cls)
    ):
        return 2
    if ident == "content" or cls == "content" or _TIER_MAIN_ID.search(ident):
        return 3
    if _TIER_MAIN_CLASS.search(cls):
        return 3
    if tag == "main" or cls.startswith("main") or ident.startswith("main"):
        return 4
    if (element.get("role") or "").startswith("main"):
        return 4
    return None


@dataclass(frozen=True)
class Region:
    """The part of a page handed to trafilatura, and how many prose words it holds."""

    tree: lxml_html.HtmlElement
    prose_words: int
    narrowed: bool


def narrow(tree: lxml_html.HtmlElement) -> Region:
    """Hand trafilatura only the article's container, when one looks like the article body.

    trafilatura looks for containers itself, but only after several XPath pruning passes over
    the whole page; cutting the container out first halves the extraction time and removes
    related-story rails outside it. A container is trusted by what it holds, not by its name:
    enough prose words (`ProseMap`), and at least `TRUST_SHARE` of those held directly by the
    element that holds the most. Names only give the order in which containers are tried: a
    lone schema.org articleBody, a lone <article>, then each tier of `_container_tier` in page
    order. When none qualifies, the element holding the most prose directly is the article if
    it holds `FALLBACK_SHARE` of the page's prose; else trafilatura reads the whole page. An
    article split into twin boxes (same tag and class) is read from the element holding them.
    When the first container trusted is a teaser (`_is_teaser`), the page is a section front:
    trafilatura reads the whole page, as a reader would see all of its teasers.
    """
    prose = ProseMap.of(tree)
    best = prose.best()
    if best is None or prose.held[best] < MIN_BODY_WORDS:
        return Region(tree, prose.total, narrowed=False)
    reference = prose.held[best]
    for candidate in _named_containers(tree, prose):
        words = prose.words_in(candidate)
        if words >= MIN_BODY_WORDS and words >= TRUST_SHARE * reference:
            if _is_teaser(candidate, words, prose):
                return Region(tree, prose.total, narrowed=False)
            return _region(tree, candidate, prose)
    if prose.words_in(best) >= FALLBACK_SHARE * prose.total:
        return _region(tree, best, prose)
    return Region(tree, prose.total, narrowed=False)


def _is_teaser(element: lxml_html.HtmlElement, words: int, prose: ProseMap) -> bool:
    """One paragraph of prose, and a small share of the page's: the excerpt of one story on a
    page of teasers, whose boxes wear the names article bodies do ("story", "article")."""
    return words < TEASER_SHARE * prose.total and prose.paragraphs_in(element) == 1


def _named_containers(
    tree: lxml_html.HtmlElement, prose: ProseMap
) -> Iterator[lxml_html.HtmlElement]:
    """Elements whose markup names them the article, most trusted first."""
    for found in (prose.article_bodies, prose.articles):
        if len(found) == 1:
            yield found[0]
    tiers: dict[int, list[lxml_html.HtmlElement]] = {}
    for element in tree.iter(_CONTAINER_TAGS):
        tier = _container_tier(element)
        if tier is not None:
            tiers.setdefault(tier, []).append(element)
    for tier in sorted(tiers):
        yield from tiers[tier]


def _region(
    tree: lxml_html.HtmlElement, container: lxml_html.HtmlElement, prose: ProseMap
) -> Region:
    """The container; when it has twins holding prose (same tag and class: sites split a long
    article around advertisements, or into steps), the element holding them all."""
    region = _common_ancestor(_twins(tree, container, prose))
    if region.tag in ("html", "body"):
        return Region(tree, prose.total, narrowed=False)
    return Region(_wrap(region), prose.words_in(region), narrowed=True)


def _twins(
    tree: lxml_html.HtmlElement, container: lxml_html.HtmlElement, prose: ProseMap
) -> list[lxml_html.HtmlElement]:
    """The container and the elements of its tag and class elsewhere that hold prose."""
    cls = container.get("class")
    if not cls:
        return [container]
    # iter() picks the tag in C; an XPath matching tag and class tests every element
    return [
        element
        for element in tree.iter(container.tag)
        if element is container
        or (element.get("class") == cls and prose.words_in(element) >= TWIN_MIN_WORDS)
    ]


def _common_ancestor(elements: list[lxml_html.HtmlElement]) -> lxml_html.HtmlElement:
    first, others = elements[0], elements[1:]
    lineages = [{element, *element.iterancestors()} for element in others]
    for candidate in (first, *first.iterancestors()):
        if all(candidate in lineage for lineage in lineages):
            return candidate
    return first.getroottree().getroot()


def _wrap(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A page of the region alone, inside one element marked as the article body (schema.org's
    itemprop): trafilatura takes the first container it finds, and would otherwise read only
    a box inside the region (the first of several parts, or one missing the first paragraphs).
    The wrapper is parsed like the page, so the elements trafilatura reads keep `parse`'s
    C-level class lookup (`lxml_html.Element` would bring lxml.html's Python one)."""
    root = parse(_WRAPPER)
    body = root[0][0]
    if element.tag in _CELL_TAGS:  # a cell of a layout table, without its table
        element.tag = "div"
    element.tail = None
    body.append(element)
    return root
