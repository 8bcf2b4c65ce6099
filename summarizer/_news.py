"""The default method: the story's opening sentences, minus the ones that carry no news.

Why the lead? A news story puts its gist first, and no cheap method we tried beats it by a
useful margin on news it was not fitted on (``benchmarks/summarize.py`` has the figures). This
module's previous method, a centrality + lead-prior + length-prior ranker fitted on
cnndm_test_frank, gained 0.7 ROUGE-1 over Lead-3 on cnndm_val_967 and nothing on XSum (it
picked Lead-1's sentence every time), at 2.5-3 times Lead-3's time; re-fitted on
cnndm_val_967, the same family gained 1.2-1.5 there but -0.4 to +0.3 on the held-out
human-written sets. Its clear gain was on bbc_news_summary, whose references were made by a
centrality ranker. So the default is the lead, with the same cost as Lead-3.

What it skips, because a reader gains nothing from it in a three-sentence summary:

* fragments: sentences of fewer than :data:`MIN_WORDS` words. At the top of a story these are
  hooks ("Eight minutes of sheer terror."), teaser questions ("About to have a baby?"),
  stray captions and labels, not the news. The threshold was chosen on cnndm_val_967: 6 to
  10 words gain the same there (+0.2 ROUGE-1 at three sentences), 8 is the middle.
* page furniture that extraction left in the body and that reads like a sentence: sharing
  widgets ("Share this withEmailFacebook..."), "Media playback is not supported on this
  device", "Scroll down for video", newsletter and follow prompts, "Read more:", image
  credits, in English and a few other languages (:data:`FURNITURE`). A sentence is furniture
  when it *starts* with such words; furniture glued in front of a real sentence takes the
  sentence with it, which is still better than showing the reader the widget's text.

Skipped sentences are not dropped: they rank after every other sentence, in article order,
so a text made of nothing else is still summarized, and a focused summary can still use one.

It reads no words: no stemmer, no stop words, so every language is summarized alike.
"""

from __future__ import annotations

import re

from sumy.models.dom import ObjectDocumentModel, Sentence

from ._languages import Language
from ._splitting import count_words

__all__ = ["FURNITURE", "MIN_WORDS", "NewsLeadSummarizer", "carries_news"]

#: Sentences shorter than this (in words, see ``count_words``) rank last.
MIN_WORDS = 8

_FURNITURE_STARTS = (
    # English
    r"scroll down for (?:video|more)",
    r"media playback is (?:not |un)?supported on (?:this|your) device",
    r"share (?:this|on|via)\b",
    r"copy (?:this )?link\b",
    r"(?:follow|like) us on\b",
    r"sign up (?:for|to|here)\b",
    r"subscribe (?:to|now|here|for)\b",
    r"click here\b",
    r"read more\b",
    r"read the (?:full|original) (?:story|article)",
    r"(?:image|photo|picture|video) (?:copyright|caption|credit)s?\b",
    r"(?:photo|picture|image)s?\s*:",
    r"all rights reserved",
    r"copyright\s*(?:©|\(c\)|\d{4})",
    r"©",
    r"(?:updated|published|posted|last modified)\s*(?:on|at)?\s*:",
    # German
    r"lesen sie (?:auch|mehr|hier)\b",
    r"mehr zum thema\b",
    r"folgen sie uns\b",
    r"jetzt (?:abonnieren|anmelden|teilen)\b",
    r"(?:foto|bild|quelle)\s*:",
    # French, Spanish, Italian
    r"lire (?:aussi|également|la suite)\b",
    r"(?:suivez|abonnez)-(?:nous|vous)\b",
    r"(?:lee|leer|lea) (?:también|más)\b",
    r"(?:síguenos|suscríbete)\b",
    r"leggi anche\b",
)
#: Matched at the start of a sentence (after any bullet or punctuation): page furniture.
FURNITURE = re.compile(r"[\W_]*(?:" + "|".join(_FURNITURE_STARTS) + ")", re.IGNORECASE)


def carries_news(sentence: str) -> bool:
    """Whether a sentence may open a summary: long enough, and not page furniture."""
    # Sentences have their white space collapsed, so MIN_WORDS - 1 spaces make MIN_WORDS
    # words; counting spaces is five times faster than counting words (a CJK scan and a split).
    long_enough = sentence.count(" ") >= MIN_WORDS - 1 or count_words(sentence) >= MIN_WORDS
    return long_enough and FURNITURE.match(sentence) is None


class NewsLeadSummarizer:
    """Lead-k over the sentences that carry news; see the module docstring. It takes the
    language as sumy's summarizers do, and reads none of it."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        """sumy's contract: the chosen sentences in document order."""
        order = {id(s): i for i, s in enumerate(document.sentences)}
        return tuple(sorted(self.rank(document, sentences_count), key=lambda s: order[id(s)]))

    def rank(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        """The sentences best first: those that carry news in article order, then the rest."""
        count = max(sentences_count, 0)
        news: list[Sentence] = []
        rest: list[Sentence] = []
        for sentence in document.sentences:
            if len(news) == count:
                break
            (news if carries_news(str(sentence)) else rest).append(sentence)
        return tuple((news + rest)[:count])
