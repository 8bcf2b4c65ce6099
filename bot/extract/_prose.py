"""Where a page's prose is: what makes a container, or an extraction, look like an article body.

A name such as `class="content"` says little (menus, heroes and classified ads wear it too);
what an article body looks like says more: paragraphs that read like sentences (enough words,
ending like a sentence, see `Line.prose`) and that are not mostly link text. `ProseMap` counts
those words per element of a page in one walk over the tree; `prose_words` counts them in
flattened text, so a container and trafilatura's output are judged by the same measure.

Hand-written because no library exposes this measure: readability-lxml scores candidates the
same way (paragraph words credited to the parent, half to the grandparent) but only inside its
own pipeline, and trafilatura's heuristics are private too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from bot.extract._lines import Line, prose_word_count

__all__ = ["MAX_LINK_SHARE", "ProseMap", "prose_words"]

#: A paragraph whose text is more than this share link text is a list of links, not prose.
MAX_LINK_SHARE = 0.5
# Shorter text cannot hold the words of a sentence (`Line.prose`), in any script.
_MIN_PROSE_CHARS = 12
# Fewer spaces than this in Latin-script text: too few words for a sentence (Line.prose).
_MIN_PROSE_SPACES = 5

# Elements that end a paragraph of text (everything else is inline, like <a> or <strong>).
_BLOCK_TAGS = frozenset(
    """address article aside blockquote body center dd details div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary
    table td th tr ul""".split()  # noqa: SIM905 (a list of words)
)
# Blocks that are one paragraph: the container of their text is their parent. Other blocks
# holding text directly (a <div> or <td> of text and <br>s) contain the paragraph themselves.
_PARAGRAPH_TAGS = frozenset("p pre blockquote li dd dt h1 h2 h3 h4 h5 h6 figcaption".split())  # noqa: SIM905


@dataclass
class ProseMap:
    """Prose words of one tree: inside each element, and directly held by each container.

    `inside[e]` is the number of prose words in `e`'s subtree; `held[e]` counts only the
    paragraphs `e` holds directly (its <p> children, or its own text between <br>s), so the
    container of the article's run of paragraphs scores highest, while a list of teasers,
    each excerpt in its own box, does not add up (readability credits grandparents too, which
    makes such lists win on pages with a short article).
    """

    inside: dict[lxml_html.HtmlElement, int] = field(default_factory=dict)
    held: dict[lxml_html.HtmlElement, int] = field(default_factory=dict)
    total: int = 0
    #: The blocks counted as paragraphs of prose.
    paragraphs: set[lxml_html.HtmlElement] = field(default_factory=set)
    #: Elements whose markup names them the article (schema.org articleBody, <article>), in
    #: page order: noted during the walk, so the container search needs no pass of its own.
    article_bodies: list[lxml_html.HtmlElement] = field(default_factory=list)
    articles: list[lxml_html.HtmlElement] = field(default_factory=list)

    @classmethod
    def of(cls, root: lxml_html.HtmlElement) -> ProseMap:
        """One walk over the tree (the hot loop of the container search: kept flat, the block
        being read held in locals); the words of each paragraph of prose are then added to
        its ancestors, fewer steps than an addition at the end of every element."""
        prose = cls()
        element: lxml_html.HtmlElement = root
        parts: list[str] = []
        link_chars = 0
        stack: list[tuple[lxml_html.HtmlElement, list[str], int]] = []
        in_link = 0
        for event, node in etree.iterwalk(root, events=("start", "end")):
            tag = node.tag
            if event == "start":
                if tag in _BLOCK_TAGS:
                    stack.append((element, parts, link_chars))
                    element, parts, link_chars = node, [], 0
                    if tag == "article":
                        prose.articles.append(node)
                elif tag == "a":
                    in_link += 1
                if node.get("itemprop") == "articleBody":
                    prose.article_bodies.append(node)
                text = node.text
                if text:
                    parts.append(text)
                    if in_link:
                        link_chars += len(text)
                continue
            if tag == "a":
                in_link = max(0, in_link - 1)
            elif tag in _BLOCK_TAGS:
                if parts:
                    prose.add(element, parts, link_chars)
                element, parts, link_chars = stack.pop()
            tail = node.tail
            if tail:
                parts.append(tail)
                if in_link:
                    link_chars += len(tail)
        if parts:
            prose.add(element, parts, link_chars)
        inside = prose.inside
        for paragraph, words in list(inside.items()):  # each paragraph's own words, so far
            for ancestor in paragraph.iterancestors():
                inside[ancestor] = inside.get(ancestor, 0) + words
        return prose

    def add(self, element: lxml_html.HtmlElement, parts: list[str], link_chars: int) -> None:
        """Count a finished block (its text in `parts`) as a paragraph if it reads like prose."""
        raw = "".join(parts)
        if len(raw) < _MIN_PROSE_CHARS or link_chars > MAX_LINK_SHARE * len(raw):
            return  # the text without its extra spaces is shorter still: no need to make it
        text = " ".join(raw.split())
        if len(text) < _MIN_PROSE_CHARS or link_chars > MAX_LINK_SHARE * len(text):
            return
        if text.isascii() and text.count(" ") < _MIN_PROSE_SPACES:
            return  # cannot hold a sentence's words: skip the regular expressions
        words = prose_word_count(text)
        if not words:
            return
        self.paragraphs.add(element)
        self.inside[element] = self.inside.get(element, 0) + words
        self.total += words
        container = element.getparent() if element.tag in _PARAGRAPH_TAGS else element
        if container is None:
            container = element
        self.held[container] = self.held.get(container, 0) + words

    def words_in(self, element: lxml_html.HtmlElement) -> int:
        return self.inside.get(element, 0)

    def paragraphs_in(self, element: lxml_html.HtmlElement) -> int:
        """Paragraphs of prose in the element's subtree (a walk over it: call it rarely)."""
        return sum(1 for descendant in element.iter() if descendant in self.paragraphs)

    def best(self) -> lxml_html.HtmlElement | None:
        """The element that directly holds the most prose: the article when nothing names it."""
        if not self.held:
            return None
        return max(self.held.items(), key=lambda item: item[1])[0]


def prose_words(lines: Sequence[Line]) -> int:
    """Words in the lines that read like prose: the measure `ProseMap` applies to a tree."""
    return sum(line.words for line in lines if line.prose)
