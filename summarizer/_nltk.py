"""nltk, imported without scipy.

sumy's stemmers import nltk, and nltk's ``__init__`` imports the whole of nltk, four of whose
modules import scipy when it is installed (Fisher's exact test, a normal distribution, sparse
matrices: nothing the summarizer or the bot calls). That is about 80 MB of RSS in every
process that stems a word. Each of those imports sits in a ``try`` and nltk works without
scipy, so while nltk is imported here scipy is made to look absent; a later ``import scipy``
by anyone works as usual.

The package's ``__init__`` imports this module first, before anything imports sumy or nltk.
"""

from __future__ import annotations

import sys

__all__: list[str] = []


def _import_nltk() -> None:
    if "nltk" in sys.modules or "scipy" in sys.modules:
        return  # too late, or scipy is loaded anyway: nothing to save
    sys.modules["scipy"] = None  # type: ignore[assignment]  # "import scipy" raises ImportError
    try:
        import nltk  # noqa: F401
    finally:
        del sys.modules["scipy"]


_import_nltk()
