"""Finding the article's container in a page, so trafilatura reads only the article."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

__all__ = ["narrow"]

# Article containers trusted first: schema.org markup, a lone <article> (see `narrow`).
_ARTICLE_BODY = etree.XPath('//*[@itemprop="articleBody"]')
_ARTICLE = etree.XPath("//article")
#: A container must hold this many characters to be trusted as the article.
_MIN_CONTAINER_CHARS = 500

_CONTAINER_TAGS = ("article", "div", "main", "section")
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


def _container_tier(element: lxml_html.HtmlElement) -> int | None:
    """How much an element's tag, class and id say "this is the article body" (0 = most)."""
    tag = element.tag
    cls = element.get("class") or ""
    ident = element.get("id") or ""
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


def narrow(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Hand trafilatura only the article container when the page names one.

    trafilatura looks for the same containers itself, but only after several XPath pruning
    passes over the whole page; cutting the container out first halves the extraction time
    and removes related-story rails outside it. Order of trust: a lone schema.org
    articleBody, a lone <article>, then the first element of each tier of `_container_tier`.
    """
    for expression in (_ARTICLE_BODY, _ARTICLE):
        found = expression(tree)
        if len(found) == 1 and len(found[0].text_content()) >= _MIN_CONTAINER_CHARS:
            return _wrap(found[0])
    first: dict[int, lxml_html.HtmlElement] = {}
    for element in tree.iter(_CONTAINER_TAGS):
        tier = _container_tier(element)
        if tier is not None and tier not in first:
            first[tier] = element
    for tier in sorted(first):
        if len(first[tier].text_content()) >= _MIN_CONTAINER_CHARS:
            return _wrap(first[tier])
    return tree


def _wrap(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    root = lxml_html.Element("html")
    body = etree.SubElement(root, "body")
    element.tail = None
    body.append(element)
    return root
