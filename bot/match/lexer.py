"""Reading a query's text into lexemes: words, quoted phrases, parentheses, OR, minus, operators.

Lenient where people are (curly quotes, a dash typed for a minus, ``|`` for OR, ``AND`` said out
loud), strict where a mistake would change the meaning (an unclosed quote, an ``intitle:`` or
``site:`` with nothing after it, a ``site:`` that is no domain): those raise :class:`QueryError`
with an example that works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.errors import QueryError

__all__ = ["EXAMPLE", "QUOTES", "Kind", "Lexeme", "lex"]

QUOTES = '"“”„‟«»＂'
_DASHES = "-−–—"  # a minus typed as hyphen, minus sign, or the en/em dash phones substitute
_STOP = set(QUOTES) | {"(", ")"}
EXAMPLE = 'ceasefire "peace plan" -olympics'
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")

Kind = Literal["word", "phrase", "(", ")", "or", "not", "intitle", "site"]


@dataclass(frozen=True, slots=True)
class Lexeme:
    """One unit of a query: its kind and, for words, phrases and operators, its text."""

    kind: Kind
    text: str = ""
    phrase: bool = False


def _read_phrase(text: str, i: int) -> tuple[str, int]:
    """The phrase starting at the quote at ``i`` and the index after its closing quote."""
    for j in range(i + 1, len(text)):
        if text[j] in QUOTES:
            return text[i + 1 : j], j + 1
    raise QueryError(
        f"A quotation mark is not closed. Put a phrase between two quotes, e.g.: {EXAMPLE}"
    )


def _site_host(raw: str) -> str:
    """The host of ``site:`` as stored: lower case, IDNA, no scheme, path or port."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", raw.strip().lower())
    host = re.split(r"[/?#:]", host, maxsplit=1)[0].strip(".")
    host = host.removeprefix("*.")
    error = QueryError(
        f"“site:{raw}” is not a web address. Write the site's domain, "
        "e.g.: ceasefire site:bbc.co.uk"
    )
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise error from None
    labels = host.split(".")
    if not host or len(host) > 253 or not all(len(x) <= 63 and _LABEL.fullmatch(x) for x in labels):
        raise error
    return host


def lex(text: str) -> list[Lexeme]:
    out: list[Lexeme] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(Lexeme(c))  # type: ignore[arg-type]
            i += 1
        elif c in QUOTES:
            phrase, i = _read_phrase(text, i)
            out.append(Lexeme("phrase", phrase, phrase=True))
        elif c in _DASHES:
            while i < n and text[i] in _DASHES:
                i += 1
            if i < n and not text[i].isspace():
                out.append(Lexeme("not"))
        elif c == "|":
            out.append(Lexeme("or"))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _STOP:
                j += 1
            chunk, i = text[i:j], j
            lower = chunk.lower()
            if chunk == "OR":
                out.append(Lexeme("or"))
            elif chunk == "AND":
                continue  # AND is what juxtaposition already means
            elif lower.startswith("intitle:"):
                rest = chunk[len("intitle:") :]
                if not rest and i < n and text[i] in QUOTES:
                    rest, i = _read_phrase(text, i)
                    out.append(Lexeme("intitle", rest, phrase=True))
                elif rest:
                    out.append(Lexeme("intitle", rest))
                else:
                    raise QueryError(
                        'intitle: needs a word or a "quoted phrase" right after it, '
                        "e.g.: intitle:ceasefire ukraine"
                    )
            elif lower.startswith("site:"):
                if not chunk[len("site:") :]:
                    raise QueryError(
                        "site: needs a domain right after it, e.g.: ceasefire site:bbc.co.uk"
                    )
                out.append(Lexeme("site", _site_host(chunk[len("site:") :])))
            else:
                out.append(Lexeme("word", chunk))
    return out
