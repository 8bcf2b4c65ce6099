"""Build sumy's document model (paragraphs of sentences, headings apart) from plain text.

sumy's ``PlaintextParser`` joins the lines of a paragraph before splitting it, which glues
bullets and bylines onto the sentence after them. This builder keeps every line break as a
boundary (see :mod:`._splitting`) and produces the same ``ObjectDocumentModel`` of
``Paragraph`` and ``Sentence`` objects, so every sumy summarizer runs on it unchanged.
"""

from __future__ import annotations

from itertools import groupby

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

from ._splitting import Block, NewsTokenizer, split_block, split_blocks

__all__ = ["build_document", "sentences_of"]


def sentences_of(blocks: list[Block], language: str) -> list[tuple[str, Block]]:
    """Every sentence with the block it came from, in text order."""
    return [(sentence, block) for block in blocks for sentence in split_block(block.text, language)]


def build_document(text: str, language: str, title: str | None = None) -> ObjectDocumentModel:
    """sumy's document for ``text``; ``title`` (if any) becomes a heading before it.

    Heading-like lines become sumy headings, which summarizers never select. When a text has
    nothing but such lines they are kept as sentences, so any text with words can be
    summarized.
    """
    tokenizer = NewsTokenizer(language)
    blocks = split_blocks(text)
    has_sentences = any(not block.is_heading for block in blocks)
    paragraphs: list[Paragraph] = []
    if title and title.strip():
        paragraphs.append(Paragraph([Sentence(" ".join(title.split()), tokenizer, True)]))
    pieces = sentences_of(blocks, language)
    for _number, group in groupby(pieces, key=lambda piece: piece[1].paragraph):
        paragraphs.append(
            Paragraph(
                Sentence(sentence, tokenizer, block.is_heading and has_sentences)
                for sentence, block in group
            )
        )
    return ObjectDocumentModel(paragraphs)
