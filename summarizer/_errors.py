"""The one exception the summarizer raises on purpose."""

from __future__ import annotations

__all__ = ["SummarizerError"]


class SummarizerError(ValueError):
    """A caller asked for something the summarizer cannot do (unknown method, unknown language).

    It subclasses ``ValueError`` because the fault is always in an argument, and its message
    says how to fix the call (it lists the valid names), in the manner of sumy's own errors.
    """
