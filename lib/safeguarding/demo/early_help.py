"""Early help assessments for the demo (the ``early_help`` table, Ofsted's Annex A list 2).

No statutory return holds early help, and DfE publishes no England figure for referrals
after early help; councils that report it see roughly a fifth to a third of their referrals
come from families who had early help in the year before. The demo gives two kinds:

- **before a referral**: about one referral in six follows an early help assessment that
  began one to ten months earlier (a few began 13 to 20 months earlier and were completed
  over a year before the referral: they do not count);
- **after a step-down**: most children-in-need episodes closed to early help (reason RC9)
  are followed by an early help assessment starting within three weeks.

Drawn by hashing the referral's identifier (no random draws), so the simulation's streams
and every other table are unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .realism import _hash

BEFORE_SHARE = 16  # per 100 referrals: early help in the year before
STALE_SHARE = 3  # per 100 referrals: early help that ended over a year before
STEP_DOWN_SHARE = 85  # per 100 RC9 closures: an early help assessment follows
ORGANISATIONS = ("Early help service", "School", "Health visiting", "Family hub")


def early_help(referrals: pd.DataFrame, extract: pd.Timestamp) -> pd.DataFrame:
    """``child_id, start_date, end_date, organisation``: one row per assessment, none
    starting after ``extract`` (completion blank while it is still under way then)."""
    refs = referrals[referrals["referral_date"].notna()]
    key = refs["referral_id"].astype(str)
    pick = _hash(key, "eh") % 100
    lead = pd.to_timedelta(30 + _hash(key, "eh-days") % 270, unit="D")
    stale = pd.to_timedelta(400 + _hash(key, "eh-stale") % 200, unit="D")
    before = refs[pick < BEFORE_SHARE]
    old = refs[(pick >= BEFORE_SHARE) & (pick < BEFORE_SHARE + STALE_SHARE)]
    closed = refs["closure_reason"].astype("string").eq("RC9").fillna(False).to_numpy()
    step = refs[closed & (_hash(key, "eh-step") % 100 < STEP_DOWN_SHARE)]
    starts = pd.concat([
        before["referral_date"] - lead[pick < BEFORE_SHARE],
        old["referral_date"] - stale[(pick >= BEFORE_SHARE) & (pick < BEFORE_SHARE + STALE_SHARE)],
        step["closure_date"] + pd.to_timedelta(1 + _hash(step["referral_id"], "eh-s") % 21,
                                               unit="D"),
    ])  # fmt: skip
    child = pd.concat([before["child_id"], old["child_id"], step["child_id"]])
    out = pd.DataFrame({"child_id": child.to_numpy(), "start_date": starts.to_numpy()})
    out = out[out["start_date"] <= extract]
    out = out.drop_duplicates(["child_id", "start_date"]).reset_index(drop=True)
    ident = out["child_id"].astype(str) + out["start_date"].astype(str)
    done = out["start_date"] + pd.to_timedelta(10 + _hash(ident, "eh-done") % 35, unit="D")
    out["end_date"] = done.where(done <= extract)
    out["organisation"] = np.array(ORGANISATIONS, dtype=object)[
        (_hash(ident, "eh-org") % len(ORGANISATIONS)).astype(int)
    ]
    return out.sort_values(["child_id", "start_date"], kind="stable").reset_index(drop=True)
