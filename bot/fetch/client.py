"""Fetching feeds and pages over HTTP (or from local files), politely and within limits.

The rules come from bots that run for real: conditional GET (ETag / Last-Modified) so an
unchanged feed costs a 304 and nothing else; a cap on the body we read, so a 50 MB answer or a
gzip bomb cannot eat the memory; a timeout on every request; at most a few requests at once to
one host, spaced out. Every answer comes back as a typed `FetchResult`: "not modified" and "the
site is down" are outcomes, not exceptions. Redirects are followed hop by hop here, so each hop
is a request of its own to the politeness gate and, for user-given links, to the address check.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import logging
import ssl
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import httpx

from bot.clock import utcnow
from bot.errors import UnsafeURL
from bot.fetch.headers import ServerHints, read_hints
from bot.fetch.pinning import (
    AddressPolicy,
    PinnedNetwork,
    PinnedTransport,
    Resolver,
    check_public_url,
    parse_networks,
    system_resolver,
)
from bot.fetch.polite import HostGate, Timer

__all__ = ["FetchResult", "Fetcher", "gunzip_capped", "is_local"]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class FetchResult:
    """What one request brought: a body, "nothing new" (304), or an error with its reason.

    The hints are for adaptive polling and WebSub: `max_age` (s the answer stays fresh, from
    Cache-Control or Expires), `retry_after` (s the publisher asks us to wait, with 429/503),
    `hub_url` / `self_url` (the HTTP `Link` header's rel="hub" and rel="self")."""

    url: str
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    location: str | None = None  # a redirect hop, for the fetcher to check and follow
    max_age: float | None = None
    retry_after: float | None = None
    hub_url: str | None = None
    self_url: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _valid_http_url(url: str) -> bool:
    """http(s), a host, a port in range, and nothing httpx would refuse."""
    try:
        parts = urlparse(url)
        port = parts.port
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and port != 0


def is_local(url: str) -> bool:
    """A `file:` URL or a plain path: the demo and tests read feeds from disk."""
    return url.startswith("file:") or "://" not in url


def _local_path(url: str) -> Path:
    return Path(unquote(urlparse(url).path)) if url.startswith("file:") else Path(url)


def gunzip_capped(body: bytes, max_bytes: int) -> bytes:
    """A gzip file's contents (the body as it is when it is not gzip), reading no more than
    `max_bytes` of output so a bomb stops early; ValueError when too large or corrupt."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"broken gzip data ({exc})") from exc
    if len(data) > max_bytes:
        raise ValueError(f"larger than {max_bytes} bytes once decompressed")
    return data


def _with_hints(result: FetchResult, hints: ServerHints) -> FetchResult:
    return replace(
        result,
        max_age=hints.max_age,
        retry_after=hints.retry_after,
        hub_url=hints.hub_url,
        self_url=hints.self_url,
    )


class Fetcher:
    """One shared HTTP client for every feed and page (connection reuse), wired at start-up.

    Without an injected `transport`, every connection goes through `PinnedNetwork`: the name is
    resolved once with `resolve` and the connection made to the address resolved. User-given
    links (`fetch_public`) use a second pool whose connections refuse non-public addresses
    (except `trusted_networks`); operator feeds (`fetch`) and `allow_private=True` may reach
    any address. An injected transport (httpx.MockTransport in the demo and tests) makes no
    connections, so user-given links are then checked with `resolve` before each hop.

    Politeness: at most `host_concurrency` requests at once to one host, and `host_interval`
    seconds between the starts of two of them. Spacing is off unless asked for, so tools and
    tests that build a bare `Fetcher()` do not wait; `PollSettings.host_concurrency` and
    `host_interval` (2 and 1 s by default) are the values for the service. The operators'
    client honours proxy settings from the environment (which then connects for us); the
    user-link client never does, as a proxy would resolve names itself.
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        max_bytes: int = 5_000_000,
        user_agent: str = "newsbot",
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver = system_resolver,
        trusted_networks: Iterable[str] = (),
        verify: ssl.SSLContext | bool = True,
        host_concurrency: int = 2,
        host_interval: float = 0.0,
        timer: Timer | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.resolve = resolve
        self._trusted = parse_networks(trusted_networks)
        self._gate = HostGate(host_concurrency, host_interval, timer)
        self._pinned = transport is None
        if transport is None:
            open_to_all = PinnedNetwork(resolve, AddressPolicy(public_only=False))
            public_only = PinnedNetwork(resolve, AddressPolicy(trusted=self._trusted))
            self._public = self._new_client(
                PinnedTransport(public_only, verify=verify), timeout, user_agent, trust_env=False
            )
            self._client = self._new_client(
                PinnedTransport(open_to_all, verify=verify), timeout, user_agent
            )
        else:
            self._client = self._public = self._new_client(transport, timeout, user_agent)

    @staticmethod
    def _new_client(
        transport: httpx.AsyncBaseTransport,
        timeout: float,
        user_agent: str,
        *,
        trust_env: bool = True,
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
            trust_env=trust_env,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._public is not self._client:
            await self._public.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """An operator's feed or a page it links to: a path, a `file:` URL or any http(s) host."""
        if is_local(url):
            return await asyncio.to_thread(self._read_file, url)
        return await self._fetch(url, self._client, etag, last_modified, check=False)

    async def fetch_public(
        self,
        url: str,
        *,
        allow_private: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """A user-given URL: http(s) only, and (unless `allow_private`) only public addresses,
        on the first request and on every redirect hop."""
        if allow_private:
            return await self._fetch(url, self._client, etag, last_modified, check=False)
        return await self._fetch(url, self._public, etag, last_modified, check=not self._pinned)

    async def post_form(
        self, url: str, form: Mapping[str, str], *, public: bool, allow_private: bool = False
    ) -> FetchResult:
        """POST a form (a WebSub hub's subscription request) and read the short answer. A URL a
        chat's feed named is held to the same address rules as `fetch_public` when `public`;
        redirects are not followed (a hub answers 202 or an error)."""
        if not _valid_http_url(url):
            return FetchResult(url, error="not a valid http(s) link")
        client = self._public if public and not allow_private else self._client
        if public and not allow_private and not self._pinned:
            try:
                await check_public_url(url, self.resolve, trusted=self._trusted)
            except UnsafeURL as exc:
                return FetchResult(url, error=str(exc))
        async with self._gate.turn(httpx.URL(url).host):
            try:
                async with client.stream("POST", url, data=dict(form)) as response:
                    status = response.status_code
                    said = b""
                    async for chunk in response.aiter_bytes():  # the first words of a refusal
                        said = (said + chunk)[:200]
                        break
            except UnsafeURL as exc:
                return FetchResult(url, error=str(exc))
            except httpx.HTTPError as exc:
                return FetchResult(url, error=f"{type(exc).__name__}: {exc}")
        reason = said.decode("utf-8", "replace").strip()
        error = None if 200 <= status < 300 else f"HTTP {status} {reason}".strip()
        return FetchResult(url, status=status, error=error)

    async def _fetch(
        self,
        url: str,
        client: httpx.AsyncClient,
        etag: str | None,
        last_modified: str | None,
        *,
        check: bool,
    ) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = await self._follow(url, client, headers, check=check)
        if result.not_modified:  # the validators still hold
            return replace(result, url=url, etag=etag, last_modified=last_modified)
        return result

    async def _follow(
        self, url: str, client: httpx.AsyncClient, headers: dict[str, str], *, check: bool
    ) -> FetchResult:
        for _ in range(MAX_REDIRECTS + 1):
            if not _valid_http_url(url):
                return FetchResult(url, error="not a valid http(s) link")
            if check:
                try:
                    await check_public_url(url, self.resolve, trusted=self._trusted)
                except UnsafeURL as exc:
                    return FetchResult(url, error=str(exc))
            result = await self._get(client, url, headers)
            if result.location is None:
                return result
            url = urljoin(url, result.location)
        return FetchResult(url, error="too many redirects")

    async def _get(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str]
    ) -> FetchResult:
        """One GET through the host's politeness gate; a redirect comes back as its `location`."""
        async with self._gate.turn(httpx.URL(url).host):
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    return await self._answer(url, response)
            except UnsafeURL as exc:  # raised by the pinned connection
                return FetchResult(url, error=str(exc))
            except httpx.TimeoutException:
                return FetchResult(url, error="timed out")
            except httpx.HTTPError as exc:
                return FetchResult(url, error=f"{type(exc).__name__}: {exc}")

    async def _answer(self, url: str, response: httpx.Response) -> FetchResult:
        status = response.status_code
        if response.is_redirect and "location" in response.headers:
            return FetchResult(url, status=status, location=response.headers["location"])
        hints = read_hints(response, utcnow())
        if status == 304:
            # A 304 has no body, but httpcore reuses a connection only once the response was
            # read to its end: unread, every 304 closed its keep-alive connection.
            await response.aread()
            return _with_hints(FetchResult(url, status=304), hints)
        if status >= 400:
            return _with_hints(FetchResult(url, status=status, error=f"HTTP {status}"), hints)
        body = await self._read_capped(response)
        if body is None:
            return FetchResult(url, status=status, error=f"body larger than {self.max_bytes} bytes")
        try:
            body = gunzip_capped(body, self.max_bytes)
        except ValueError as exc:
            return FetchResult(url, status=status, error=f"body {exc}")
        result = FetchResult(
            str(response.url),
            status=status,
            body=body,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        return _with_hints(result, hints)

    async def _read_capped(self, response: httpx.Response) -> bytes | None:
        """Read the decoded body, giving up past `max_bytes` (decoded, so a gzip bomb stops too)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_file(self, url: str) -> FetchResult:
        """A feed on disk, gzip-compressed or not, within the same cap as over HTTP."""
        path = _local_path(url)
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                return FetchResult(url, error=f"file larger than {self.max_bytes} bytes")
            body = path.read_bytes()
        except OSError as exc:
            return FetchResult(url, error=f"cannot read {path}: {exc.strerror or exc}")
        try:
            return FetchResult(url, status=200, body=gunzip_capped(body, self.max_bytes))
        except ValueError as exc:
            return FetchResult(url, error=f"file {exc}")
