"""A local Telegram Bot API server for tests: real HTTP, Telegram's own request and answer shapes.

The real python-telegram-bot client talks to it unchanged (``Bot(fake.token,
base_url=fake.base_url)``), so a test exercises the same serialisation, error mapping and long
polling as production, and nothing ever reaches the network. The server runs in a background
thread, which leaves the test's own event loop free to drive the client.

Telegram's behaviour is reproduced where our code depends on it: ``parse_mode=HTML`` parsed with
tdlib's rules and error wording, the 4096-character limit on the *visible* text, flood control
(429 with ``retry_after``), blocked and kicked chats (403), group migration (400 with
``migrate_to_chat_id``), closed forum topics, replies to unknown messages, and long polling that
honours ``offset``, ``timeout`` and ``allowed_updates``. Channels made with ``add_channel`` have
their administrators' rights: ``getChatMember`` answers as Telegram does (creator, administrator
with ``can_post_messages``, or 400 "member list is inaccessible" while the bot is no
administrator there), and posting needs the right. Documents: users send files
(``push_document``), the bot reads them with ``getFile`` and the file download URL, and sends
its own with ``sendDocument``.

One deliberate difference: Telegram keeps a bare ``&`` (or an unknown ``&name;``) literally,
although its documentation requires ``&amp;``. The fake refuses it by default
(``strict_ampersand=True``) so a renderer that forgets to escape fails here, not in a chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import json
import logging
import math
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import telegram
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "MAX_TEXT_LENGTH",
    "EntityParseError",
    "FakeBotApi",
    "parse_html",
]

_LOG = logging.getLogger(__name__)

JSON = dict[str, Any]

BOT_ID = 999000
BOT_USERNAME = "newsbot_test_bot"
BOT_FIRST_NAME = "newsbot"
MAX_TEXT_LENGTH = 4096  # Unicode code points of the visible text (Telegram counts scalars)

_DEFAULT_TOKEN = f"{BOT_ID}:TEST-fake-bot-api-token"
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})


# --------------------------------------------------------------------------------------------
# Telegram HTML, parsed the way tdlib's parse_html does (td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------------


class EntityParseError(ValueError):
    """Telegram's "can't parse entities" refusal; ``str()`` is the part after that prefix."""


_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_ENTITY_TYPE = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SPACES = frozenset(" \t\r\n\v\f\0")  # tdlib's is_space; the end of the text counts as NUL
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(?:[xX]([0-9a-fA-F]+)|([0-9]+))|([A-Za-z]+))(;?)")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the visible text where the tag opened
    expandable: bool


