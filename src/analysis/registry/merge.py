"""Merging overlapping episodes of the same type, as the BIJ protocol prescribes."""
from __future__ import annotations

import numpy as np
import pandas as pd


def merge_overlaps(df: pd.DataFrame, key: tuple[str, ...], id_col: str) -> tuple[pd.DataFrame, int]:
    """Merge overlapping episodes with the same ``key`` (BIJ): earliest start, latest end.

    Episodes that only touch (end = next start) are kept apart. The merged row keeps the other
    fields of its first episode and the end fields of the episode that ends last; ``merged_from``
    lists the episode ids it absorbed. Returns the merged frame and the number of absorbed rows.
    """
    if df.empty:
        return df.assign(merged_from=pd.Series(dtype="string")), 0
    d = df.sort_values([*key, "start_date"], kind="stable").reset_index(drop=True)
    group = d.groupby(list(key), dropna=False, sort=False).ngroup().to_numpy()
    end = d["end_date"].fillna(pd.Timestamp.max)
    prev_max = end.groupby(group).cummax().groupby(group).shift(1)
    new = prev_max.isna() | (d["start_date"] >= prev_max)
    island = new.cumsum().to_numpy()
    n_absorbed = int(len(d) - island[-1])
    if n_absorbed == 0:
        return df.assign(merged_from=pd.Series(pd.NA, index=df.index, dtype="string")), 0
    first = d.loc[new.to_numpy()].set_index(island[new.to_numpy()])
    size = np.bincount(island)[first.index]
    multi = first.index[size > 1]
    sub = d.loc[np.isin(island, multi)]
    sub_island = island[np.isin(island, multi)]
    last_end = end.loc[sub.index].groupby(sub_island).idxmax()
    end_cols = [c for c in d.columns if c.startswith("end_")]
    first.loc[multi, end_cols] = d.loc[last_end.loc[multi].to_numpy(), end_cols].to_numpy()
    first.loc[multi, "end_date"] = end.loc[sub.index].groupby(sub_island).max().loc[multi].where(
        lambda x: x != pd.Timestamp.max).to_numpy()
    first["merged_from"] = pd.Series(pd.NA, index=first.index, dtype="string")
    first.loc[multi, "merged_from"] = sub[id_col].astype(str).groupby(sub_island).agg(";".join).loc[multi].to_numpy()
    return first.reset_index(drop=True), n_absorbed
