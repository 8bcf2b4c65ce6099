"""User-given links: resolve a name once, check every address, connect to a checked one.

Checking the addresses a name resolves to and then letting the HTTP client resolve it again is
open to DNS rebinding: a name can answer a public address to the check and a private one to the
connection. So the check lives in the connection itself: an httpcore network backend that
resolves with our resolver, refuses if any address is not allowed, and connects to an address it
checked. TLS is untouched: httpcore starts TLS on that socket with the URL's host name, so SNI
and certificate verification are for the name, exactly as without pinning.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpcore
import httpx

from bot.errors import UnsafeURL

__all__ = [
    "AddressPolicy",
    "PinnedNetwork",
    "PinnedTransport",
    "Resolver",
    "check_public_url",
    "parse_networks",
    "system_resolver",
]

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, from the operating system's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """`["10.8.0.0/16", "192.0.2.7"]` as networks; a bad value raises ValueError."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a connection may reach.

    `public_only` refuses private, loopback, link-local, shared, reserved and multicast
    addresses (an IPv4 address mapped into IPv6 counts as the IPv4 one), except those in the
    `trusted` networks an operator names; without `public_only` every address is allowed.
    """

    public_only: bool = True
    trusted: tuple[IPNetwork, ...] = ()

    def allows(self, address: IPAddress) -> bool:
        if not self.public_only or any(address in network for network in self.trusted):
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_global and not address.is_multicast


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    """An IP literal as it is, a name resolved once; OSError when it does not resolve."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    found: list[IPAddress] = []
    for value in await resolve(host, port):
        try:
            address = ipaddress.ip_address(value)
        except ValueError as exc:
            raise OSError(f"resolver answered {value!r} for {host}") from exc
        if address not in found:
            found.append(address)
    if not found:
        raise OSError(f"no address for {host}")
    return found


def _refuse_any(host: str, addresses: list[IPAddress], policy: AddressPolicy) -> None:
    """One address outside the policy is enough to refuse: the client may pick any of them."""
    if not all(policy.allows(address) for address in addresses):
        raise UnsafeURL(f"{host} is not a public address")


async def check_public_url(
    url: str, resolve: Resolver = system_resolver, *, trusted: tuple[IPNetwork, ...] = ()
) -> None:
    """Refuse what a user must not make us fetch: other schemes, and hosts that are (or resolve
    to) private, loopback, link-local or otherwise non-public addresses.

    A check before the request, for transports that make no connection of their own (a test's
    `httpx.MockTransport`); real connections are checked by `PinnedNetwork` as they are made.
    """
    try:
        parts = urlparse(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL("that is not a valid link") from exc
    if parts.scheme not in {"http", "https"}:
        raise UnsafeURL("only http and https links can be summarized")
    if not parts.hostname:
        raise UnsafeURL("that link has no host name")
    default_port = 443 if parts.scheme == "https" else 80
    try:
        addresses = await _addresses(parts.hostname, port or default_port, resolve)
    except OSError as exc:
        raise UnsafeURL(f"cannot resolve {parts.hostname}") from exc
    _refuse_any(parts.hostname, addresses, AddressPolicy(trusted=trusted))


class PinnedNetwork(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with one change: `connect_tcp` resolves the name once with our
    resolver, refuses (UnsafeURL) if any address is outside the policy, and connects to the
    addresses it checked, in the resolver's order, until one answers."""

    def __init__(
        self,
        resolve: Resolver,
        policy: AddressPolicy,
        network: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolve = resolve
        self._policy = policy
        self._network = network or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await _addresses(host, port, self._resolve)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}") from exc
        _refuse_any(host, addresses, self._policy)
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a connection pool whose connections go through a
    `PinnedNetwork`. httpx 0.28 takes no network backend (encode/httpx#3749 proposes one), so
    the pool httpx builds is replaced by one built the same way with ours; httpx's mapping of
    httpcore errors and its response streaming are kept."""

    def __init__(
        self,
        network: PinnedNetwork,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=network,
        )