class _HtmlParser:
    """One pass over the text, mirroring tdlib so the same inputs fail with the same words."""

    def __init__(self, text: str, strict_ampersand: bool) -> None:
        self.text = text
        self.n = len(text)
        self.strict = strict_ampersand
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def parse(self) -> tuple[str, list[JSON]]:
        i = 0
        while i < self.n:
            c = self.text[i]
            if c == "&":
                i = self._character_reference(i)
            elif c == "<":
                i = self._end_tag(i) if self._ch(i + 1) == "/" else self._start_tag(i)
            else:
                self._append(c)
                i += 1
        if self.stack:
            name = self.stack[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _ch(self, i: int) -> str:
        return self.text[i] if i < self.n else "\0"

    def _space(self, i: int) -> bool:
        return self._ch(i) in _SPACES

    def _skip_spaces(self, i: int) -> int:
        while i < self.n and self._space(i):
            i += 1
        return i

    def _byte(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8"))

    def _append(self, s: str) -> None:
        self.out.append(s)
        self.utf16 += _utf16_len(s)

    def _decode(self, i: int) -> tuple[str | None, int]:
        """The character an HTML entity at `i` stands for and the index after it, or None."""
        m = _ENTITY_RE.match(self.text, i)
        if m is None:
            return None, i
        hex_digits, digits, name, semicolon = m.groups()
        char: str | None
        if name is not None:
            char = _NAMED_ENTITIES.get(name)
        else:
            code = int(hex_digits, 16) if hex_digits else int(digits)
            valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
            char = chr(code) if valid else None
        if char is None or (self.strict and not semicolon):
            return None, i
        return char, m.end()

    def _bare_ampersand(self, i: int) -> EntityParseError:
        return EntityParseError(
            f'Unescaped "&" at byte offset {self._byte(i)}: write it as "&amp;" '
            "(Telegram would keep it; this fake is strict)"
        )

    def _character_reference(self, i: int) -> int:
        char, end = self._decode(i)
        if char is None:
            if self.strict:
                raise self._bare_ampersand(i)
            self._append("&")
            return i + 1
        self._append(char)
        return end

    def _start_tag(self, begin: int) -> int:
        at = self._byte(begin)
        i = begin + 1
        while not self._space(i) and self._ch(i) != ">":
            i += 1
        if i >= self.n:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        name = self.text[begin + 1 : i].lower()
        if name not in _ALLOWED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {at}')

        argument = ""
        expandable = False
        while self._ch(i) != ">":
            i = self._skip_spaces(i)
            if i >= self.n:
                raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {at}')
            if self._ch(i) == ">":
                break
            attribute_begin = i
            while not self._space(i) and self._ch(i) not in "=>":
                i += 1
            attribute = self.text[attribute_begin:i]
            if not attribute:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {at}'
                )
            i = self._skip_spaces(i)
            if self._ch(i) != "=":
                if name == "blockquote" and attribute == "expandable":
                    expandable = True
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {at}'
                )
            i = self._skip_spaces(i + 1)
            if i >= self.n:
                raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {at}')
            value, i = self._attribute_value(i)
            if i >= self.n:
                raise EntityParseError(f"Unclosed start tag at byte offset {at}")
            if name == "a" and attribute == "href":
                argument = value
            elif name == "code" and attribute == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif name == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif name == "tg-emoji" and attribute == "emoji-id":
                argument = value

        if name == "span" and argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if name == "tg-emoji" and not _is_int64(argument):
            raise EntityParseError("Invalid custom emoji identifier specified")
        self.stack.append(_OpenTag(name, argument, self.utf16, expandable))
        return i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        quote = self._ch(i)
        if quote not in "'\"":
            # a name token: letters, digits, periods, hyphens; not case sensitive
            token_begin = i
            while self._ch(i).isascii() and (self._ch(i).isalnum() or self._ch(i) in ".-"):
                i += 1
            if not self._space(i) and self._ch(i) != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {self._byte(token_begin)}"
                )
            return self.text[token_begin:i].lower(), i
        i += 1
        chars: list[str] = []
        while i < self.n and self.text[i] != quote:
            if self.text[i] == "&":
                char, end = self._decode(i)
                if char is not None:
                    chars.append(char)
                    i = end
                    continue
                if self.strict:
                    raise self._bare_ampersand(i)
            chars.append(self.text[i])
            i += 1
        if i < self.n:
            i += 1  # the closing quote
        return "".join(chars), i

    def _end_tag(self, begin: int) -> int:
        at = self._byte(begin)
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {at}")
        i = begin + 2
        while not self._space(i) and self._ch(i) != ">":
            i += 1
        end_name = self.text[begin + 2 : i]
        i = self._skip_spaces(i)
        if self._ch(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {at}")
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {at}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        self._close(tag)
        return i + 1

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.offset
        if length == 0:
            return
        if tag.name == "code" and tag.argument and self.stack and self.stack[-1].name == "pre":
            self.stack[-1].argument = tag.argument  # <pre><code class="language-x"> is one entity
            return
        entity: JSON = {"type": _ENTITY_TYPE[tag.name], "offset": tag.offset, "length": length}
        if tag.name == "a":
            if not tag.argument:
                return
            entity["url"] = tag.argument
        elif tag.name == "pre" and tag.argument:
            entity["language"] = tag.argument
        elif tag.name == "blockquote" and tag.expandable:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        self.entities.append(entity)


def _is_int64(text: str) -> bool:
    return re.fullmatch(r"-?[0-9]{1,19}", text) is not None and -(2**63) <= int(text) < 2**63


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML as the Bot API does; return the visible text and its entities.

    Entity offsets and lengths are in UTF-16 code units, as in the Bot API; error messages use
    tdlib's wording with UTF-8 byte offsets. Usable on its own to check rendered HTML offline.

    Raises:
        EntityParseError: where Telegram answers "Bad Request: can't parse entities: ...".
    """
    return _HtmlParser(text, strict_ampersand).parse()


# --------------------------------------------------------------------------------------------
# The fake server's state
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """A refusal in Telegram's shape: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(what: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {what}")


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None
    username: str | None
    first_name: str | None
    admins: set[int]
    is_forum: bool
    members: set[int] = field(default_factory=set)
    closed_topics: set[int] = field(default_factory=set)
    gone: str | None = None  # the 403 description once the bot was blocked or kicked
    migrated_to: int | None = None
    # A channel made with add_channel: its creator and administrators as getChatMember shows
    # them (the bot among them while it is an administrator); None for every other chat.
    rights: dict[int, JSON] | None = None
    messages: dict[int, JSON] = field(default_factory=dict)
    last_message_id: int = 0

    def as_json(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Test"
        else:
            chat["title"] = self.title or f"Chat {self.id}"
        if self.username:
            chat["username"] = self.username
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


@dataclass
class _Storm:
    remaining: int
    retry_after: int
    chat_id: int | None


@dataclass
class _Limits:
    """Telegram's documented flood limits, counted over sliding windows of accepted messages."""

    per_chat_per_s: int | None
    global_per_s: int | None
    group_per_min: int | None
    clock: Callable[[], float]
    overall: deque[float] = field(default_factory=deque)
    per_chat: dict[int, deque[float]] = field(default_factory=dict)

    def retry_after(self, chat_id: int) -> int | None:
        """Seconds to wait if one more message to `chat_id` now would exceed a limit."""
        now = self.clock()
        _forget_older(self.overall, now, 1.0)
        times = self.per_chat.setdefault(chat_id, deque())
        _forget_older(times, now, 60.0)
        waits = [
            _wait_for_window(self.overall, self.global_per_s, 1.0, now),
            _wait_for_window(times, self.per_chat_per_s, 1.0, now),
        ]
        if chat_id < 0:
            waits.append(_wait_for_window(times, self.group_per_min, 60.0, now))
        longest = max((w for w in waits if w is not None), default=None)
        return None if longest is None else max(1, math.ceil(longest))

    def record(self, chat_id: int) -> None:
        now = self.clock()
        self.overall.append(now)
        self.per_chat.setdefault(chat_id, deque()).append(now)


def _forget_older(times: deque[float], now: float, window: float) -> None:
    while times and now - times[0] >= window:
        times.popleft()


def _wait_for_window(
    times: deque[float], limit: int | None, window: float, now: float
) -> float | None:
    if limit is None:
        return None
    recent = [t for t in times if now - t < window]
    if len(recent) < limit:
        return None
    return window - (now - recent[len(recent) - limit])


_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "allowed_updates",
        "commands",
        "scope",
    }
)


