"""Extractive news summarization: text in, the article's own sentences out.

A pure library: no network, no files, no NLTK data, nothing done at import. Models (the
nupunkt sentence splitter, the py3langid language identifier, stemmers) load on first use.

    from summarizer import summarize
    summarize(article_text, 3)  # the 3 most summary-worthy sentences, in article order
    summarize(article_text, 5, "de", max_words=80, method="lexrank")

``method="default"`` is our own sumy summarizer (centrality + lead prior + length prior +
redundancy removal), which beats Lead-3 on CNN/DailyMail; the other names in ``METHODS``
are Lead-k and sumy's summarizers, for comparison (``benchmarks/summarize.py``).
"""

from ._errors import SummarizerError
from ._languages import Language, detect_language, get_language, resolve_language
from ._methods import METHODS
from ._summarize import split_sentences, summarize

__all__ = [
    "METHODS",
    "Language",
    "SummarizerError",
    "detect_language",
    "get_language",
    "resolve_language",
    "split_sentences",
    "summarize",
]
