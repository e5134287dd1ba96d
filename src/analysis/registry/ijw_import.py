"""``workbench import-ijw``: specialist-care episodes in the uniform format from an archive of iJw
messages, the BSN pseudonymised on the way in, with the import report (issue 16, part 1).

Layers: :func:`analysis.registry.ijw.read_archive` (files → messages, broken files named),
:func:`analysis.registry.ijw_episodes.rebuild` (starts and stops → episodes, every block
accounted for), :func:`analysis.registry.ijw_episodes.attach_referrer` (JW315 → JW301 →
episode). The BSN is replaced by its HMAC pseudonym before anything is written; the key is never
written. Nothing in the output or the report carries a BSN.

The BIJ form of care (``bij_hulpvorm``, required by the format) comes from the iJw product category
by :data:`HULPVORM_OF_CATEGORY` (the 2015 categories 32–38 mirror the BIJ forms; the later ones by
their kind of care). Categories outside it leave the form empty: validation then rejects the row,
named, and the report counts them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .ijw import read_archive
from .ijw_episodes import account, allocations, attach_referrer, block_frame, rebuild
from .pseudonymise import pseudonym

#: JZ020 product category → BIJ hulpvorm (specialist forms 02–04, 11–14)
HULPVORM_OF_CATEGORY = {"32": "02", "33": "03", "34": "04", "35": "11", "36": "12", "37": "13", "38": "14",
                        "41": "03", "43": "14", "44": "14", "45": "02", "46": "02", "51": "02", "52": "02",
                        "54": "02", "55": "14"}
EPISODE_COLUMNS = ["episode_id", "person_id", "provider_agb", "bij_hulpvorm", "ijw_productcategorie",
                   "ijw_productcode", "referrer", "allocation_number", "start_date", "end_date", "end_reason_bij",
                   "end_reason_ijw"]


@dataclass
class IjwImport:
    episodes: pd.DataFrame       # the uniform specialist_episodes (pseudonymised)
    account: pd.DataFrame        # per message type: read, used, deleted, rejected, stop_without_start
    rejected_blocks: pd.DataFrame  # kind, file, xpath, rule (no BSN)
    rejected_files: list[dict]   # file, element, reason
    no_hulpvorm: int             # episodes whose category has no BIJ form (validation rejects them)

    @property
    def clean(self) -> bool:
        return not len(self.rejected_blocks) and not self.rejected_files

    def report(self) -> dict:
        acc = self.account.to_dict("records")
        return {"messages": acc, "input_equals_used_deleted_rejected": all(
                    a["read"] == a["used"] + a["deleted"] + a["rejected"] for a in acc),
                "rejected_files": self.rejected_files,
                "rejected_blocks": self.rejected_blocks.to_dict("records"),
                "episodes": len(self.episodes), "episodes_without_bij_form": self.no_hulpvorm}


def import_archive(archive: Path, key: bytes) -> IjwImport:
    messages, bad_files = read_archive(archive)
    blocks = block_frame(messages)
    episodes, acc = rebuild(blocks)
    episodes = attach_referrer(episodes, allocations(messages), messages)
    pid = episodes["bsn"].map(lambda b: pseudonym(key, b))
    ident = [hashlib.sha256(f"{p}|{a}|{s}|{c}|{pr}".encode()).hexdigest()[:16]
             for p, a, s, c, pr in zip(pid, episodes["allocation"], episodes["start"], episodes["category"],
                                       episodes["provider"])]
    out = pd.DataFrame({"episode_id": [f"IJW{i}" for i in ident], "person_id": pid.to_numpy(),
                        "provider_agb": episodes["provider"].to_numpy(),
                        "bij_hulpvorm": episodes["category"].map(HULPVORM_OF_CATEGORY).fillna("").to_numpy(),
                        "ijw_productcategorie": episodes["category"].to_numpy(),
                        "ijw_productcode": episodes["code"].to_numpy(), "referrer": episodes["referrer"].to_numpy(),
                        "allocation_number": episodes["allocation"].to_numpy(), "start_date": episodes["start"].to_numpy(),
                        "end_date": episodes["end"].to_numpy(), "end_reason_bij": episodes["end_reason_bij"].to_numpy(),
                        "end_reason_ijw": episodes["end_reason_ijw"].to_numpy()}, columns=EPISODE_COLUMNS)
    rej = acc[acc["outcome"] == "rejected"][["kind", "file", "xpath", "rule"]].reset_index(drop=True)
    return IjwImport(episodes=out, account=account(acc) if len(acc) else pd.DataFrame(
                         columns=["kind", "read", "used", "deleted", "rejected", "stop_without_start"]),
                     rejected_blocks=rej, rejected_files=bad_files, no_hulpvorm=int((out["bij_hulpvorm"] == "").sum()))


def write_import(result: IjwImport, out: Path) -> list[Path]:
    """``out/specialist_episodes.csv`` and ``out/import_report.json``."""
    from .. import io
    out = Path(out)
    paths = [out / "specialist_episodes.csv", out / "import_report.json"]
    io.write_csv(paths[0], result.episodes)
    io.write_text(paths[1], json.dumps(result.report(), indent=1, ensure_ascii=False, default=int) + "\n")
    return paths
