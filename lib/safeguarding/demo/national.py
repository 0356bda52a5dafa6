"""A synthetic England: national figures by year, the nine regions, their authorities' counts.

The national series follow the shape of the published England figures (the CIN census and
SSDA903 statistical releases, LAIT) closely enough for charts to look familiar; they are not
the published figures. The generator draws each authority's rates from the same series, so
the records, the comparators and the targets tell one story.
"""

from __future__ import annotations

import numpy as np

# (first year, values from that year on, one per financial year); the last value holds for
# later years and the first for earlier ones (see :func:`national_value`).
FIRST_YEAR = 2008
_SERIES: dict[str, tuple[float, ...]] = {
    # percentages
    "NI59": (72.0, 67.5, 77.2, 77.0, 75.5, 76.0),  # 7 WD to 2009-10, 10 WD from 2010-11
    "NI60": (78.0, 75.4, 75.3, 75.5, 74.5, 74.8),
    "NI62": (
        10.9,
        10.7,
        10.9,
        11.0,
        11.0,
        10.5,
        10.4,
        10.0,
        10.1,
        10.3,
        10.2,
        10.0,
        9.2,
        10.1,
        10.0,
        9.9,
        10.1,
    ),
    "NI63": (
        68.3,
        68.0,
        68.6,
        68.7,
        67.4,
        67.0,
        67.8,
        68.4,
        69.1,
        69.6,
        70.2,
        70.4,
        71.0,
        70.1,
        69.8,
        69.5,
        69.9,
    ),
    "NI64": (6.0, 5.6, 5.4, 4.5, 4.0, 3.7, 3.6, 3.4, 3.7, 3.7, 3.6, 3.5, 3.8, 3.6, 3.5, 3.4, 3.4),
    "NI65": (
        13.4,
        13.3,
        13.1,
        13.8,
        14.9,
        15.8,
        16.6,
        17.9,
        18.7,
        20.2,
        20.8,
        21.9,
        22.1,
        23.3,
        23.6,
        23.9,
        23.8,
    ),
    "NI66": (90.5, 90.9, 91.2, 91.0, 90.8, 90.6),
    "NI67": (
        97.0,
        97.1,
        96.7,
        96.9,
        95.8,
        95.9,
        94.1,
        93.8,
        93.4,
        92.9,
        92.1,
        91.9,
        91.0,
        90.3,
        90.7,
        91.2,
        91.5,
    ),
    "NI68": (64.5, 63.0, 59.8, 58.6, 59.1, 60.0),
    "NI147": (
        88.3,
        89.5,
        88.8,
        88.2,
        87.9,
        87.3,
        87.0,
        86.6,
        86.4,
        86.5,
        86.9,
        87.7,
        88.1,
        88.0,
        88.3,
        88.6,
        88.9,
    ),
    "NI148": (
        63.3,
        61.2,
        60.0,
        58.1,
        55.3,
        55.2,
        53.5,
        52.6,
        51.0,
        51.6,
        52.0,
        52.8,
        50.6,
        53.1,
        54.8,
        55.0,
        55.2,
    ),
    "REREFERRAL_12M": (
        23.2,
        24.4,
        25.7,
        24.5,
        24.9,
        23.4,
        24.0,
        22.3,
        21.9,
        21.9,
        22.6,
        22.6,
        22.7,
        21.5,
        21.4,
        22.4,
        22.3,
    ),
    "ASSESS_45WD": (
        80.0,
        80.0,
        80.0,
        80.0,
        80.0,
        80.0,
        81.5,
        83.4,
        82.9,
        82.7,
        83.1,
        84.1,
        87.6,
        84.5,
        82.9,
        82.3,
        83.0,
    ),
    "ICPC_15WD": (
        70.2,
        71.3,
        71.8,
        72.9,
        71.3,
        70.2,
        73.1,
        76.8,
        76.7,
        77.1,
        78.6,
        78.3,
        80.0,
        79.0,
        78.4,
        79.2,
        79.0,
    ),
    "CPP_2YRS_OPEN": (
        6.1,
        5.5,
        5.2,
        4.7,
        3.9,
        3.5,
        3.6,
        3.4,
        3.1,
        3.0,
        2.9,
        2.8,
        2.5,
        2.2,
        2.3,
        2.3,
        2.4,
    ),
    # rates per 10,000 children aged 0-17
    "REFERRALS_RATE": (
        497.0,
        557.0,
        548.1,
        533.5,
        520.7,
        573.0,
        548.3,
        532.2,
        548.2,
        552.5,
        544.5,
        534.8,
        494.3,
        538.0,
        544.9,
        538.2,
        535.0,
    ),
    "CPP_AT_END_RATE": (
        34.5,
        39.1,
        38.7,
        37.8,
        37.9,
        42.1,
        42.9,
        43.1,
        43.3,
        45.3,
        43.7,
        42.8,
        41.4,
        42.1,
        43.2,
        41.6,
        40.0,
    ),
    "CLA_AT_END_RATE": (
        55.0,
        57.0,
        59.0,
        59.0,
        60.0,
        60.0,
        60.0,
        60.0,
        62.0,
        64.0,
        65.0,
        67.0,
        67.0,
        70.0,
        71.0,
        70.0,
        69.0,
    ),
    # the National Framework measures (indicators/framework.py; workforce: DfE's census).
    # Children in need, NFA and the workforce follow DfE's published England figures from
    # 2012-13 (2016-17 for the workforce); the rest are flat at England's recent level.
    "CIN_AT_END_RATE": (325.0, 330.0, 335.0, 328.0, 331.5, 344.7, 338.2, 339.8, 333.3, 345.4,
                        339.8, 330.1, 329.6, 343.7, 338.7, 331.2, 330.3),
    "REFERRAL_NFA": (14.5,) * 5 + (14.1, 13.8, 9.9, 10.2, 9.4, 8.1, 6.3, 6.0, 7.6, 7.1, 6.3, 6.5),
    "KINSHIP_AT_END": (17.0,),
    "LEFT_CARE_SGO": (12.0,),
    "LEFT_CARE_CAO": (3.5,),
    "CPP_CAT_NEGLECT": (48.0,),
    "CPP_CAT_EMOTIONAL": (37.0,),
    "CPP_CAT_PHYSICAL": (7.0,),
    "CPP_CAT_SEXUAL": (4.0,),
    "CPP_CAT_MULTIPLE": (4.0,),
    "PLACED_20_MILES": (20.0,),
    "SW_CHANGE_12M": (35.0,),
    # (the workforce census is at 30 September: 2017-18 is September 2017)
    "SW_TURNOVER": (13.4,) * 10 + (15.1, 15.0, 13.5, 15.4, 17.2, 15.9, 13.9, 11.8),
    "SW_AGENCY": (15.8,) * 10 + (15.4, 15.8, 15.4, 15.5, 17.6, 17.9, 16.2, 13.0),
    "SW_VACANCY": (17.0,) * 10 + (16.5, 16.4, 16.1, 16.7, 20.0, 18.9, 17.3, 14.2),
    "SW_CASELOAD": (17.7,) * 10 + (17.4, 16.9, 16.3, 16.3, 16.6, 16.0, 15.4, 15.2),
}  # fmt: skip
# England's children aged 0-17, for counts from rates (the trend matters, not the level)
ENGLAND_CHILDREN_2008 = 11_000_000
CHILDREN_GROWTH = 0.006  # per year

