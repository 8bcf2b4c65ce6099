"""The `newsbot` command: demo, run, ingest, sources, summarize, extract.

Parsing arguments and printing are all that happens here; each command calls the stage that does
the work. Errors a user can fix (a missing file, a bad config) end with a one-line message and
exit code 2, not a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from bot.errors import ContentError, ExtractionError, FetchError, InputError
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.pages import Page

__all__ = ["main"]

T = TypeVar("T")

log = logging.getLogger("bot.cli")

TOKEN_HELP = """\
newsbot run needs a Telegram bot token, and TELEGRAM_BOT_TOKEN is not set.

  1. In Telegram, talk to @BotFather and send /newbot; it answers with a token.
  2. export TELEGRAM_BOT_TOKEN=123456:ABC...   (keep it secret: it is never read from a file)
  3. newsbot run

To see what the bot does without a token, run:  newsbot demo
To run the scheduler and print messages instead of sending them:  newsbot run --console
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot", description="A Telegram bot that watches the news for you."
    )
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: config/newsbot.toml)"
    )
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING (default from settings)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the whole flow once on the bundled samples, offline")
    demo.add_argument("--database", help="keep the demo's data in this SQLAlchemy URL")

    run = sub.add_parser("run", help="the long-running service: scheduler, delivery, Telegram")
    run.add_argument("--console", action="store_true", help="print messages instead of Telegram")
    run.add_argument(
        "--role",
        choices=("all", "ingest", "deliver"),
        help="what this worker does (several may share one PostgreSQL database)",
    )
    run.add_argument(
        "--webhook", metavar="URL", help="receive updates by webhook at this public URL"
    )
    run.add_argument("--listen", help="webhook server address (default 0.0.0.0)")
    run.add_argument("--port", type=int, help="webhook server port (default 8443)")

    ingest = sub.add_parser("ingest", help="poll feeds and report what was new")
    ingest.add_argument("--once", action="store_true", required=True, help="poll every feed once")

    summ = sub.add_parser("summarize", help="summarize a text file, HTML page or URL ('-': stdin)")
    summ.add_argument("source")
    summ.add_argument("--sentences", type=int, default=None)
    summ.add_argument("--method", default=None)
    summ.add_argument("--max-words", type=int, default=None)
    summ.add_argument("--language", default=None)
    summ.add_argument("--json", action="store_true")

    extract = sub.add_parser("extract", help="the article text of pages (HTML, .gz, URL)")
    extract.add_argument("sources", nargs="+")
    extract.add_argument("--jsonl", action="store_true")

    feeds = sub.add_parser("sources", help="the operators' public feeds, OPML, the catalog")
    action = feeds.add_subparsers(dest="action", required=True, metavar="ACTION")
    action.add_parser("list", help="every feed (public, and chats' private ones, marked)")
    action.add_parser("add", help="add a public feed: a feed's or a site's address, or a path")
    action.choices["add"].add_argument("url")
    action.add_parser("remove", help="stop polling a feed, by its URL or id")
    action.choices["remove"].add_argument("url")
    action.add_parser("import", help="add every feed of an OPML file (each read first)")
    action.choices["import"].add_argument("file", type=Path)
    action.add_parser("export", help="the public feeds as OPML, to stdout")
    catalog = action.add_parser("catalog", help="the starter catalog's feeds")
    catalog.add_argument("--language", action="append", default=[], help="e.g. en (repeatable)")
    catalog.add_argument("--country", action="append", default=[], help="e.g. DE (repeatable)")
    return parser


def _read_source(source: str) -> bytes:
    """Bytes of a file or stdin ('-'), gunzipped when they are gzip (a `.gz` page)."""
    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ExtractionError(f"not a readable gzip file: {exc}") from exc
    return data


def _text_of(source: str, settings: Settings) -> Page:
    """The article of a URL, file or stdin, read the one way ingest and /summary read pages."""
    from bot.pages import read_page

    if source.startswith(("http://", "https://")):
        return asyncio.run(_fetch(source, settings))
    return read_page(_read_source(source))


async def _fetch(url: str, settings: Settings) -> Page:
    """A URL through a Fetcher like /summary's: size cap, timeout, every redirect hop checked."""
    from bot.fetch import Fetcher
    from bot.pages import fetch_page

    fetcher = Fetcher(
        timeout=settings.telegram.page_timeout,
        max_bytes=settings.telegram.page_max_bytes,
        user_agent=settings.poll.user_agent,
    )
    try:
        return await fetch_page(fetcher, url, allow_private=settings.telegram.allow_private_urls)
    finally:
        await fetcher.aclose()


