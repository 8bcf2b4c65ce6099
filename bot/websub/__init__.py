"""WebSub (W3C Recommendation) subscriber: feeds pushed by their publishers' hubs.

`find_hub` / `note_hub` read a feed's hub from a poll, `Subscriber` asks hubs for subscriptions
and renews them, `Callback` answers the hubs' verifications and takes their signed content to
`Pipeline.push`. A subscription's `state == "active"` is what makes a feed "pushed".
"""

from bot.websub.callback import Callback, PushSink, loop_sink, route, signature_ok
from bot.websub.discovery import Hub, find_hub, note_hub
from bot.websub.subscriber import (
    Step,
    Subscriber,
    SubscribeReport,
    callback_url,
    next_step,
)

__all__ = [
    "Callback",
    "Hub",
    "PushSink",
    "Step",
    "SubscribeReport",
    "Subscriber",
    "callback_url",
    "find_hub",
    "loop_sink",
    "next_step",
    "note_hub",
    "route",
    "signature_ok",
]