# count indicators and the rate they follow
COUNT_OF_RATE = {
    "REFERRALS": "REFERRALS_RATE",
    "CPP_AT_END": "CPP_AT_END_RATE",
    "CLA_AT_END": "CLA_AT_END_RATE",
    "CIN_AT_END": "CIN_AT_END_RATE",
}

# The nine English regions with how many authorities each has (152 in all).
REGIONS: dict[str, int] = {
    "North East": 12,
    "North West": 23,
    "Yorkshire and The Humber": 15,
    "East Midlands": 10,
    "West Midlands": 14,
    "East of England": 11,
    "London": 33,
    "South East": 19,
    "South West": 15,
}


def national_value(indicator: str, year: int) -> float:
    """England's figure for ``indicator`` in the financial year starting in ``year``."""
    if indicator in COUNT_OF_RATE:
        rate = national_value(COUNT_OF_RATE[indicator], year)
        return rate * england_children(year) / 10_000
    series = _SERIES[indicator]
    index = int(np.clip(year - FIRST_YEAR, 0, len(series) - 1))
    return series[index]


def has_national(indicator: str) -> bool:
    """True when the synthetic England has a series for ``indicator``."""
    return indicator in _SERIES or indicator in COUNT_OF_RATE


def england_children(year: int) -> float:
    """Children aged 0-17 in England in ``year`` (synthetic)."""
    return ENGLAND_CHILDREN_2008 * (1 + CHILDREN_GROWTH) ** (year - FIRST_YEAR)


def national_rate(indicator: str, years: np.ndarray) -> np.ndarray:
    """Vectorised :func:`national_value` over financial-year start years (a 0-1 share for
    percentages, per child for rates)."""
    series = np.asarray(_SERIES[indicator])
    index = np.clip(np.asarray(years) - FIRST_YEAR, 0, len(series) - 1)
    scale = 10_000.0 if indicator.endswith("_RATE") else 100.0
    return series[index] / scale
