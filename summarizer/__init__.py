"""Extractive news summarization: text in, the article's own sentences out.

A pure library: no network, no files, no NLTK data, nothing done at import. Models (the
nupunkt sentence splitter, the py3langid language identifier, stemmers) load on first use.

    from summarizer import rank, summarize
    summarize(article_text, 3)  # the 3 most summary-worthy sentences, in article order
    summarize(article_text, 5, "de", max_words=80, method="lexrank")
    summarize(article_text, 3, focus=lambda sentence: "ceasefire" in sentence)
    ranking = rank(article_text)  # rank once ...
    ranking.pick(3, focus=shows_query)  # ... pick many summaries (one per alert) cheaply

``method="default"`` is the lead without fragments and page furniture: on news nobody tuned
on, no cheap method we measured beats Lead-3 by a margin worth its cost, so the default is
as fast as Lead-3 (``_news.py`` says why, ``benchmarks/summarize.py`` gives the figures). The
other names in ``METHODS`` are Lead-k and sumy's summarizers, for comparison.

``focus`` builds a summary around what a reader asked for: when none of the chosen sentences
satisfies the predicate, the best-ranked one that does takes the weakest one's place.
"""

from ._errors import SummarizerError
from ._languages import (
    STEMMED_LANGUAGES,
    Language,
    detect_language,
    get_language,
    resolve_language,
)
from ._methods import METHODS
from ._ranking import Ranking
from ._summarize import rank, split_sentences, summarize

__all__ = [
    "METHODS",
    "STEMMED_LANGUAGES",
    "Language",
    "Ranking",
    "SummarizerError",
    "detect_language",
    "get_language",
    "rank",
    "resolve_language",
    "split_sentences",
    "summarize",
]
