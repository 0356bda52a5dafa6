"""Where DfE publishes the National Framework measures (read by :mod:`comparators`).

Plain data, one mapping per measure in the keyword form of
:class:`safeguarding.comparators.DfeMeasure`, which ``comparators`` adds to its
``DFE_MEASURES`` so that :func:`~safeguarding.comparators.read_dfe` reads them by the same
code path as every other DfE file (suppression symbols, codes, years, neighbours).

The workforce measures come from DfE's children's social work workforce census
(``csww_indicators_*.csv``): figures at 30 September, so ``time_period`` 2024 (30 September
2024) is read as 2024-25, the financial year the census date falls in, not as the year ending
31 March 2024 as in the other files. A quarter's report shows the latest census published by its
end: 30 September 2023 (2023-24) for 2024-25 Q2. They are published only by DfE: the
catalogue's entries have no record-level rule, and a report shows the authority's own published
figure beside England, its region and its neighbours.
"""

from __future__ import annotations

from typing import Any

WORKFORCE_FILE = "csww_indicators"
CIN_FILE = "b1_children_in_need"
REFERRALS_FILE = "c1_children_in_need_referrals_and_rereferrals"

FRAMEWORK_DFE_MEASURES: tuple[dict[str, Any], ...] = (
    # children in need at 31 March (DfE counts open episodes at 31 March)
    {
        "indicator": "CIN_AT_END",
        "file": CIN_FILE,
        "value": "At31_episodes",
        "decimals": 0,
        "where": (("category", "Children in Need"),),
    },
    {
        "indicator": "CIN_AT_END_RATE",
        "file": CIN_FILE,
        "value": "At31_episodes",
        "decimals": 1,
        "where": (("category", "Children in Need"),),
        "per_population": True,
    },
    {
        "indicator": "REFERRAL_NFA",
        "file": REFERRALS_FILE,
        "value": "no_further_action_percent",
        "decimals": 1,
        "numerator": "no_further_action_count",
        "denominator": "referral_count",
    },
    # the workforce enabler: FTE rates and the average caseload
    {
        "indicator": "SW_TURNOVER",
        "file": WORKFORCE_FILE,
        "september_census": True,
        "value": "turnover_rate_fte",
        "decimals": 1,
        "numerator": "leavers_fte",
        "denominator": "inpost_fte",
    },
    {
        "indicator": "SW_AGENCY",
        "file": WORKFORCE_FILE,
        "september_census": True,
        "value": "agency_rate_fte",  # agency / (agency + in post)
        "decimals": 1,
    },
    {
        "indicator": "SW_VACANCY",
        "file": WORKFORCE_FILE,
        "september_census": True,
        "value": "vacancy_rate_fte",  # vacancies / (vacancies + in post)
        "decimals": 1,
    },
    {
        "indicator": "SW_CASELOAD",
        "file": WORKFORCE_FILE,
        "september_census": True,
        "value": "caseload_fte",
        "decimals": 1,
        "numerator": "cases",
        "denominator": "case_holders_fte",
    },
)
WORKFORCE_INDICATORS = ("SW_TURNOVER", "SW_AGENCY", "SW_VACANCY", "SW_CASELOAD")
