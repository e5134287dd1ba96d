"""One progress bar in the parent process for long runs (hidden when output is not a terminal)."""
from __future__ import annotations


def bar(desc: str):
    """A wrapper ``wrap(iterable, total=None)`` that shows a tqdm bar labelled ``desc``."""
    from tqdm.auto import tqdm

    def wrap(items, total=None):
        return tqdm(items, total=total, desc=desc, leave=False, disable=None)
    return wrap
