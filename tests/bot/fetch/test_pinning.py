"""User-given links connect to the address that was checked (DNS rebinding), over real sockets.

A "public" server listens on 127.0.0.2 and a "private" one on 127.0.0.1, same port. The tests
trust 127.0.0.2 as if it were public (`trusted_networks`), so a name that resolves to it is a
public site and a name that resolves to 127.0.0.1 is an internal one.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import trustme

from bot.fetch import AddressPolicy, Fetcher
from tests.fakes.feeds import FeedServer, Route

PUBLIC, PRIVATE = "127.0.0.2", "127.0.0.1"
TRUST_PUBLIC = [f"{PUBLIC}/32"]


@dataclass
class Servers:
    public: FeedServer
    private: FeedServer

    def url(self, path: str, host: str) -> str:
        return self.public.url(path, host=host)


@dataclass
class ScriptedResolver:
    """Answers from a script, one answer per call (the last one repeats), and counts the calls:
    an attacker's DNS server with a zero TTL."""

    answers: list[list[str]]
    calls: list[str] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def twin_servers() -> Servers:
    """Two servers on one port number; another try if that port is taken on 127.0.0.1."""
    for _ in range(5):
        public = FeedServer(host=PUBLIC)
        try:
            private = FeedServer(host=PRIVATE, port=public.port)
        except OSError:
            public.stop()
            continue
        return Servers(public.start(), private.start())
    raise RuntimeError("no port free on both loopback addresses")


@pytest.fixture
def servers() -> Iterator[Servers]:
    pair = twin_servers()
    public, private = pair.public, pair.private
    for server, text in ((public, b"public page"), (private, b"internal secret")):
        server.route("/page", Route(text, content_type="text/html"))
    yield pair
    public.stop()
    private.stop()


async def test_a_name_that_rebinds_to_loopback_after_the_check_is_never_reached(
    servers: Servers,
) -> None:
    """The name answers the public address first and loopback on every later question; the
    fetcher asks once and connects where that answer pointed."""
    resolve = ScriptedResolver([[PUBLIC], [PRIVATE]])
    fetcher = Fetcher(resolve=resolve, trusted_networks=TRUST_PUBLIC)
    result = await fetcher.fetch_public(servers.url("/page", "rebind.example"))
    await fetcher.aclose()
    assert result.ok and result.body == b"public page"
    assert resolve.calls == ["rebind.example"]
    assert servers.private.requests == []


async def test_one_private_address_among_public_ones_refuses_the_connection(
    servers: Servers,
) -> None:
    resolve = ScriptedResolver([[PUBLIC, PRIVATE]])
    fetcher = Fetcher(resolve=resolve, trusted_networks=TRUST_PUBLIC)
    result = await fetcher.fetch_public(servers.url("/page", "mixed.example"))
    await fetcher.aclose()
    assert result.error == "mixed.example is not a public address"
    assert servers.public.requests == servers.private.requests == []


async def test_a_redirect_hop_to_an_internal_name_is_refused_at_its_connection(
    servers: Servers,
) -> None:
    inward = servers.url("/page", "internal.example")
    servers.public.route("/go", Route(status=302, location=inward))

    async def resolve(host: str, port: int) -> list[str]:
        return {"news.example": [PUBLIC], "internal.example": [PRIVATE]}[host]

    fetcher = Fetcher(resolve=resolve, trusted_networks=TRUST_PUBLIC)
    result = await fetcher.fetch_public(servers.url("/go", "news.example"))
    await fetcher.aclose()
    assert result.error == "internal.example is not a public address"
    assert len(servers.public.hits("/go")) == 1 and servers.private.requests == []


async def test_a_public_name_is_fetched_through_the_pinned_connection(servers: Servers) -> None:
    fetcher = Fetcher(resolve=ScriptedResolver([[PUBLIC]]), trusted_networks=TRUST_PUBLIC)
    url = servers.url("/page", "news.example")
    result = await fetcher.fetch_public(url)
    await fetcher.aclose()
    assert result.ok and result.url == url
    assert servers.public.hits("/page")[0]["Host"] == f"news.example:{servers.public.port}"


