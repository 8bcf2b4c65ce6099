"""Fetching feeds and pages: the pipeline's edge (see `client` for the rules it follows).

`Fetcher` is the one way in; `check_public_url` and the pinned transport keep user-given links
on public addresses; `HostGate` spaces requests per host; `headers` reads what a publisher says
about when to come back.
"""

from bot.errors import UnsafeURL
from bot.fetch.client import Fetcher, FetchResult, gunzip_capped, is_local
from bot.fetch.headers import ServerHints
from bot.fetch.pinning import AddressPolicy, Resolver, check_public_url, system_resolver
from bot.fetch.polite import HostGate, SystemTimer, Timer

__all__ = [
    "AddressPolicy",
    "FetchResult",
    "Fetcher",
    "HostGate",
    "Resolver",
    "ServerHints",
    "SystemTimer",
    "Timer",
    "UnsafeURL",
    "check_public_url",
    "gunzip_capped",
    "is_local",
    "system_resolver",
]
