"""``workbench import-ijw``: specialist-care episodes in the uniform format from an archive of iJw
messages, the BSN pseudonymised on the way in, with the import report (issue 16, part 1).

Layers: :func:`analysis.registry.ijw.read_archive` (files → messages, broken files named),
:func:`analysis.registry.ijw_episodes.rebuild` (starts and stops → episodes, every block
accounted for), :func:`analysis.registry.ijw_episodes.attach_referrer` (JW315 → JW301 →
episode). The BSN is replaced by its HMAC pseudonym before anything is written; the key is never
written. Nothing in the output or the report carries a BSN.

The BIJ form of care (``bij_hulpvorm``, required by the format) and the level of intervention come
from the region's product list when one is given (``--products``: a CSV or XLSX with
``ijw_productcategorie``, ``ijw_productcode``, ``bij_hulpvorm`` and optionally
``intervention_level``; a regional product code says what the category cannot: outpatient care in
the network (04) and at the provider (02) share category 45). Products not in the list, or no list,
take the form from the category by :data:`HULPVORM_OF_CATEGORY` (the 2015 categories 32–38 mirror
the BIJ forms; the later ones by their kind of care) and no level; the report counts both ways.
Categories outside it leave the form empty: validation then rejects the row, named, and the report
counts them. ``responsible_municipality`` is the receiver of the start (or stop) message.

iJw does not carry the request date (JW315 is the provider's request for an allocation, not the
family's request for help), whether care started in crisis, or care paid from a personal budget
(pgb, paid through the SVB, not through iJw): those columns are left out.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RegistryError
from .ijw import read_archive
from .ijw_episodes import account, allocations, attach_referrer, block_frame, rebuild
from .pseudonymise import pseudonym

#: JZ020 product category → BIJ hulpvorm (specialist forms 02–04, 11–14)
HULPVORM_OF_CATEGORY = {"32": "02", "33": "03", "34": "04", "35": "11", "36": "12", "37": "13", "38": "14",
                        "41": "03", "43": "14", "44": "14", "45": "02", "46": "02", "51": "02", "52": "02",
                        "54": "02", "55": "14"}
EPISODE_COLUMNS = ["episode_id", "person_id", "provider_agb", "bij_hulpvorm", "ijw_productcategorie",
                   "ijw_productcode", "referrer", "allocation_number", "intervention_level", "start_date", "end_date",
                   "end_reason_bij", "end_reason_ijw", "responsible_municipality"]
PRODUCT_COLUMNS = ["ijw_productcategorie", "ijw_productcode", "bij_hulpvorm", "intervention_level"]


@dataclass
class IjwImport:
    episodes: pd.DataFrame       # the uniform specialist_episodes (pseudonymised)
    account: pd.DataFrame        # per message type: read, used, deleted, rejected, stop_without_start
    rejected_blocks: pd.DataFrame  # kind, file, xpath, rule (no BSN)
    rejected_files: list[dict]   # file, element, reason
    no_hulpvorm: int             # episodes whose category has no BIJ form (validation rejects them)
    form_from: dict              # how many episodes took their BIJ form from the product list, from the category
    links: dict = None           # JW301 and JW315: blocks read, allocations, withdrawn, episodes linked

    @property
    def clean(self) -> bool:
        return not len(self.rejected_blocks) and not self.rejected_files

    def report(self) -> dict:
        acc = self.account.to_dict("records")
        return {"messages": acc, "input_equals_used_deleted_rejected": all(
                    a["read"] == a["used"] + a["deleted"] + a["rejected"] for a in acc),
                "rejected_files": self.rejected_files,
                "rejected_blocks": self.rejected_blocks.to_dict("records"),
                "episodes": len(self.episodes), "episodes_without_bij_form": self.no_hulpvorm,
                "bij_form_from": self.form_from, "allocations_and_requests": self.links or {},
                "ended_without_bij_reason": {r: int(n) for r, n in self.episodes.loc[
                    (self.episodes["end_date"] != "") & (self.episodes["end_reason_bij"] == ""),
                    "end_reason_ijw"].value_counts().sort_index().items()}}


def read_products(path: Path) -> pd.DataFrame:
    """The region's product list: one row per product (category + regional code) with its BIJ form
    and optionally its level of intervention; codes checked against the format, errors name the
    file, the row and the column."""
    from .readers import ROW, read_table_file
    from .schema import load_format
    df, _ = read_table_file(Path(path))
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in PRODUCT_COLUMNS[:3] if c not in df.columns]
    if missing:
        raise RegistryError(f"the product list lacks the column(s) {', '.join(missing)} (it needs "
                            f"{', '.join(PRODUCT_COLUMNS[:3])}, optionally intervention_level)", file=str(path))
    if "intervention_level" not in df.columns:
        df["intervention_level"] = ""
    fmt = load_format()
    for col, codes in (("ijw_productcategorie", "ijw_productcategorie"), ("bij_hulpvorm", "bij_hulpvorm_specialist"),
                       ("intervention_level", "intervention_level")):
        df[col] = df[col].astype(str).str.strip()
        allowed = fmt.code_values(codes)
        bad = df[~df[col].isin(allowed) & ((df[col] != "") | (col != "intervention_level"))]
        if len(bad):
            r = bad.iloc[0]
            raise RegistryError(f"{r[col]!r} is not a code of {codes} ({', '.join(sorted(allowed))})",
                                file=str(path), row=int(r[ROW]), column=col)
    df["ijw_productcode"] = df["ijw_productcode"].astype(str).str.strip()
    dup = df[df.duplicated(["ijw_productcategorie", "ijw_productcode"], keep=False)]
    if len(dup):
        r = dup.iloc[1]
        raise RegistryError(f"product {r['ijw_productcategorie']} {r['ijw_productcode']!r} is listed twice",
                            file=str(path), row=int(r[ROW]), column="ijw_productcode")
    return df[PRODUCT_COLUMNS].reset_index(drop=True)


def import_archive(archive: Path, key: bytes, products: pd.DataFrame | None = None) -> IjwImport:
    """``products``: the region's product list (:func:`read_products`), or None."""
    messages, bad_files = read_archive(archive)
    blocks = block_frame(messages)
    episodes, acc = rebuild(blocks)
    allocs = allocations(messages)
    episodes = attach_referrer(episodes, allocs, messages)
    live = set(zip(*(allocs.loc[~allocs["withdrawn"], c] for c in ("bsn", "provider", "allocation"))))
    allocated = sum(k in live for k in zip(episodes["bsn"], episodes["provider"], episodes["allocation"]))
    links = {"JW301": {"blocks_read": sum(len(m.blocks) for m in messages if m.kind == "JW301"),
                       "allocations": int(len(allocs)), "withdrawn": int(allocs["withdrawn"].sum())},
             "JW315": {"blocks_read": sum(len(m.blocks) for m in messages if m.kind == "JW315")},
             "episodes_with_a_current_allocation": int(allocated),
             "episodes_without_one": int(len(episodes) - allocated),
             "episodes_with_a_referrer": int((episodes["referrer"] != "").sum())}
    pid = episodes["bsn"].map(lambda b: pseudonym(key, b))
    ident = [hashlib.sha256(f"{p}|{a}|{s}|{c}|{pr}".encode()).hexdigest()[:16]
             for p, a, s, c, pr in zip(pid, episodes["allocation"], episodes["start"], episodes["category"],
                                       episodes["provider"])]
    form = episodes["category"].map(HULPVORM_OF_CATEGORY).fillna("").to_numpy(object)
    level = np.full(len(episodes), "", dtype=object)
    listed = np.zeros(len(episodes), bool)
    if products is not None and len(episodes):
        hit = episodes[["category", "code"]].merge(
            products.rename(columns={"ijw_productcategorie": "category", "ijw_productcode": "code"}),
            on=["category", "code"], how="left")
        listed = hit["bij_hulpvorm"].notna().to_numpy()
        form[listed] = hit.loc[listed, "bij_hulpvorm"].to_numpy(object)
        level[listed] = hit.loc[listed, "intervention_level"].fillna("").to_numpy(object)
    out = pd.DataFrame({"episode_id": [f"IJW{i}" for i in ident], "person_id": pid.to_numpy(),
                        "provider_agb": episodes["provider"].to_numpy(),
                        "bij_hulpvorm": form,
                        "ijw_productcategorie": episodes["category"].to_numpy(),
                        "ijw_productcode": episodes["code"].to_numpy(), "referrer": episodes["referrer"].to_numpy(),
                        "allocation_number": episodes["allocation"].to_numpy(), "intervention_level": level,
                        "start_date": episodes["start"].to_numpy(),
                        "end_date": episodes["end"].to_numpy(), "end_reason_bij": episodes["end_reason_bij"].to_numpy(),
                        "end_reason_ijw": episodes["end_reason_ijw"].to_numpy(),
                        "responsible_municipality": episodes["municipality"].to_numpy()}, columns=EPISODE_COLUMNS)
    if products is None:       # no product list: no level of intervention to give
        out = out.drop(columns="intervention_level")
    rej = acc[acc["outcome"] == "rejected"][["kind", "file", "xpath", "rule"]].reset_index(drop=True)
    return IjwImport(episodes=out, account=account(acc) if len(acc) else pd.DataFrame(
                         columns=["kind", "read", "used", "deleted", "rejected", "corrected", "stop_without_start"]),
                     rejected_blocks=rej, rejected_files=bad_files, no_hulpvorm=int((out["bij_hulpvorm"] == "").sum()),
                     form_from={"product_list": int(listed.sum()),
                                "category": int((~listed & (out["bij_hulpvorm"] != "").to_numpy()).sum())},
                     links=links)


def write_import(result: IjwImport, out: Path) -> list[Path]:
    """``out/specialist_episodes.csv`` and ``out/import_report.json``."""
    from .. import io
    out = Path(out)
    paths = [out / "specialist_episodes.csv", out / "import_report.json"]
    io.write_csv(paths[0], result.episodes)
    io.write_text(paths[1], json.dumps(result.report(), indent=1, ensure_ascii=False, default=int) + "\n")
    return paths
