"""The code lists the loaders check coded columns against, keyed by canonical table and column.

Statutory code lists change from year to year, so a code missing from this table is reported
as a warning (the record is kept as returned); ``assessment_type`` is the project's own code and
an unknown value is an error (no indicator would know which timescale applies to it).

SSDA903 lists follow the 2024-25 specification, plus codes used in earlier returns that the
samples still carry (placement types F1-F6 and A1-A2, OC3 activities F3/P3), because a
quarterly report reads several years' returns. CIN lists follow the 2024 census schema.
"""

from __future__ import annotations

ASSESSMENT_TYPES = frozenset({"single", "initial", "core"})


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


CODES: dict[tuple[str, str], frozenset[str]] = {
    ("assessments", "assessment_type"): ASSESSMENT_TYPES,
    ("referrals", "referral_source"): _codes(
        "1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10"
    ),
    ("cp_plans", "initial_category"): _codes("NEG PHY SAB EMO MUL"),
    ("la_episodes", "rne"): _codes("S L P T B U"),
    ("la_episodes", "legal_status"): _codes("C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3"),
    ("la_episodes", "placement"): _codes(
        "A3 A4 A5 A6 H5 K1 K2 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1"
        # earlier returns: foster placements before U1-U6, adoption placements before A3-A6
        " F1 F2 F3 F4 F5 F6 A1 A2"
    ),
    ("la_episodes", "reason_end"): _codes(
        "X1 E11 E12 E2 E3 E4A E4B E13 E41 E45 E46 E47 E48 E5 E6 E7 E9 E14 E15 E16 E17 E8 E4"
    ),
    ("la_reviews", "review_code"): frozenset(f"PN{i}" for i in range(8)),
    ("care_leavers", "in_touch"): _codes("YES NO DIED REFU NREQ RHOM"),
    ("care_leavers", "activity"): _codes("F1 P1 F2 P2 F3 P3 F4 P4 F5 P5 G4 G5 G6 0"),
    ("care_leavers", "accommodation"): _codes(
        "B1 B2 C1 C2 D1 D2 E1 E2 G1 G2 H1 H2 K1 K2 R1 R2 S1 S2 T1 T2 U1 U2 V1 V2 W1 W2 "
        "X1 X2 Y1 Y2 Z1 Z2 0"
    ),
}

# Each year's return schema as differences from the year before, as liia-tools keeps them: from
# the financial year given (its first calendar year), a column's code list becomes the one
# given. A loader that knows its return's year checks that year's list; the project's own
# layout (which spans years) accepts any year's codes.
_PLACEMENTS_2024 = CODES[("la_episodes", "placement")]
YEAR_CODES: dict[tuple[str, str], tuple[tuple[int, frozenset[str]], ...]] = {
    # CIN census GenderCurrent and SSDA903 SEX 1/2 (0 and 9 CIN only) until 2023-24; both
    # returns' Sex M/F/U from 2024-25
    ("children", "sex"): ((1900, _codes("0 1 2 9")), (2024, _codes("M F U"))),
    # the SSDA903 placement Z1 (other placements) split into Z11-Z14 from 2025-26
    ("la_episodes", "placement"): (
        (1900, _PLACEMENTS_2024),
        (2025, (_PLACEMENTS_2024 - {"Z1"}) | _codes("Z11 Z12 Z13 Z14")),
    ),
}
CODES.update(
    {
        # SSDA903 SW_REASON (2023-24 on)
        ("sw_episodes", "reason"): _codes(
            "MANAGE FCONTA LEFTRL ORGRST TSPROC ABSENC CHCHAN PCCHAN SWDIED OTHERS"
        ),
    }
)


def codes_for(table: str, column: str, year: int | None = None) -> frozenset[str] | None:
    """The codes ``table.column`` may hold in the return for the financial year starting in
    ``year`` (any year's, and the base list's, when ``year`` is None); None: no list."""
    versions = YEAR_CODES.get((table, column))
    base = CODES.get((table, column))
    if not versions:
        return base
    if year is None:
        union = frozenset().union(*(codes for _, codes in versions))
        return union | (base or frozenset())
    current = [codes for start, codes in versions if start <= year]
    return current[-1] if current else versions[0][1]


def checked_columns() -> list[tuple[str, str]]:
    """Every (table, column) with a code list, in any year."""
    return list(dict.fromkeys([*CODES, *YEAR_CODES]))


# Unknown values in these columns are errors, not warnings (see the module docstring).
FATAL_CODES = frozenset({("assessments", "assessment_type")})
