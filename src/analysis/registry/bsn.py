"""BSN recognition (9 digits passing the elfproef) and a generator of test-range BSNs for tests."""
from __future__ import annotations

import numpy as np
import pandas as pd

_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])


def looks_like_bsn(values: pd.Series, *, padded_8: bool = True) -> pd.Series:
    """True where a value is 9 digits (8 with a dropped leading zero) that pass the elfproef.

    Spreadsheets drop leading zeros, so an 8-digit number is padded before the check, unless
    ``padded_8`` is False (columns whose values are 8 digits by definition, such as AGB codes).
    ``000000000`` and ``999999999`` (BIJ placeholders for unborn/unknown) count too.
    """
    arr = values.fillna("").to_numpy(dtype=str)
    arr = np.char.strip(arr)
    length = np.char.str_len(arr)
    digits = np.char.isdigit(arr) & ((length == 9) | ((length == 8) & padded_8))
    out = np.zeros(len(arr), bool)
    if digits.any():
        padded = np.char.zfill(arr[digits], 9)
        codes = np.frombuffer("".join(padded.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 9) - 48
        total = codes.astype(int) @ _WEIGHTS
        out[digits] = (total % 11 == 0) | np.isin(padded, ["000000000", "999999999"])
    return pd.Series(out, index=values.index)


def make_bsn(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` numbers in the BSN test range 999900006–999999990 that pass the elfproef."""
    out: list[str] = []
    while len(out) < n:
        cand = rng.integers(999900006, 999999991, size=4 * n)
        s = pd.Series(cand.astype(str))
        out.extend(s[looks_like_bsn(s)].tolist())
    return out[:n]
