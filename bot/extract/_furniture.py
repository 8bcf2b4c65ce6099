"""Page furniture removed from flattened text: share bars, prompts, teaser blocks, menus.

General rules, no per-site strings. `filter_article_lines` cleans what trafilatura kept of
an article region; `clean_text` also finds the article in text flattened from a whole page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.extract._lines import WORD, Line, lines_of

__all__ = ["clean_text", "filter_article_lines", "filter_lines"]

_DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b",
    re.IGNORECASE,
)
_SOCIAL_WORDS = frozenset(
    """share shares shared sharing tweet email e mail print copy link links facebook twitter x
    instagram linkedin pinterest tumblr reddit whatsapp telegram messenger flipboard youtube
    tiktok threads bluesky mastodon vk pocket sms comment comments save copied on via the
    and or us follow rss feed google news""".split()  # noqa: SIM905 (a list of words)
)
# Lines that are furniture wherever they appear (matched on the whole, trimmed line).
_FURNITURE = re.compile(
    r"""(?:
        (?:©|ⓒ|\(c\)|copyright\b).*
      | (?:advertisement|advertising|sponsored(?:\ content)?|ad|story\ continues\ below.*|
         continue\ reading(?:\ below)?|scroll\ to\ continue.*|close\ menu|menu|search|
         skip\ to\ (?:main\ )?content|back\ to\ top|toggle\ navigation|web\ stories|
         exit\ mobile\ version|loading\.*|photo:.*|image:.*|getty\ images|tags?:.*|topics?:.*)
      | \d*\s*comments?
      | (?:leave\ a\ (?:comment|reply)|join\ the\ conversation|show\ comments|view\ comments)
      | (?:read|see|watch|listen)\ (?:more|also|next)\b.*
      | (?:also\ read|read\ also|related(?:\ \w+)?|more|recommended|watch)\s*[:|].*
      | \[?(?:related|read\ more|see\ also|also\ read)\b.*\]
      | also\ on\ \S+\.\w+\b.*
      | \(?(?:additional\ )?(?:reporting|writing|editing)\ by\b.*
      | .*\bcontributed\ (?:to\ )?(?:this\ )?report(?:ing)?\b.*
      | (?:source|sources|filed\ under|credit|credits|photo\ credit|image\ credit)\s*:.*
      | [|:\s-]+
      | like\ this\ (?:story|article)\b.*
      | the\ post\ .+\ appeared\ first\ on\ .+
      | \[?(?:…|\.\.\.)\]?
      | (?:leia|veja)\ (?:também|mais).* | leggi\ anche.* | lesen\ sie\ (?:auch|mehr).*
      | (?:à\ )?lire\ aussi.* | ver\ también.* | lea\ también.* | читайте\ также.*
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Calls to action: a line that opens with an imperative aimed at the reader ...
_CALL_TO_ACTION = re.compile(
    r"""(?:follow|like\ us|subscribe|sign\ up|signup|get\ (?:the|our|all|breaking|access)|
        download|listen|watch|click|tap|join|share|email|e-mail|write\ to|reach|contact|
        send\ us|tell\ us|have\ a\ tip|thanks\ for\ signing|thank\ you\ for\ signing|
        don'?t\ miss|never\ miss|stay\ (?:informed|up\ to\ date|updated)|start\ your\ day|
        we'?d\ like\ to\ hear|if\ you\ (?:enjoyed|liked|value)|support\ (?:our|us)|
        become\ a\ (?:member|subscriber)|for\ more\b|sorry\b|there\ was\ an\ error)""",
    re.IGNORECASE | re.VERBOSE,
)
# ... and names a channel (newsletter, app, social network, e-mail).
_CHANNEL = re.compile(
    r"newsletter|inbox|subscri|sign(?:ing)? up|\bapp\b|podcast|twitter|facebook|instagram|"
    r"youtube|tiktok|linkedin|whatsapp|telegram|@|https?://|e-?mail|rss|notifications|"
    r"membership|members|donat|error|click here|our content",
    re.IGNORECASE,
)
# Headings that open a block of teasers for other stories; everything up to the next real
# paragraph is dropped with them. Generic across sites (and a few common non-English ones).
_TEASER_MARKER = re.compile(
    r"""(?:keep\ reading|editors?['’]?s?\ picks?|editor['’]?s\ choice|related(?:\ (?:articles?|
        stories|posts|news|content|coverage|reading|topics|links|videos?))?|you\ (?:may|might)
        \ (?:also\ )?(?:like|enjoy|be\ interested\ in)|more\ (?:from|on|in|about|stories|news|
        like\ this|to\ explore)\b.*|recommended(?:\ for\ you|\ stories|\ articles)?|
        most\ (?:read|popular|viewed|shared|commented)\b.*|popular\ (?:on|in)\ .*|
        explore\ (?:further|more)|latest(?:\ news|\ stories|\ articles)?|
        trending(?:\ now|\ stories|\ news)?|top\ stories|popular(?:\ now|\ posts|\ stories)?|
        read\ next|what\ to\ read\ next|up\ next|don['’]?t\ miss|around\ the\ web|
        further\ reading|in\ other\ news|what['’]?s\ on|from\ around\ the\ web|more\ news|
        sponsored\ (?:links|stories)|promoted\ (?:links|stories)|partner\ content|
        subscribe\ to\ (?:our\ )?news(?:letter)?|newsletter|comments|tags|share\ this(?:\ article|
        \ story|\ post)?|about\ the\ author|leia\ também|veja\ também|notícias\ relacionadas|
        leggi\ anche|articoli\ correlati|lesen\ sie\ auch|mehr\ zum\ thema|lire\ aussi|
        à\ lire\ aussi|noticias\ relacionadas|читайте\ также|по\ теме|관련\ ?기사)
        [\s:.…!|»>-]*""",
    re.IGNORECASE | re.VERBOSE,
)
# An in-text teaser link ("Read more: <headline>", "Related: <headline>"); the headlines that
# follow it, if any, belong to the same teaser block.
_TEASER_PREFIX = re.compile(
    r"(?:read\ more|see\ more|read\ also|also\ read|see\ also|related(?:\ \w+)?|more)\s*:",
    re.IGNORECASE,
)
#: Teaser blocks end at a paragraph this long (words) that ends like a sentence.
_RESUME_WORDS = 20
#: Short lines allowed between two prose paragraphs inside the article (subheadings, quotes).
_MAX_GAP = 3
#: Without any prose, lines of at least this many words are kept (a teaser, not a menu).
_MIN_FALLBACK_WORDS = 4
#: Lines longer than this (words) are never furniture: prompts and share bars are short.
_MAX_FURNITURE_WORDS = 45


def _is_share_bar(line: Line) -> bool:
    if line.words > 15:
        return False
    words = [word.lower() for word in WORD.findall(line.text)]
    return bool(words) and all(word in _SOCIAL_WORDS for word in words)


def _is_dateline(line: Line) -> bool:
    """A short line carrying a date or time: "Updated 4:14 p.m.", "By staff | Nov 19, 2019".

    Lines opening with an em dash are kept: that is how embedded tweets sign off.
    """
    return (
        line.words <= 10
        and not line.prose
        and not line.text.startswith("—")
        and bool(_DATE.search(line.text))
    )


def _is_furniture(line: Line) -> bool:
    """A line that is page furniture wherever it stands (share bar, copyright, prompt)."""
    if line.words > _MAX_FURNITURE_WORDS:
        return False
    text = line.text
    if _is_share_bar(line) or _FURNITURE.fullmatch(text):
        return True
    if text[:1] in "([" and text[-1:] in ")]" and _FURNITURE.fullmatch(text[1:-1].strip()):
        return True  # a bracketed aside: "(Read more: ...)", "[Related: ...]"
    lower = text.lower()
    if "all rights reserved" in lower or "newsletter" in lower or "inbox" in lower:
        return True
    return bool(_CALL_TO_ACTION.match(text) and _CHANNEL.search(text))


def _drop_furniture(lines: Sequence[Line]) -> list[Line]:
    """Drop furniture lines, datelines, and each teaser block from its marker to real prose.

    A marker such as "Keep Reading" or "Related" is followed by headlines of other stories;
    they look like short lines, so the block ends only where prose resumes. A dateline is
    dropped unless a neighbour is one too: a run of dated lines is a schedule, not furniture.
    """
    dated = [_is_dateline(line) for line in lines]
    slides = _gallery_slides(lines)
    kept: list[Line] = []
    in_teasers = False
    for i, line in enumerate(lines):
        if i in slides:
            continue
        if line.words <= 12 and _TEASER_MARKER.fullmatch(line.text):
            in_teasers = True
            continue
        if line.words <= _MAX_FURNITURE_WORDS and _TEASER_PREFIX.match(line.text):
            in_teasers = True  # "Related: <headline>" is often followed by more headlines
            continue
        if in_teasers and not (line.prose and line.words >= _RESUME_WORDS):
            continue
        in_teasers = False
        if dated[i] and not ((i > 0 and dated[i - 1]) or (i + 1 < len(dated) and dated[i + 1])):
            continue
        if not _is_furniture(line):
            kept.append(line)
    return kept


# A caption numbered as a slide of a gallery: "1/50 United going down ...", "- 2/50 ...".
_SLIDE = re.compile(r"[-•]?\s*(\d{1,3})\s*/\s*(\d{1,3})\b")
#: Slides numbered in a row from this many on are a gallery (one "3/4" may be a score).
_MIN_SLIDES = 3


def _gallery_slides(lines: Sequence[Line]) -> set[int]:
    """Indexes of lines captioning a photo gallery: three or more numbered k/N, same N, in a row
    of increasing k. Their captions read like prose, but they belong to other stories."""
    numbered: list[tuple[int, int, int]] = []
    for i, line in enumerate(lines):
        match = _SLIDE.match(line.text)
        if match:
            numbered.append((i, int(match.group(1)), int(match.group(2))))
    slides: set[int] = set()
    run: list[tuple[int, int, int]] = []
    for item in numbered:
        if run and not (item[2] == run[-1][2] and item[1] == run[-1][1] + 1):
            if len(run) >= _MIN_SLIDES:
                slides.update(i for i, _, _ in run)
            run = []
        run.append(item)
    if len(run) >= _MIN_SLIDES:
        slides.update(i for i, _, _ in run)
    return slides


def _same_text(a: str, b: str) -> bool:
    words_a: list[str] = WORD.findall(a.lower())
    words_b: list[str] = WORD.findall(b.lower())
    return words_a == words_b


#: Leading lines shorter than this (words) and not prose are headline, standfirst or byline.
_MAX_LEAD_WORDS = 15


def filter_article_lines(raw: Iterable[str], title: str | None = None) -> str:
    """Furniture rules applied to trafilatura's output (already the article region).

    Also drops the headline (trafilatura keeps the page's <h1>: it is the title, not body),
    and the short headline-like lines before the first paragraph of prose (standfirst,
    byline). Short lines after the last paragraph stay: lists, tables and links often end an
    article.
    """
    return filter_lines(lines_of(raw), title)


def filter_lines(lines: Sequence[Line], title: str | None = None) -> str:
    """`filter_article_lines` on lines already made (`lines_of`)."""
    kept = _drop_furniture(lines)
    while kept and title is not None and _same_text(kept[0].text, title):
        kept = kept[1:]
    prose = [i for i, line in enumerate(kept) if line.prose]
    if not prose:
        return "\n\n".join(line.text for line in kept)  # lists, tables: the caller judges
    start = 0
    while start < prose[0] and kept[start].words < _MAX_LEAD_WORDS:
        start += 1
    return "\n\n".join(line.text for line in kept[start:])


def _main_block(lines: Sequence[Line]) -> list[Line]:
    """The densest run of prose: sentence-like paragraphs with short gaps between them.

    Short lines inside the run (subheadings, pull quotes) are kept; short lines outside it
    (menus, teaser headlines, footers) are not. Runs are scored by their prose words; the best
    is kept, plus any other run at least half as heavy (an article split by a box).
    Text without any prose (a short feed teaser) keeps its lines of a few words.
    """
    prose = [i for i, line in enumerate(lines) if line.prose]
    if not prose:
        # a feed teaser or a headline: keep lines of a few words, not menu items
        return [line for line in lines if line.words >= _MIN_FALLBACK_WORDS]
    runs: list[list[int]] = [[prose[0]]]
    for i in prose[1:]:
        if i - runs[-1][-1] - 1 > _MAX_GAP:
            runs.append([i])
        else:
            runs[-1].append(i)
    weights = [sum(lines[i].words for i in run) for run in runs]
    best = max(weights)
    out: list[Line] = []
    for run, weight in zip(runs, weights, strict=True):
        if weight * 2 >= best:
            out.extend(lines[run[0] : run[-1] + 1])
    return out


def clean_text(text: str) -> str:
    """Only the article's paragraphs from text flattened from a whole page.

    General rules, no per-site strings: furniture lines go (share bars, copyright, newsletter
    prompts, datelines), teaser blocks go from their marker ("Keep Reading", "Editors Picks",
    "Related", "Latest News", ...) to the next real paragraph, and of what is left only the
    densest run of sentence-like paragraphs stays, so menus and headline lists around the
    article disappear while subheadings inside it survive. Paragraphs are separated by a
    blank line in the result.
    """
    lines = _drop_furniture(lines_of(text.splitlines()))
    return "\n\n".join(line.text for line in _main_block(lines))