async def test_private_addresses_are_refused_without_the_operators_trust(
    servers: Servers,
) -> None:
    fetcher = Fetcher(resolve=ScriptedResolver([[PUBLIC]]))
    result = await fetcher.fetch_public(servers.url("/page", "news.example"))
    await fetcher.aclose()
    assert result.error == "news.example is not a public address"
    assert servers.public.requests == []


async def test_allowing_private_links_still_connects_to_the_resolved_address(
    servers: Servers,
) -> None:
    fetcher = Fetcher(resolve=ScriptedResolver([[PRIVATE]]))
    result = await fetcher.fetch_public(
        servers.url("/page", "intranet.example"), allow_private=True
    )
    await fetcher.aclose()
    assert result.body == b"internal secret"
    assert servers.public.requests == []


async def test_operator_feeds_connect_to_the_resolved_address_too(servers: Servers) -> None:
    resolve = ScriptedResolver([[PUBLIC], [PRIVATE]])
    fetcher = Fetcher(resolve=resolve)
    first = await fetcher.fetch(servers.url("/page", "feeds.example"))
    await fetcher.aclose()
    assert first.body == b"public page" and resolve.calls == ["feeds.example"]


async def test_a_name_that_does_not_resolve_is_an_error_outcome() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    fetcher = Fetcher(resolve=resolve)
    result = await fetcher.fetch_public("http://nowhere.example/")
    await fetcher.aclose()
    assert result.error and "cannot resolve nowhere.example" in result.error


# --- TLS: the connection goes to an address, the certificate is checked for the name -------


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def tls_server(authority: trustme.CA, name: str, seen_names: list[str | None]) -> FeedServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(name).configure_cert(context)
    context.sni_callback = lambda _sock, server_name, _ctx: seen_names.append(server_name)
    server = FeedServer(host=PUBLIC, tls=context).start()
    server.route("/page", Route(b"over tls", content_type="text/html"))
    return server


def trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


async def test_https_sends_the_name_as_sni_and_verifies_its_certificate(
    authority: trustme.CA,
) -> None:
    seen: list[str | None] = []
    server = tls_server(authority, "news.example", seen)
    fetcher = Fetcher(
        resolve=ScriptedResolver([[PUBLIC]]),
        trusted_networks=TRUST_PUBLIC,
        verify=trusting(authority),
    )
    result = await fetcher.fetch_public(server.url("/page", host="news.example"))
    await fetcher.aclose()
    server.stop()
    assert result.body == b"over tls"
    assert seen == ["news.example"]


async def test_https_refuses_a_certificate_for_another_name(authority: trustme.CA) -> None:
    server = tls_server(authority, "other.example", [])
    fetcher = Fetcher(
        resolve=ScriptedResolver([[PUBLIC]]),
        trusted_networks=TRUST_PUBLIC,
        verify=trusting(authority),
    )
    result = await fetcher.fetch_public(server.url("/page", host="news.example"))
    await fetcher.aclose()
    server.stop()
    assert not result.ok and "CERTIFICATE_VERIFY_FAILED" in (result.error or "")
    assert server.requests == []


# --- the address policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.5", "169.254.169.254", "100.64.0.1", "::1", "fe80::1", "fc00::1",
     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "0.0.0.0", "192.0.2.1"],
)  # fmt: skip
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not AddressPolicy().allows(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert AddressPolicy().allows(ipaddress.ip_address(address))


def test_a_trusted_network_is_allowed_and_nothing_else_with_it() -> None:
    policy = AddressPolicy(trusted=(ipaddress.ip_network("10.8.0.0/16"),))
    assert policy.allows(ipaddress.ip_address("10.8.3.4"))
    assert not policy.allows(ipaddress.ip_address("10.9.0.1"))
