"""The Telegram side of newsbot: delivering messages through the Bot API (``bot.telegram.send``)."""

__all__: list[str] = []
