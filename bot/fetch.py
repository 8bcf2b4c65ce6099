"""Fetching feeds and pages over HTTP (or from local files), politely and within limits.

The rules come from bots that run for real: conditional GET (ETag / Last-Modified) so an
unchanged feed costs a 304 and nothing else; a cap on the body we read, so a 50 MB answer or a
gzip bomb cannot eat the memory; a timeout on every request. Every answer comes back as a typed
`FetchResult`: "not modified" and "the site is down" are outcomes, not exceptions.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import httpx

from bot.errors import UnsafeURL

__all__ = ["FetchResult", "Fetcher", "UnsafeURL", "check_public_url", "is_local"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchResult:
    """What one request brought: a body, "nothing new" (304), or an error with its reason."""

    url: str
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    location: str | None = None  # a redirect not followed (user-given links check each hop)

    @property
    def ok(self) -> bool:
        return self.error is None and self.body is not None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, as the connection will resolve it."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_public_url(url: str, resolve: Resolver = system_resolver) -> None:
    """Refuse what a user must not make us fetch: other schemes, and hosts that are (or resolve
    to) private, loopback, link-local or otherwise non-public addresses."""
    try:
        parts = urlparse(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("that is not a valid link") from exc
    if parts.scheme not in {"http", "https"}:
        raise UnsafeURL("only http and https links can be summarized")
    if not parts.hostname:
        raise UnsafeURL("that link has no host name")
    try:
        addresses = await resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise UnsafeURL(f"cannot resolve {parts.hostname}") from exc
    for value in addresses:
        address = ipaddress.ip_address(value)
        if not address.is_global or address.is_multicast:
            raise UnsafeURL(f"{parts.hostname} is not a public address")


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


class Fetcher:
    """One shared HTTP client for every feed and page (connection reuse), wired at start-up."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        max_bytes: int = 5_000_000,
        user_agent: str = "newsbot",
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.max_bytes = max_bytes
        self.resolve = resolve
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        if is_local(url):
            return await asyncio.to_thread(self._read_file, url)
        if not _valid_http_url(url):
            return FetchResult(url, error="not a valid http(s) URL")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = await self._get(url, headers=headers, follow=True)
        if result.not_modified:  # the validators still hold
            return FetchResult(url, status=304, etag=etag, last_modified=last_modified)
        return result

    async def fetch_public(self, url: str, *, allow_private: bool = False) -> FetchResult:
        """Fetch a user-given URL, checking the target of every redirect hop before following it,
        so a public link cannot bounce us to an internal address."""
        for _ in range(6):
            if not _valid_http_url(url):
                return FetchResult(url, error="that is not a valid http(s) link")
            if not allow_private:
                try:
                    await check_public_url(url, self.resolve)
                except UnsafeURL as exc:
                    return FetchResult(url, error=str(exc))
            result = await self._get(url, follow=False)
            if result.location is None:
                return result
            url = urljoin(url, result.location)
        return FetchResult(url, error="too many redirects")

    async def _get(
        self, url: str, *, headers: dict[str, str] | None = None, follow: bool
    ) -> FetchResult:
        """One GET, the body read within the cap; with `follow=False` a redirect comes back as
        its `location` for the caller to check."""
        try:
            async with self._client.stream(
                "GET", url, headers=headers, follow_redirects=follow
            ) as response:
                status = response.status_code
                if not follow and response.is_redirect and "location" in response.headers:
                    return FetchResult(url, status=status, location=response.headers["location"])
                if status == 304:
                    return FetchResult(url, status=304)
                if status >= 400:
                    return FetchResult(url, status=status, error=f"HTTP {status}")
                body = await self._read_capped(response)
                if body is None:
                    return FetchResult(
                        url, status=status, error=f"body larger than {self.max_bytes} bytes"
                    )
                return FetchResult(
                    str(response.url),
                    status=status,
                    body=body,
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TooManyRedirects:
            return FetchResult(url, error="too many redirects")
        except httpx.TimeoutException:
            return FetchResult(url, error="timed out")
        except httpx.HTTPError as exc:
            return FetchResult(url, error=f"{type(exc).__name__}: {exc}")

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
        path = _local_path(url)
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                return FetchResult(url, error=f"file larger than {self.max_bytes} bytes")
            return FetchResult(url, status=200, body=path.read_bytes())
        except OSError as exc:
            return FetchResult(url, error=f"cannot read {path}: {exc.strerror or exc}")
