"""A query's term stemmed for one language: what matching and reporting ask of it.

A hundred thousand subscriptions repeat the same few thousand words, so a term is stemmed once
per language and shared by every plan that uses it; a single word (most terms) keeps only its
stem, not the three nested tuples of its stem groups.
"""

from __future__ import annotations

from typing import cast

from bot.match.query import Term
from bot.match.story import StemGroups, Story, Where

__all__ = ["TermInfo"]


class TermInfo:
    """A term stemmed for one language, shared by every plan that uses the term."""

    __slots__ = ("_groups", "in_title", "pair", "stem", "text", "texts", "users")

    def __init__(self, term: Term, groups: StemGroups) -> None:
        self.text = term.text
        #: the text alone, as a match of just this term reports it (made once, not per match)
        self.texts = (term.text,)
        self.in_title = term.in_title
        #: how many plans use it (its compiler drops it when none does)
        self.users = 0
        #: the stem of a single word (the usual term): where it is, is a set look-up
        self.stem: str | None = None
        #: the stems of a two-word phrase: one look-up in the word pairs
        self.pair: tuple[str, str] | None = None
        #: the stems, kept unless the term is a single word (the usual: made again when asked)
        self._groups: StemGroups | None = groups
        if len(groups) == 1 and len(groups[0]) == 1 and len(groups[0][0]) == 1:
            self.stem = groups[0][0][0]
            self._groups = None
        elif all(len(group) == 1 for group in groups):
            words = [stem for group in groups for stem in group[0]]
            if len(words) == 2:
                self.pair = (words[0], words[1])

    @property
    def groups(self) -> StemGroups:
        """The term's stems, as ``stem_groups`` made them."""
        if self._groups is not None:
            return self._groups
        return (((cast(str, self.stem),),),)  # a single word keeps its stem alone

    def locate(self, story: Story) -> Where | None:
        """Where the term is in the story: "title", "text" or None (see ``Story.locate``)."""
        stem = self.stem
        if stem is not None:
            if stem in story.title.stems:
                return "title"
            return "text" if not self.in_title and stem in story.every else None
        pair = self.pair
        if pair is not None:
            if pair in story.title.pairs:
                return "title"
            return "text" if not self.in_title and pair in story.text.pairs else None
        return story.locate(self.groups, self.in_title)
