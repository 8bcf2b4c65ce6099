"""What an alert says: the story's summary, or one focused on what the query matched, with
the matched terms emphasized, then the outlets the chat may see and why it matched.

The outbox worker renders a story's alerts for dozens of distinct queries (`bot.alerts.drafts`),
so everything is worked out once at the level it depends on: the article ranked once, each
term looked for once a story, each body once per (terms, length), each text once per query
among the chats that share it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import summarizer
from bot.audience import Byline
from bot.match.highlight import Highlighter, Passage, merge_spans
from bot.render import alert_body, alert_head, alert_sources, alert_text, alert_why, emphasize
from bot.settings import SummarySettings
from bot.store import Story
from bot.subscribers import ChatMatch

__all__ = ["AlertSummaries", "AlertTexts"]

log = logging.getLogger(__name__)


@dataclass
class AlertSummaries:
    """The summary each alert of one story shows: the story's own, unless none of its
    sentences shows a term the query matched; then the best sentence that does takes the
    place of the weakest, in article order and within the same length (the article is ranked
    once, and each distinct focus picks from that ranking).

    A burst brings a story dozens of distinct term sets: each term is looked for once a story
    (`Passage`), and a focused pick depends only on the best-ranked of the article's sentences
    that show any of the terms, which is the best of each term's own best."""

    text: str  # the matched article's text
    language: str
    default: Sequence[str]  # the story's summary
    method: str = "default"
    max_words: int | None = None
    title: str | None = None
    ranking: summarizer.Ranking | None = None  # `text` ranked, once a focus needs it
    _summary: Passage | None = field(default=None, repr=False)
    _article: Passage | None = field(default=None, repr=False)
    _place: dict[str, int] = field(default_factory=dict, repr=False)  # sentence -> best rank
    _in_summary: dict[str, int] = field(default_factory=dict, repr=False)
    _best: dict[str, int] = field(default_factory=dict, repr=False)
    _picked: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    _read: dict[tuple[str, str], Highlighter] = field(default_factory=dict, repr=False)
    _spans: dict[tuple[str, str], dict[str, list[tuple[int, int]]]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def of(
        cls,
        text: str,
        language: str | None,
        summary: Sequence[str],
        opts: SummarySettings,
        title: str | None = None,
    ) -> AlertSummaries:
        """For an article in `language` (None: read as English) of a story whose summary is
        `summary`, picked as the settings summarize."""
        return cls(text, language or "en", summary, opts.method, opts.max_words, title)

    def for_match(self, terms: Sequence[str], sentences: int) -> list[str]:
        shown = list(self.default)[:sentences]
        if not terms or not shown:
            return shown
        if min(map(self._first_in_summary, terms)) < len(shown):  # the summary shows one
            return shown
        try:
            best = min(map(self._best_in_article, terms))
            key = (len(shown), best)
            picked = self._picked.get(key)
            if picked is None:
                ranking = self._ranked()
                # The best-ranked sentence showing a term is the one a focus on all of them
                # brings in (`Ranking.pick`), so focusing on it alone picks the same.
                focus = ranking.sentences[ranking.order[best]].__eq__ if best < _NOWHERE else None
                picked = self._picked[key] = ranking.pick(
                    len(shown), max_words=self.max_words, focus=focus
                )
        except summarizer.SummarizerError as exc:  # a language it cannot read: as it was
            log.warning("no focused summary (%s); the story's own is kept", exc)
            return shown
        return picked

    def _first_in_summary(self, term: str) -> int:
        """The first sentence of the story's summary that shows the term (_NOWHERE: none)."""
        found = self._in_summary.get(term)
        if found is None:
            if self._summary is None:
                self._summary = Passage(self.default, self.language)
            showing = self._summary.showing(term)
            found = next((i for i, s in enumerate(self.default) if s in showing), _NOWHERE)
            self._in_summary[term] = found
        return found

    def _best_in_article(self, term: str) -> int:
        """The place in the ranking of the best sentence showing the term (_NOWHERE: none)."""
        found = self._best.get(term)
        if found is None:
            place = self._places()
            showing = self._passage().showing(term)
            found = self._best[term] = min(map(place.__getitem__, showing), default=_NOWHERE)
        return found

    def _places(self) -> dict[str, int]:
        if not self._place:
            ranking = self._ranked()
            for place, i in enumerate(ranking.order):
                self._place.setdefault(ranking.sentences[i], place)
        return self._place

    def highlights(
        self, sentence: str, terms: Sequence[str], language: str
    ) -> list[tuple[int, int]]:
        """Where the terms are in one of the story's sentences (each sentence is read once a
        story, each term looked for in it once, however many queries have it)."""
        known = self._spans.get((sentence, language))
        if known is None:
            known = self._spans[sentence, language] = {}
        found: list[tuple[int, int]] = []
        for term in terms:
            spans = known.get(term)
            if spans is None:
                spans = known[term] = self._spans_of(sentence, term, language)
            found += spans
        return found if len(terms) < 2 else merge_spans(found)

    def _spans_of(self, sentence: str, term: str, language: str) -> list[tuple[int, int]]:
        """The term's spans in the sentence: a sentence of the summary or the article is
        already known to show it or not (`Passage.showing`, memoized by term), any other is
        read now."""
        if language == self.language:
            for passage in (self._summary, self._article):
                if passage is not None and (read := passage.get(sentence)) is not None:
                    return read.spans((term,)) if sentence in passage.showing(term) else []
        read = self._read.get((sentence, language))
        if read is None:
            read = self._read[sentence, language] = Highlighter(sentence, language)
        return read.spans((term,)) if read.has(term) else []

    def _passage(self) -> Passage:
        if self._article is None:
            self._article = Passage(self._ranked().sentences, self.language)
        return self._article

    def _ranked(self) -> summarizer.Ranking:
        if self.ranking is None:
            self.ranking = summarizer.rank(
                self.text, self.language, method=self.method, title=self.title
            )
        return self.ranking


_NOWHERE = 1 << 30  # a place after every sentence's: the term shows nowhere


_TextKey = tuple[str, tuple[str, ...], tuple[str, ...], int, tuple[str, ...]]


@dataclass
class AlertTexts:
    """Alert texts for one story, in parts (see `bot.render.alert_text`): the head once, the
    highlighted summary once per (matched terms, length), the "reported by" lines once per
    outlets shown, the whole text once per query among the chats that share it (what the
    chat sees depends on nothing else)."""

    story: Story
    byline: Byline
    summaries: AlertSummaries
    _head: str = ""
    _everyone: tuple[str, ...] | None = None  # the outlets all may see, when none is private
    _bodies: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = field(default_factory=dict)
    _sources: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    _texts: dict[_TextKey, str] = field(default_factory=dict)
    _marked: dict[tuple[str, tuple[tuple[int, int], ...]], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._head = alert_head(self.story.title, self.story.url)
        if not self.byline.private:
            self._everyone = tuple(self.byline.names)

    def text(self, m: ChatMatch, sentences: int) -> str:
        """What the match's chat reads, its summary `sentences` long."""
        names = self._everyone
        if names is None:
            names = tuple(self.byline.for_chat(m.chat_id))
        key = (m.query, m.terms, m.where, sentences, names)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self._text(m, sentences, names)
        return text

    def _text(self, m: ChatMatch, sentences: int, names: tuple[str, ...]) -> str:
        body = self._bodies.get((m.terms, sentences))
        if body is None:
            body = self._bodies[m.terms, sentences] = self._body(m.terms, sentences)
        sources = self._sources.get(names)
        if sources is None:
            sources = self._sources[names] = alert_sources(names)
        return alert_text(self._head, body, (*sources, alert_why(m.query, m.terms, m.where)))

    def _body(self, terms: tuple[str, ...], sentences: int) -> tuple[str, ...]:
        summary = self.summaries.for_match(terms, sentences)
        language = self.story.language or "en"
        spans = [self.summaries.highlights(s, terms, language) for s in summary]
        return alert_body(summary, spans, self._mark)

    def _mark(self, sentence: str, spans: Sequence[tuple[int, int]]) -> str:
        """`emphasize`, once a story for each sentence and spans."""
        key = (sentence, tuple(spans))
        marked = self._marked.get(key)
        if marked is None:
            marked = self._marked[key] = emphasize(sentence, spans)
        return marked
