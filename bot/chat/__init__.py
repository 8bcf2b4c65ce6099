"""What users and operators change or ask, as services: a session and plain values in, plain
values out, nothing of Telegram. The Telegram adapter (`bot.telegram`) parses an update, calls
one of these, and sends what `replies` renders.

- `input`: reading what users type (numbers, times, zones, query options)
- `prefs`: a chat and its preferences
- `subscriptions`: a chat's queries, trying them, muting them or an outlet
- `reports`: what users ask to see (their setup, sources, latest stories, a page's summary)
- `operator`: the operators' feeds and numbers
- `replies`: the messages, as Telegram HTML
"""

__all__: list[str] = []
