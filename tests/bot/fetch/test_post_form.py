"""`Fetcher.post_form` (bot/fetch/client.py): a WebSub subscription request to a hub over real
HTTP, held to the address rules of the feed that named the hub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.fetch import Fetcher
from tests.fakes.websub_hub import FakeHub

FORM = {"hub.mode": "subscribe", "hub.topic": "https://t.example/", "hub.callback": "http://c/"}


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    fetcher = Fetcher()
    yield fetcher
    await fetcher.aclose()


async def test_the_form_reaches_the_hub_and_202_is_success(fetcher: Fetcher, hub: FakeHub) -> None:
    result = await fetcher.post_form(hub.url, FORM, public=False)
    assert (result.status, result.error) == (202, None)
    assert hub.requests == [FORM]


async def test_a_refusal_is_an_error_with_the_hubs_words(fetcher: Fetcher, hub: FakeHub) -> None:
    hub.go_down()
    result = await fetcher.post_form(hub.url, FORM, public=False)
    assert (result.status, result.error) == (503, "HTTP 503 hub unavailable")


async def test_a_hub_named_by_a_chats_feed_may_not_be_a_private_address(
    fetcher: Fetcher, hub: FakeHub
) -> None:
    result = await fetcher.post_form(hub.url, FORM, public=True)
    assert result.error == "127.0.0.1 is not a public address"
    assert hub.requests == []


async def test_private_addresses_are_allowed_when_the_operator_says_so(
    fetcher: Fetcher, hub: FakeHub
) -> None:
    result = await fetcher.post_form(hub.url, FORM, public=True, allow_private=True)
    assert result.status == 202


async def test_only_http_hubs_are_contacted(fetcher: Fetcher) -> None:
    result = await fetcher.post_form("file:///etc/passwd", FORM, public=False)
    assert result.error == "not a valid http(s) link"
