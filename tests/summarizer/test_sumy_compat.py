"""Our pieces speak sumy's protocols: its parser takes our tokenizer, its callers our method."""

from __future__ import annotations

from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer

from summarizer._languages import get_language
from summarizer._news import NewsLeadSummarizer
from summarizer._splitting import NewsTokenizer


def test_sumys_plaintext_parser_runs_on_our_tokenizer(seed_texts):
    clean, _page = seed_texts
    document = PlaintextParser.from_string(clean, NewsTokenizer("en")).document
    english = get_language("en")
    lexrank = LexRankSummarizer(english.stem_word)
    lexrank.stop_words = english.stop_words
    assert len(lexrank(document, 3)) == 3


def test_news_lead_summarizer_follows_sumys_contract_of_document_order(seed_texts):
    clean, _page = seed_texts
    document = PlaintextParser.from_string(clean, NewsTokenizer("en")).document
    summarizer = NewsLeadSummarizer(get_language("en"))
    chosen = summarizer(document, 4)
    order = [document.sentences.index(sentence) for sentence in chosen]
    assert len(chosen) == 4
    assert order == sorted(order)
    assert set(chosen) == set(summarizer.rank(document, 4))
