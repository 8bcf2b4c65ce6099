"""Article text from web pages, and page furniture removed from plain text.

A news page carries far more than its article: navigation, teasers of other stories, share
bars, newsletter boxes, footers. Only the article's paragraphs may reach a summary or a
duplicate check, so this package has these entry points:

- `extract_html` finds the article in a page (trafilatura does the heavy lifting) and then
  drops the furniture lines trafilatura lets through;
- `clean_text` does the same for text that was already flattened from a page (copy-paste,
  a feed that ships the whole page as text): it keeps the densest run of sentence-like
  paragraphs and cuts at generic trailer markers ("Keep Reading", "Editors Picks", ...);
- `extract_text` is `clean_text` as an `ExtractedArticle` (language decided as for a page),
  for plain text given where a page was expected (`bot.pages.read_page`);
- `html_to_text` turns the small HTML fragments that feeds put in their summaries into
  plain paragraphs without trying to find an article in them.

All are pure: no I/O, no global state. Callers decompress and fetch (see `bot.pages`).

Modules, in the order a page goes through them: `_document` (bytes to a cleaned tree),
`_metadata` (title, URL, date, language), `_loose` (text trafilatura would drop: custom
elements, MathML, loose runs of prose), `_container` (the article's element),
`_cascade` (trafilatura), `_furniture` over `_lines` (the line rules), `_article` (the
pipeline); `_fragments` is the separate path for feed fragments.
"""

from bot.errors import ExtractionError
from bot.extract._article import ExtractedArticle, extract_html, extract_text
from bot.extract._fragments import html_to_text
from bot.extract._furniture import clean_text

__all__ = [
    "ExtractedArticle",
    "ExtractionError",
    "clean_text",
    "extract_html",
    "extract_text",
    "html_to_text",
]