def cmd_summarize(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import summarizer

    try:
        page = _text_of(args.source, settings)
    except (OSError, FetchError, ContentError) as exc:
        print(f"newsbot summarize: {args.source}: {_reason(exc)}", file=sys.stderr)
        return 2
    title, text = page.title, page.text
    language = args.language or page.language
    sentences = summarizer.summarize(
        text,
        sentences=args.sentences or settings.summary.sentences,
        language=language,
        method=args.method or settings.summary.method,
        max_words=args.max_words or settings.summary.max_words,
        title=title,
    )
    if args.json:
        payload = {
            "source": args.source,
            "title": title,
            "language": language,
            "summary": sentences,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    else:
        for sentence in sentences:
            print(sentence, file=out)
    return 0


def _reason(exc: OSError | FetchError | ContentError) -> str:
    """One line for the user: "no such file", "HTTP 404", "no article text found"."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        return f"{exc.filename or 'input'}: {exc.strerror or exc}"
    return str(exc)


def cmd_extract(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    status = 0
    for source in args.sources:
        try:
            page = _text_of(source, settings)
        except (OSError, FetchError, ContentError) as exc:
            print(f"newsbot extract: {source}: {_reason(exc)}", file=sys.stderr)
            status = 1
            continue
        title, text, language = page.title, page.text, page.language
        if args.jsonl:
            record = {"source": source, "title": title, "text": text, "language": language}
            print(json.dumps(record, ensure_ascii=False), file=out)
        else:
            if len(args.sources) > 1:
                print(f"==> {source} <==", file=out)
            if title:
                print(f"# {title}\n", file=out)
            print(text, file=out)
    return status


def cmd_ingest(settings: Settings, out: TextIO) -> int:
    from bot.deliver import ConsoleChannel
    from bot.services import Services

    async def go() -> int:
        services = Services.build(settings, ConsoleChannel(out))
        try:
            reports = await services.pipeline.poll_all()
        finally:
            await services.aclose()
        for r in reports:
            detail = (
                f"error: {r.error}"
                if r.error
                else (
                    f"{r.new_articles} new articles, {r.new_stories} new stories, "
                    f"{r.joined} joined existing stories, {r.alerts} alerts queued"
                )
            )
            print(f"{r.feed}: {r.outcome}: {detail}", file=out)
        return 0

    return asyncio.run(go())


def cmd_sources(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`newsbot sources ...`: the operators' side of the sources chats add with /addsource."""
    from bot.catalog import load_catalog, select_entries

    if args.action == "catalog":
        entries = load_catalog(settings.sources.catalog)
        if args.language or args.country:
            entries = tuple(
                select_entries(entries, languages=args.language, countries=args.country)
            )
        for e in entries:
            print(f"{e.language}\t{e.country}\t{e.name}\t{e.url}\t{','.join(e.topics)}", file=out)
        return 0
    return asyncio.run(_sources(args, settings, out))


async def _sources(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.chat import feedlists, operator
    from bot.deliver import ConsoleChannel
    from bot.opml import read_opml
    from bot.services import Services

    services = Services.build(settings, ConsoleChannel(out))

    async def run(work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(services.db.run, work)

    now = services.clock.now()
    try:
        if args.action == "list":
            for v in await run(operator.list_feeds):
                kind = "public" if v.public else f"private ({v.followers} chats)"
                state = "active" if v.active else "stopped"
                how = "pushed, safety poll" if v.pushed else "polled"
                print(
                    f"{v.id}\t{state}\t{kind}\t{v.name}\t{v.url}\t{how} every {v.interval} s",
                    file=out,
                )
        elif args.action == "add":
            added = await feedlists.add_public(run, services.fetcher, args.url, now)
            if isinstance(added, str):
                print(f"newsbot sources add: {args.url}: {added}", file=sys.stderr)
                return 1
            print(f"added {added.id}: {added.name} ({added.url})", file=out)
        elif args.action == "remove":
            removed = await run(lambda s: operator.remove_feed(s, args.url))
            if removed is None:
                print(f"newsbot sources remove: no feed {args.url}", file=sys.stderr)
                return 1
            print(f"stopped {removed.id}: {removed.name}", file=out)
        elif args.action == "import":
            listed = read_opml(args.file.read_bytes())
            report = await feedlists.import_public(run, services.fetcher, listed, now)
            for url, name in report.added:
                print(f"added\t{url}\t{name}", file=out)
            for url in report.already:
                print(f"already\t{url}", file=out)
            for url, reason in report.failed:
                print(f"failed\t{url}\t{reason}", file=out)
            return 1 if report.failed else 0
        elif args.action == "export":
            out.write((await run(lambda s: feedlists.public_opml(s, now))).decode("utf-8"))
    finally:
        await services.aclose()
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.run import run_service

    if args.role:
        settings = settings.model_copy(update={"role": args.role})
    webhook = {
        name: value
        for name, value in (
            ("webhook_url", args.webhook),
            ("webhook_listen", args.listen),
            ("webhook_port", args.port),
        )
        if value is not None
    }
    if webhook:
        telegram = settings.telegram.model_copy(update=webhook)
        settings = settings.model_copy(update={"telegram": telegram})
    needs_token = settings.role != "ingest" and not args.console and settings.channel != "console"
    if needs_token and not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        return 2
    return run_service(settings, console=args.console or settings.channel == "console")


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    # python-telegram-bot 22: use timedeltas for retry_after (its next major's behaviour).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    try:
        configure_logging(
            args.log_level or settings.log_level,
            fmt=settings.log_format,
            secrets=[s for s in (settings.token, settings.webhook_secret) if s],
        )
    except ValueError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    if logging.getLogger().level > logging.DEBUG:  # a line per request or job pass is noise
        for noisy in ("httpx", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command in {"demo", "summarize", "extract", "sources"} and not args.log_level:
        logging.getLogger().setLevel(logging.WARNING)
    try:
        if args.command == "demo":
            from bot.demo import main_demo

            if args.database:
                settings = settings.model_copy(update={"database_url": args.database})
            return main_demo(settings, out)
        if args.command == "summarize":
            return cmd_summarize(args, settings, out)
        if args.command == "extract":
            return cmd_extract(args, settings, out)
        if args.command == "ingest":
            return cmd_ingest(settings, out)
        if args.command == "sources":
            return cmd_sources(args, settings, out)
        if args.command == "run":
            return cmd_run(args, settings, out)
    except FileNotFoundError as exc:
        print(f"newsbot: {exc.filename}: no such file", file=sys.stderr)
        return 2
    except (ConfigError, InputError) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