def _typed(params: dict[str, Any]) -> JSON:
    """Form fields arrive as strings (PTB JSON-encodes everything that is not a string)."""
    typed: JSON = {}
    for name, value in params.items():
        if isinstance(value, str):
            if name in _INT_FIELDS and re.fullmatch(r"-?[0-9]+", value):
                value = int(value)
            elif name in _BOOL_FIELDS and value in ("true", "false"):
                value = value == "true"
            elif name in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise _bad_request(f"can't parse {name} JSON object") from exc
        typed[name] = value
    return typed


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        try:
            loaded = json.loads(body)
        except ValueError as exc:
            raise _bad_request("can't parse JSON encoded request body") from exc
        if not isinstance(loaded, dict):
            raise _bad_request("JSON object expected")
        return loaded
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename:
                fields[str(name)] = {"filename": filename, "size": len(payload), "content": payload}
            else:
                fields[str(name)] = payload.decode("utf-8", "replace")
        return fields
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _user_json(user_id: int, first_name: str, username: str | None, *, is_bot: bool) -> JSON:
    user: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username:
        user["username"] = username
    return user


_BOT_USER = _user_json(BOT_ID, BOT_FIRST_NAME, BOT_USERNAME, is_bot=True)
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


class FakeBotApi:
    """A Telegram Bot API server on 127.0.0.1 for one test; thread-safe test controls.

    Use as a context manager (or ``start()``/``stop()``), point a ``telegram.Bot`` at
    ``base_url`` with ``token``, add chats, push updates, provoke refusals, then inspect what the
    bot sent. Methods: getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo,
    setMyCommands, getMyCommands, deleteMyCommands, sendMessage, sendDocument, editMessageText,
    answerCallbackQuery, getChat, getChatMember, getChatAdministrators, getFile, sendChatAction,
    close, logOut, and file downloads; any other method answers 404 like Telegram.
    """

    def __init__(self, token: str = _DEFAULT_TOKEN, *, strict_ampersand: bool = True) -> None:
        self.token = token
        self.strict_ampersand = strict_ampersand
        self._cond = threading.Condition()
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSON] = {}
        self._updates: list[JSON] = []
        self._last_update_id = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._webhook: JSON = {}
        self._webhook_answers: list[int] = []
        self._commands: dict[str, list[JSON]] = {}
        self._callbacks: dict[str, bool] = {}  # callback query id -> answered
        self._last_callback_id = 0
        self._storms: list[_Storm] = []
        self._outage: tuple[int, int] = (0, 502)  # (requests left, HTTP status)
        self._limits: _Limits | None = None
        self._sent: list[JSON] = []
        self._edits: list[JSON] = []
        self._calls: list[JSON] = []
        self._answered: list[JSON] = []
        self._documents: list[JSON] = []  # accepted sendDocument calls
        self._files: dict[str, tuple[str, bytes, JSON]] = {}  # file_id -> (path, bytes, Document)
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle ------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Listen on a free port of 127.0.0.1 and serve from a background thread."""
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started; make a new one per test")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release held long polls, close every connection and join the server's threads."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to pass as ``Bot(base_url=...)``: PTB appends the token and the method."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def bot(self, **request_options: Any) -> telegram.Bot:
        """A real ``telegram.Bot`` pointed at this server; not initialized (``async with`` it).

        `request_options` go to both of its ``HTTPXRequest`` objects (e.g. ``read_timeout``).
        """
        return telegram.Bot(self.token, **self._endpoints(request_options))

    def ext_bot(self, rate_limiter: BaseRateLimiter[Any], **request_options: Any) -> ExtBot[Any]:
        """Like `bot`, but PTB's ``ExtBot`` with `rate_limiter` pacing its requests."""
        return ExtBot(self.token, rate_limiter=rate_limiter, **self._endpoints(request_options))

    def _endpoints(self, request_options: dict[str, Any]) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "base_file_url": self.base_file_url,
            "request": _plain_http_request(256, request_options),
            "get_updates_request": _plain_http_request(1, request_options),
        }

    # ---- test controls: the world ----------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        type: str = "private",
        title: str | None = None,
        username: str | None = None,
        admins: Iterable[int] = (),
        is_forum: bool = False,
    ) -> JSON:
        """Make a chat known to the bot; private chats have positive ids, others negative.

        For a private chat `title` is the user's first name. Returns the chat as Telegram shows it.
        """
        if type not in _CHAT_TYPES:
            raise ValueError(f"chat type must be one of {sorted(_CHAT_TYPES)}, not {type!r}")
        if (type == "private") != (chat_id > 0):
            raise ValueError(f"private chats have positive ids, others negative: {type} {chat_id}")
        with self._cond:
            chat = _Chat(
                id=chat_id,
                type=type,
                title=title,
                username=username,
                first_name=None,
                admins=set(admins),
                is_forum=is_forum,
            )
            if type == "private":
                chat.first_name = self._remember_user(chat_id, title, username)["first_name"]
                chat.members.add(chat_id)
            chat.members.update(chat.admins)
            self._chats[chat_id] = chat
            return chat.as_json()

    def add_channel(
        self,
        chat_id: int,
        title: str,
        *,
        owner: int,
        username: str | None = None,
        admins: Iterable[int] = (),
        bot_can_post: bool | None = True,
    ) -> JSON:
        """A channel created by `owner`, with other administrators `admins`. The bot is an
        administrator allowed to post (`bot_can_post=True`), one without that right (False),
        or not in the channel at all (None). Returns the chat as Telegram shows it."""
        chat = self.add_chat(chat_id, "channel", title=title, username=username)
        with self._cond:
            channel = self._chat(chat_id)
            user = self._remember_user(owner, None, None)
            channel.rights = {owner: {"status": "creator", "user": user, "is_anonymous": False}}
            for admin in admins:
                channel.rights[admin] = _channel_admin(self._remember_user(admin, None, None))
            channel.members.update(channel.rights)
        self.set_bot_rights(chat_id, bot_can_post)
        return chat

    def set_bot_rights(self, chat_id: int, can_post: bool | None) -> None:
        """Promote the bot in a channel made with `add_channel` (`can_post` True or False), or
        remove it (None): posting then answers 400 "need administrator rights in the channel
        chat", or 403 "bot is not a member of the channel chat"."""
        with self._cond:
            channel = self._chat(chat_id)
            if channel.rights is None:
                raise ValueError(f"chat {chat_id} was not made with add_channel()")
            channel.rights.pop(BOT_ID, None)
            if can_post is not None:
                channel.rights[BOT_ID] = _channel_admin(_BOT_USER, can_post=can_post)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends answer 403 from now on."""
        with self._cond:
            self._chat(chat_id).gone = "Forbidden: bot was blocked by the user"

    def kick(self, chat_id: int) -> None:
        """The bot was removed from the group: sends answer 403 from now on."""
        with self._cond:
            chat = self._chat(chat_id)
            kind = "supergroup" if chat.type == "supergroup" else "group"
            if chat.type == "channel":
                chat.gone = "Forbidden: bot is not a member of the channel chat"
            else:
                chat.gone = f"Forbidden: bot was kicked from the {kind} chat"

    def migrate(self, chat_id: int, new_id: int) -> None:
        """The group became a supergroup `new_id`; the old id answers 400 with its new id."""
        if new_id >= 0:
            raise ValueError("supergroup ids are negative")
        with self._cond:
            old = self._chat(chat_id)
            old.migrated_to = new_id
            new = _Chat(
                id=new_id,
                type="supergroup",
                title=old.title,
                username=None,
                first_name=None,
                admins=set(old.admins),
                is_forum=False,
                members=set(old.members),
            )
            self._chats[new_id] = new

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Close a forum topic: sends into it answer 400 TOPIC_CLOSED."""
        with self._cond:
            self._chat(chat_id).closed_topics.add(thread_id)

    def rate_limit_storm(self, n: int, retry_after: int = 1, chat_id: int | None = None) -> None:
        """The next `n` sendMessage calls (to `chat_id`, or to any chat) answer 429."""
        with self._cond:
            self._storms.append(_Storm(n, retry_after, chat_id))

    def outage(self, n: int, status: int = 502) -> None:
        """The next `n` requests of any method answer `status` (a 5xx), as during an outage."""
        if not 500 <= status <= 599:
            raise ValueError("an outage answers a 5xx status")
        with self._cond:
            self._outage = (n, status)

    def enforce_limits(
        self,
        per_chat_per_s: int | None = 1,
        global_per_s: int | None = 30,
        group_per_min: int | None = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Answer 429 like Telegram's flood control when accepted messages exceed these rates.

        Counted over sliding windows of `clock` (monotonic seconds; pass a fake one to step
        time in a test). None switches a limit off.
        """
        with self._cond:
            self._limits = _Limits(per_chat_per_s, global_per_s, group_per_min, clock)

    # ---- test controls: updates ------------------------------------------------------------

    def push_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to_message_id: int | None = None,
        thread_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> JSON:
        """A user writes `text` in the chat; returns the Update the bot will receive.

        A leading ``/command`` (or ``/command@botname``) gets a bot_command entity. An unknown
        private chat (positive id) is created on the fly, as when a user first writes the bot.
        """
        with self._cond:
            if chat_id not in self._chats and chat_id > 0:
                self.add_chat(chat_id, "private", title=first_name, username=username)
            chat = self._chat(chat_id)
            user = self._remember_user(user_id, first_name, username)
            chat.members.add(user_id)
            message: JSON = {
                "message_id": chat.next_message_id(),
                "from": user,
                "chat": chat.as_json(),
                "date": int(time.time()),
                "text": text,
            }
            command = _COMMAND_RE.match(text)
            if command:
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())}
                ]
            if thread_id is not None:
                message["message_thread_id"] = thread_id
                if chat.is_forum:
                    message["is_topic_message"] = True
            if reply_to_message_id is not None:
                replied = chat.messages.get(reply_to_message_id)
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
                message["reply_to_message"] = _without_reply(replied)
            chat.messages[message["message_id"]] = message
            return self._queue_update("message", message)

    def push_document(
        self,
        chat_id: int,
        user_id: int,
        file_name: str,
        content: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> JSON:
        """A user sends a file; the bot can read it with getFile and the download URL.
        Returns the Update the bot will receive."""
        with self._cond:
            if chat_id not in self._chats and chat_id > 0:
                self.add_chat(chat_id, "private")
            chat = self._chat(chat_id)
            user = self._remember_user(user_id, None, None)
            chat.members.add(user_id)
            number = len(self._files) + 1
            file_id = f"BQACAgIAAxkBAAI{number:06d}"
            document: JSON = {
                "file_id": file_id,
                "file_unique_id": f"AgAD{number:06d}",
                "file_name": file_name,
                "file_size": len(content),
            }
            if mime_type:
                document["mime_type"] = mime_type
            suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
            self._files[file_id] = (f"documents/file_{number}.{suffix}", content, document)
            message: JSON = {
                "message_id": chat.next_message_id(),
                "from": user,
                "chat": chat.as_json(),
                "date": int(time.time()),
                "document": document,
            }
            if caption:
                message["caption"] = caption
            chat.messages[message["message_id"]] = message
            return self._queue_update("message", message)

    def push_callback(self, chat_id: int, user_id: int, data: str, message_id: int) -> JSON:
        """A user presses an inline button with `data` under message `message_id`."""
        with self._cond:
            chat = self._chat(chat_id)
            message = chat.messages.get(message_id)
            if message is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            self._last_callback_id += 1
            query_id = str(self._last_callback_id)
            self._callbacks[query_id] = False
            query = {
                "id": query_id,
                "from": self._remember_user(user_id, None, None),
                "message": _without_reply(message),
                "chat_instance": str(chat_id),
                "data": data,
            }
            return self._queue_update("callback_query", query)

    def push_update(self, kind: str, payload: JSON) -> JSON:
        """Any other update (e.g. ``my_chat_member``), given as Telegram would send its body."""
        with self._cond:
            return self._queue_update(kind, copy.deepcopy(payload))

    # ---- inspection ------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[JSON]:
        """Messages accepted by sendMessage, in order: ``text`` as sent, ``visible_text`` parsed."""
        with self._cond:
            return copy.deepcopy(_for_chat(self._sent, chat_id))

    def busiest_second(self, since: int = 0) -> int:
        """The most messages accepted within any one second: what Telegram's overall limit
        counts (among the messages accepted after the first `since`)."""
        with self._cond:
            times = sorted(m["at"] for m in self._sent[since:])
        most, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def edits(self, chat_id: int | None = None) -> list[JSON]:
        """Accepted editMessageText calls, in order."""
        with self._cond:
            return copy.deepcopy(_for_chat(self._edits, chat_id))

    def webhook(self) -> JSON:
        """What the bot told `setWebhook`: ``url`` and ``secret_token`` (empty when none)."""
        with self._cond:
            return dict(self._webhook)

    def webhook_answers(self) -> list[int]:
        """The HTTP status the bot's webhook answered to each update pushed to it."""
        with self._cond:
            return list(self._webhook_answers)

    def calls(self, method: str | None = None) -> list[JSON]:
        """Every request with a valid token: ``{"method", "params", "status"}``, in order."""
        with self._cond:
            wanted = None if method is None else method.lower()
            return copy.deepcopy(
                [c for c in self._calls if wanted is None or c["method"].lower() == wanted]
            )

    def documents(self, chat_id: int | None = None) -> list[JSON]:
        """Files accepted by sendDocument, in order: ``filename``, ``content`` (bytes),
        ``caption`` as sent and ``visible_caption`` parsed."""
        with self._cond:
            return copy.deepcopy(_for_chat(self._documents, chat_id))

    def wait_for_documents(
        self, count: int, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[JSON]:
        """Block until `count` files were accepted (for `chat_id`, or in all); TimeoutError if
        not."""
        found = self._wait_until(lambda: _for_chat(self._documents, chat_id), count, timeout)
        if len(found) < count:
            raise TimeoutError(f"expected {count} documents within {timeout}s, got {len(found)}")
        return found

    def answered_callbacks(self) -> list[JSON]:
        """answerCallbackQuery calls that were accepted, with their parameters."""
        with self._cond:
            return copy.deepcopy(self._answered)

    def wait_for_sent(
        self, count: int, chat_id: int | None = None, timeout: float = 5.0
    ) -> list[JSON]:
        """Block until `count` messages were accepted (for `chat_id`, or in all); return them.

        Blocks the calling thread: from a coroutine use ``await fake.wait_for_sent_async(...)``
        so the event loop can keep running the client.

        Raises:
            TimeoutError: naming what did arrive.
        """
        where = "" if chat_id is None else f" to chat {chat_id}"
        found = self._wait_until(lambda: _for_chat(self._sent, chat_id), count, timeout)
        if len(found) < count:
            texts = [m["text"] for m in found]
            raise TimeoutError(
                f"expected {count} sent messages{where} within {timeout}s, "
                f"got {len(found)}: {texts!r}"
            )
        return found

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[JSON]:
        """Block until `count` requests of `method` arrived (answered or still being held).

        A held long poll shows here with ``"status": None``, so a test can push an update
        while it is certain the poll is waiting.

        Raises:
            TimeoutError: naming how many did arrive.
        """
        wanted = method.lower()
        found = self._wait_until(
            lambda: [c for c in self._calls if c["method"].lower() == wanted], count, timeout
        )
        if len(found) < count:
            raise TimeoutError(
                f"expected {count} {method} calls within {timeout}s, got {len(found)}"
            )
        return found

    def _wait_until(
        self, records: Callable[[], list[JSON]], count: int, timeout: float
    ) -> list[JSON]:
        """Copies of `records()` once there are `count` of them, or what there is at timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = records()
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return copy.deepcopy(found)
                self._cond.wait(remaining)

    async def wait_for_sent_async(
        self, count: int, chat_id: int | None = None, within: float = 5.0
    ) -> list[JSON]:
        """``wait_for_sent`` without blocking the event loop (`within` is its timeout)."""
        return await asyncio.to_thread(self.wait_for_sent, count, chat_id, within)

    # ---- the HTTP side ---------------------------------------------------------------------

    def _answer(self, path: str, content_type: str, body: bytes) -> tuple[int, JSON]:
        """(HTTP status, JSON body) for one request; called from the server's threads."""
        url = urlsplit(path)
        if not url.path.startswith("/bot") or url.path.count("/") != 2:
            return 404, _ApiError(404, "Not Found").body()
        token, method = url.path.removeprefix("/bot").split("/")
        if token != self.token:
            return 401, _ApiError(401, "Unauthorized").body()
        failure: _ApiError | None = None
        try:
            params = _typed({**dict(parse_qsl(url.query)), **_parse_body(content_type, body)})
        except _ApiError as error:
            params, failure = {}, error
        with self._cond:
            call: JSON = {"method": method, "params": params, "status": None}
            self._calls.append(call)
            self._cond.notify_all()
            try:
                if failure is not None:
                    raise failure
                result = self._dispatch(method, params)
            except _ApiError as error:
                call["status"] = error.code
                return error.code, error.body()
            call["status"] = 200
        return 200, {"ok": True, "result": result}

    def _download(self, path: str) -> tuple[int, bytes, str]:
        """A file download (``/file/bot<token>/<file_path>``): the bytes a user sent."""
        prefix = f"/file/bot{self.token}/"
        path = unquote(urlsplit(path).path)
        if not path.startswith(prefix):
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}', "json"
        wanted = path.removeprefix(prefix)
        with self._cond:
            for file_path, content, _ in self._files.values():
                if file_path == wanted:
                    return 200, content, "application/octet-stream"
        return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}', "json"

    def _dispatch(self, method: str, params: JSON) -> Any:
        left, status = self._outage
        if left > 0:
            self._outage = (left - 1, status)
            raise _ApiError(status, HTTPStatus(status).phrase)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise _ApiError(404, "Not Found")
        return handler(params)

    # ---- helpers (called with the lock held) -----------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        try:
            return self._chats[chat_id]
        except KeyError:
            raise ValueError(f"unknown chat {chat_id}: add_chat() it first") from None

    def _remember_user(self, user_id: int, first_name: str | None, username: str | None) -> JSON:
        known = self._users.get(user_id)
        if known is None or first_name or username:
            name = first_name or (known or {}).get("first_name") or f"User{user_id}"
            handle = username or (known or {}).get("username")
            known = _user_json(user_id, name, handle, is_bot=False)
            self._users[user_id] = known
        return known

    def _queue_update(self, kind: str, payload: JSON) -> JSON:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, kind: payload}
        if self._webhook:  # as Telegram does: pushed to the webhook, with its secret token
            secret = self._webhook.get("secret_token")
            threading.Thread(
                target=self._push_to_webhook,
                args=(copy.deepcopy(update), self._webhook["url"], secret),
                daemon=True,
            ).start()
        else:
            self._updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _push_to_webhook(self, update: JSON, url: str, secret: str | None) -> None:
        """Like Telegram, try again while the bot's server does not answer yet (it sets its
        webhook before it starts listening)."""
        for _ in range(100):
            try:
                status = post_update(url, update, secret)
                break
            except urllib.error.URLError:
                time.sleep(0.05)
        else:
            status = 0
        with self._cond:
            self._webhook_answers.append(status)
            self._cond.notify_all()

    def _resolve_chat(self, params: JSON, *, sending: bool) -> _Chat:
        """The chat named by chat_id, or Telegram's refusal for it."""
        chat_id = params.get("chat_id")
        chat: _Chat | None = None
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == name), None
            )
        if chat is None:
            raise _bad_request("chat not found")
        if chat.migrated_to is not None:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.gone and (sending or chat.type != "private"):
            raise _ApiError(403, chat.gone)
        return chat

    def _check_flood(self, chat: _Chat) -> None:
        for storm in self._storms:
            if storm.remaining > 0 and storm.chat_id in (None, chat.id):
                storm.remaining -= 1
                raise _flood(storm.retry_after)
        self._storms = [s for s in self._storms if s.remaining > 0]
        if self._limits is not None:
            wait = self._limits.retry_after(chat.id)
            if wait is not None:
                raise _flood(wait)

    def _visible(self, params: JSON) -> tuple[str, list[JSON]]:
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad_request("message text is empty")
        parse_mode = params.get("parse_mode")
        if parse_mode in (None, ""):
            visible, entities = text, []
        elif str(parse_mode).lower() == "html":
            try:
                visible, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise _bad_request(f"can't parse entities: {exc}") from exc
        elif str(parse_mode).lower() in ("markdown", "markdownv2"):
            visible, entities = text, []  # not parsed by the fake
        else:
            raise _bad_request("unsupported parse_mode")
        if not visible.strip():
            raise _bad_request("message text is empty")
        if len(visible) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        return visible, entities

    def _link_preview(self, params: JSON) -> JSON | None:
        options = params.get("link_preview_options")
        if isinstance(options, dict):
            return options
        if params.get("disable_web_page_preview") is True:
            return {"is_disabled": True}
        return None

    def _reply_target(self, chat: _Chat, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
            allow = bool(params.get("allow_sending_without_reply"))
        else:
            return None
        target = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if target is None and not allow:
            raise _bad_request("message to be replied not found")
        return target

    def _new_message(self, chat: _Chat, visible: str, entities: list[JSON]) -> JSON:
        message: JSON = {
            "message_id": chat.next_message_id(),
            "from": _BOT_USER,
            "chat": chat.as_json(),
            "date": int(time.time()),
            "text": visible,
        }
        if entities:
            message["entities"] = entities
        return message

    # ---- Bot API methods (each runs with the lock held) ------------------------------------

    def _m_getme(self, params: JSON) -> JSON:
        return {
            **_BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_logout(self, params: JSON) -> bool:
        return True

    def _m_close(self, params: JSON) -> bool:
        return True

    def _m_setwebhook(self, params: JSON) -> bool:
        url = params.get("url")
        if not url:
            raise _bad_request("bad webhook: an HTTPS URL must be provided for webhook")
        self._webhook = {"url": str(url), "secret_token": params.get("secret_token")}
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        self._poll_generation += 1  # a webhook ends any long poll
        self._cond.notify_all()
        return True

    def _m_deletewebhook(self, params: JSON) -> bool:
        self._webhook = {}
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _m_getwebhookinfo(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _m_getupdates(self, params: JSON) -> list[JSON]:
        if self._webhook:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_int_param(params, "timeout", 0), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping:
                return []
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._updates = [u for u in self._updates if self._is_allowed(u)]
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _is_allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _NOT_BY_DEFAULT

    def _m_setmycommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = [dict(c) for c in commands]
        return True

    def _m_getmycommands(self, params: JSON) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _m_deletemycommands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _commands_key(params: JSON) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _check_rights(self, chat: _Chat) -> None:
        """Posting to a channel made with add_channel takes the bot's right to post there."""
        if chat.rights is None:
            return
        me = chat.rights.get(BOT_ID)
        if me is None:
            raise _ApiError(403, "Forbidden: bot is not a member of the channel chat")
        if not me.get("can_post_messages"):
            raise _bad_request("need administrator rights in the channel chat")

    def _m_senddocument(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params, sending=True)
        self._check_rights(chat)
        self._check_flood(chat)
        sent = params.get("document")
        if not isinstance(sent, dict) or "content" not in sent:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        content: bytes = sent["content"]
        if not content:
            raise _bad_request("file must be non-empty")
        caption = params.get("caption")
        visible, entities = "", list[JSON]()
        if caption:
            visible, entities = self._visible(
                {"text": caption, "parse_mode": params.get("parse_mode")}
            )
            if len(visible) > 1024:
                raise _bad_request("message caption is too long")
        message = self._new_message(chat, visible, entities)
        del message["text"]
        message.pop("entities", None)
        message["document"] = {
            "file_id": f"BQACAgIAAxkDAAI{len(self._documents) + 1:06d}",
            "file_unique_id": f"AgADsent{len(self._documents) + 1:06d}",
            "file_name": str(params.get("filename") or sent.get("filename") or "document"),
            "file_size": len(content),
        }
        if caption:
            message["caption"] = visible
            if entities:
                message["caption_entities"] = entities
        chat.messages[message["message_id"]] = message
        if self._limits is not None:
            self._limits.record(chat.id)
        self._documents.append(
            {
                "chat_id": chat.id,
                "message_id": message["message_id"],
                "filename": message["document"]["file_name"],
                "content": content,
                "caption": caption,
                "visible_caption": visible,
                "message_thread_id": params.get("message_thread_id"),
            }
        )
        self._cond.notify_all()
        return copy.deepcopy(message)

    def _m_getfile(self, params: JSON) -> JSON:
        found = self._files.get(str(params.get("file_id", "")))
        if found is None:
            raise _bad_request("invalid file_id")
        path, content, document = found
        return {
            "file_id": document["file_id"],
            "file_unique_id": document["file_unique_id"],
            "file_size": len(content),
            "file_path": path,
        }

    def _m_sendmessage(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params, sending=True)
        self._check_rights(chat)
        self._check_flood(chat)
        visible, entities = self._visible(params)
        thread_id = params.get("message_thread_id")
        if thread_id is not None and thread_id in chat.closed_topics:
            raise _bad_request("TOPIC_CLOSED")
        reply_to = self._reply_target(chat, params)
        markup = _checked_markup(params.get("reply_markup"))
        link_preview = self._link_preview(params)

        message = self._new_message(chat, visible, entities)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to)
        if markup is not None:
            message["reply_markup"] = markup
        if link_preview is not None:
            message["link_preview_options"] = link_preview
        chat.messages[message["message_id"]] = message
        if self._limits is not None:
            self._limits.record(chat.id)
        self._sent.append(
            {
                "chat_id": chat.id,
                "message_id": message["message_id"],
                "text": params["text"],
                "visible_text": visible,
                "entities": entities,
                "parse_mode": params.get("parse_mode"),
                "reply_markup": markup,
                "reply_to_message_id": None if reply_to is None else reply_to["message_id"],
                "message_thread_id": thread_id,
                "link_preview_options": link_preview,
                "disable_notification": params.get("disable_notification"),
                "at": time.monotonic(),  # when it was accepted, for rate measurements
            }
        )
        self._cond.notify_all()
        return copy.deepcopy(message)

    def _m_editmessagetext(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise _bad_request("inline messages are not supported by the fake")
        chat = self._resolve_chat(params, sending=True)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _bad_request("message to edit not found")
        if message["from"]["id"] != BOT_ID:
            raise _bad_request("message can't be edited")
        visible, entities = self._visible(params)
        markup = _checked_markup(params.get("reply_markup"))
        if (
            visible == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a message content and reply markup of the current message"
            )
        message["text"] = visible
        message["edit_date"] = int(time.time())
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        self._edits.append(
            {
                "chat_id": chat.id,
                "message_id": message_id,
                "text": params["text"],
                "visible_text": visible,
                "entities": entities,
                "parse_mode": params.get("parse_mode"),
                "reply_markup": markup,
                "link_preview_options": self._link_preview(params),
            }
        )
        self._cond.notify_all()
        return copy.deepcopy(message)

    def _m_answercallbackquery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._callbacks.get(query_id, True):
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._callbacks[query_id] = True
        self._answered.append(
            {
                "callback_query_id": query_id,
                "text": params.get("text"),
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
            }
        )
        self._cond.notify_all()
        return True

    def _m_getchat(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params, sending=False)
        return {
            **chat.as_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _m_getchatmember(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params, sending=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise _bad_request("invalid user_id specified")
        if chat.rights is not None:
            return self._channel_member(chat, chat.rights, user_id)
        if user_id == BOT_ID:
            user = _BOT_USER
        else:
            user = self._users.get(user_id) or _user_json(
                user_id, f"User{user_id}", None, is_bot=False
            )
        if user_id in chat.admins:
            return _administrator(user)
        if user_id in chat.members or user_id == BOT_ID:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _channel_member(self, chat: _Chat, rights: dict[int, JSON], user_id: int) -> JSON:
        """A channel tells its administrators only to an administrator bot."""
        if BOT_ID not in rights:
            raise _bad_request("member list is inaccessible")
        if user_id in rights:
            return copy.deepcopy(rights[user_id])
        user = self._users.get(user_id) or _user_json(user_id, f"User{user_id}", None, is_bot=False)
        status = "member" if user_id in chat.members else "left"
        return {"status": status, "user": user}

    def _m_getchatadministrators(self, params: JSON) -> list[JSON]:
        chat = self._resolve_chat(params, sending=False)
        if chat.type == "private":
            raise _bad_request("there are no administrators in the private chat")
        admins = []
        for user_id in sorted(chat.admins):
            user = _BOT_USER if user_id == BOT_ID else self._users.get(user_id)
            admins.append(
                _administrator(user or _user_json(user_id, f"User{user_id}", None, is_bot=False))
            )
        return admins

    def _m_sendchataction(self, params: JSON) -> bool:
        self._resolve_chat(params, sending=True)
        if not params.get("action"):
            raise _bad_request("wrong parameter action in request")
        return True


def post_update(url: str, update: JSON, secret: str | None, timeout: float = 10.0) -> int:
    """POST `update` to a bot's webhook as Telegram does; returns the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        url, data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _int_param(params: JSON, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, int):
        raise _bad_request(f"wrong parameter {name} in request")
    return value


def _flood(retry_after: int) -> _ApiError:
    return _ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def _for_chat(records: list[JSON], chat_id: int | None) -> list[JSON]:
    return [r for r in records if chat_id is None or r["chat_id"] == chat_id]


def _without_reply(message: JSON) -> JSON:
    """A message as quoted inside another: Telegram does not nest reply_to_message twice."""
    quoted = copy.deepcopy(message)
    quoted.pop("reply_to_message", None)
    return quoted


def _checked_markup(markup: Any) -> JSON | None:
    """Reject the inline keyboards Telegram rejects (the mistakes our code could make)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise _bad_request("BUTTON_DATA_INVALID")
            kinds = set(button) - {"text"}
            if not kinds:
                raise _bad_request("text buttons are unallowed in the inline keyboard")
    return markup


def _channel_admin(user: JSON, *, can_post: bool = True) -> JSON:
    """An administrator of a channel as getChatMember shows one: posting and editing posts are
    rights of their own there, and pinning is a group's right."""
    admin = _administrator(user)
    del admin["can_pin_messages"]
    return {**admin, "can_post_messages": can_post, "can_edit_messages": can_post}


def _administrator(user: JSON) -> JSON:
    return {
        "status": "administrator",
        "user": user,
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
        "can_pin_messages": True,
    }


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Threads per connection, joined on close; open connections are tracked to cut them."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False
        self._answering = 0  # requests read and not yet answered
        self._answered = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Counts a request from when it is read until its answer is written."""
        with self._answered:
            self._answering += 1
        try:
            yield
        finally:
            with self._answered:
                self._answering -= 1
                self._answered.notify_all()

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            if self._closing:
                _cut(connection)
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self, grace: float = 5.0) -> None:
        """Unblock handler threads waiting on idle keep-alive connections so they can end,
        once the requests being answered (a released long poll's empty answer) are written:
        cutting a connection first would leave its client without an answer."""
        with self._answered:
            self._answered.wait_for(lambda: self._answering == 0, timeout=grace)
        with self._connections_lock:
            self._closing = True
            for connection in self._connections:
                _cut(connection)


def _plain_http_request(pool_size: int, options: dict[str, Any]) -> HTTPXRequest:
    """PTB's default request, minus loading the CA bundle (~0.1 s a client): we speak plain HTTP.

    The bare context still requires verified certificates, so it could never talk TLS unchecked.
    """
    no_ca_bundle = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return HTTPXRequest(
        connection_pool_size=pool_size, httpx_kwargs={"verify": no_ca_bundle}, **options
    )


def _cut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    timeout = 60  # an idle keep-alive connection is dropped after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        with contextlib.suppress(OSError):  # the client went away mid-answer
            super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        _LOG.debug(format, *args)

    def _serve_file(self) -> None:
        status, data, kind = self.server.fake._download(self.path)
        try:
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/json" if kind == "json" else "application/octet-stream"
            )
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _serve(self) -> None:
        with self.server.answering():
            self._serve_answered()

    def _serve_answered(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/file/"):
            self._serve_file()
            return
        try:
            status, answer = self.server.fake._answer(
                self.path, self.headers.get("Content-Type", ""), body
            )
        except Exception as exc:  # a bug in the fake: answer so the test sees it, not a hang
            _LOG.exception("fake Bot API failed on %s", self.command)
            status = 500
            answer = _ApiError(500, f"Internal Server Error: fake failed: {exc!r}").body()
        data = json.dumps(answer).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. a cancelled long poll)
