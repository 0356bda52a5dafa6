"""The loaders' and collectors' fast paths give exactly what the plain code gives.

Each fast path (a column trimmed without a Python call per cell, identifiers collected in
bulk, ragged rows found by counting separators in one pass) is compared with the plain
definition it replaces, on hand-made edge cases and on random ones."""

from __future__ import annotations

import random
import sys

import numpy as np
import pandas as pd
import pytest
from safeguarding import activity, disproportionality, schema
from safeguarding.loaders import checks
from safeguarding.loaders.canonical import read_canonical
from safeguarding.loaders.checks import PairSet, _no_whitespace, _text
from safeguarding.privacy import Identifiers
from safeguarding.privacy import identifiers as reading
from safeguarding.schema import TABLES
from safeguarding.validation import _separators_fit

# every character str.strip removes, by str.strip's own definition (str.isspace)
WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def plain_text(series: pd.Series) -> pd.Series:
    """The definition: trimmed text with blanks as missing."""
    s = series.astype("string").str.strip()
    return s.mask(s == "")


def _same(series: pd.Series) -> None:
    pd.testing.assert_series_equal(_text(series), plain_text(series), check_exact=True)


EDGE_CASES = [
    ["a", "b", "c"],
    [" a", "b ", " c "],
    ["\ta", "b\t", "\t"],
    ["\u00a0x", "y\u00a0", "\u00a0"],  # non-breaking space
    ["\u2003x", "x\u3000", "\u200b"],  # em space, ideographic space; zero-width space is no space
    ["\x1cx", "x\x1f", "\x85"],  # separators Python counts as whitespace
    ["", "a", ""],
    ["   ", "\t\n", "\r"],
    ["inner space", "two  words", "x"],
    ["Zoë", "Łódź", "日本語", "😀"],
    [" Zoë ", "\u00a0Łódź", "日本語\u3000"],
    ["a\x00b", "c", "d"],  # the separator the fast path joins with
    ["\x00", "", "\x00\x00"],
    [None, "a", None],
    [None, None, None],
    [pd.NA, " a ", pd.NA],
    [np.nan, "x", "y"],
    [],
    ["x"],
    [" "],
    [""],
]


@pytest.mark.parametrize("values", EDGE_CASES, ids=range(len(EDGE_CASES)))
@pytest.mark.parametrize("dtype", [object, "str", "string"])
def test_text_matches_the_plain_definition_on_edge_cases(values, dtype):
    _same(pd.Series(values, dtype=dtype, index=range(10, 10 + len(values)), name="col"))


def test_text_matches_on_every_whitespace_character():
    for ch in WHITESPACE:
        _same(pd.Series([ch, f"{ch}a", f"a{ch}", f"a{ch}b", "plain"], dtype="str"))
    # and characters that are not whitespace stay
    for ch in ["\u200b", "\u2060", "\ufeff", "_", "-"]:
        _same(pd.Series([ch, f"{ch}a", f"a{ch}"], dtype="str"))


def test_text_matches_on_values_that_are_not_text():
    _same(pd.Series([1, 2.5, None, " x", True], dtype=object))
    _same(pd.Series([pd.Timestamp("2024-01-02"), "2024-01-03"], dtype=object))


def test_text_matches_on_random_columns():
    rng = random.Random(17)
    alphabet = ["a", "Z", "0", "9", "é", "日", ",", "-", "\x00", *WHITESPACE[:12], "\u3000"]
    for _ in range(400):
        n = rng.randint(0, 30)
        clean = rng.random() < 0.5
        values: list[object] = []
        for _ in range(n):
            if rng.random() < 0.15:
                values.append(None)
                continue
            pool = alphabet[:4] if clean else alphabet
            values.append("".join(rng.choice(pool) for _ in range(rng.randint(0, 6))))
        _same(pd.Series(values, dtype=rng.choice([object, "str", "string"])))


def test_no_whitespace_is_str_isspace():
    assert _no_whitespace("abc")
    assert _no_whitespace("a\u200bb")
    assert not _no_whitespace("")
    for ch in WHITESPACE:
        assert not _no_whitespace(f"a{ch}b")
        assert not _no_whitespace(ch)


def plain_separators_fit(text: str, width: int) -> bool:
    """The definition: every line after the header has ``width - 1`` commas or is blank."""
    lines = text.split("\n")[1:]
    return all(line.count(",") == width - 1 or not line.strip() for line in lines)


SEPARATOR_CASES = [
    "a,b\n1,2\n3,4\n",
    "a,b\n1,2\n3,4",
    "a,b",
    "a,b\n",
    "a,b\n1,2\n\n3,4\n\n",
    "a,b\n1,2\n   \n\t\n",
    "a,b\n1,2\n\u00a0\n\u3000\r\n",
    "a,b\r\n1,2\r\n3,4\r\n",
    "a,b\n1,2,3\n",
    "a,b\n1\n",
    "a,b\n,\n,\n",
    "a,b\n1,2\n x \n",
    "a,b\nZoë,Łódź\n日本,語\n",
    "a,b\nZoë,Łódź,x\n",
    "a,b\n\u2028,\u2029\n",
    "a,b\n\ud800,x\n",  # a lone surrogate (decoded with surrogatepass elsewhere)
]


@pytest.mark.parametrize("text", SEPARATOR_CASES, ids=range(len(SEPARATOR_CASES)))
@pytest.mark.parametrize("width", [1, 2, 3])
def test_separators_fit_matches_the_plain_count(text, width):
    assert _separators_fit(text, width) == plain_separators_fit(text, width)


def test_separators_fit_matches_on_random_texts():
    rng = random.Random(3)
    pieces = ["a", "1", ",", ",", "\n", "\n", " ", "\t", "\r", "é", "日", "\u00a0", "\u2028"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        width = rng.randint(1, 4)
        assert _separators_fit(text, width) == plain_separators_fit(text, width), repr(text)


def plain_events_by_team(events, date_column, teams, start, end):
    """The definition (a merge of every event with its child's allocations)."""
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    dated = events[(events[date_column] >= lo) & (events[date_column] <= hi)]
    dated = dated[["child_id", date_column]].rename(columns={date_column: "_when"})
    dated = dated.reset_index(drop=True)
    dated["_row"] = range(len(dated))
    alloc = teams[["child_id", "team", "start_date", "end_date"]]
    merged = dated.merge(alloc, on="child_id", how="left")
    live = (merged["start_date"] <= merged["_when"]) & (
        merged["end_date"].isna() | (merged["end_date"] > merged["_when"])
    )
    merged = merged[live].sort_values(["_row", "start_date", "team"])
    team_of = merged.groupby("_row")["team"].last()
    labels = dated["_row"].map(team_of).astype(object).fillna(activity.UNALLOCATED)
    counts = labels.value_counts().sort_index()
    return counts.astype("int64").rename_axis("Team").rename("count")


def _random_activity(rng: random.Random, typed: bool):
    days = pd.date_range("2023-01-01", "2025-06-30", freq="D")
    children = [f"C{i}" for i in range(rng.randint(1, 12))]
    rows = []
    for _ in range(rng.randint(0, 30)):
        begin = rng.choice(days)
        finish = None if rng.random() < 0.4 else begin + pd.Timedelta(days=rng.randint(0, 400))
        if rng.random() < 0.05:
            begin = None
        team = rng.choice(["North", "South", "East", "Ümlaut", None if rng.random() < 0.1 else "W"])
        rows.append((rng.choice(children), team, begin, finish))
    teams = pd.DataFrame(rows, columns=["child_id", "team", "start_date", "end_date"])
    events = pd.DataFrame(
        {
            "child_id": [rng.choice([*children, "X"]) for _ in range(rng.randint(0, 40))],
        }
    )
    events["referral_date"] = [
        None if rng.random() < 0.05 else rng.choice(days) for _ in range(len(events))
    ]
    for frame in (teams, events):
        for col in ("start_date", "end_date", "referral_date"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
        if typed:
            for col in ("child_id", "team"):
                if col in frame:
                    frame[col] = frame[col].astype("string")
    return events, teams


def test_events_by_team_matches_the_merge_on_random_allocations():
    rng = random.Random(5)
    for i in range(300):
        events, teams = _random_activity(rng, typed=i % 2 == 0)
        start = rng.choice(["2024-04-01", "2023-06-15", "2025-01-01"])
        end = rng.choice(["2024-09-30", "2025-03-31", "2025-06-30"])
        pd.testing.assert_series_equal(
            activity.events_by_team(events, "referral_date", teams, start, end),
            plain_events_by_team(events, "referral_date", teams, start, end),
            check_exact=True,
        )


def test_events_by_team_matches_on_ties_and_edges():
    day = pd.Timestamp
    teams = pd.DataFrame(
        {
            "child_id": pd.array(["A", "A", "A", "B", "B", "C"], dtype="string"),
            "team": pd.array(["South", "North", "East", "X", "Y", pd.NA], dtype="string"),
            "start_date": [day("2024-04-01")] * 3 + [day("2024-05-01"), day("2024-05-01"), pd.NaT],
            "end_date": [
                pd.NaT,
                day("2024-06-01"),
                day("2024-04-01"),
                pd.NaT,
                day("2024-05-02"),
                pd.NaT,
            ],
        }
    )
    events = pd.DataFrame(
        {
            "child_id": pd.array(["A", "A", "B", "B", "C", "D"], dtype="string"),
            "referral_date": [
                day("2024-04-01"),
                day("2024-06-01"),
                day("2024-05-01"),
                day("2024-05-02"),
                day("2024-05-05"),
                day("2024-05-05"),
            ],
        }
    )
    for start, end in [
        ("2024-04-01", "2024-09-30"),
        ("2024-05-02", "2024-05-02"),
        ("2025-01-01", "2025-03-31"),
    ]:
        pd.testing.assert_series_equal(
            activity.events_by_team(events, "referral_date", teams, start, end),
            plain_events_by_team(events, "referral_date", teams, start, end),
            check_exact=True,
        )


def test_ethnic_groups_read_per_distinct_code_match_per_child():
    # counts() reads each distinct code once: the same groups as reading every child's
    rng = random.Random(11)
    pool = ["WBRI", " wbri", "BAFR ", "MWBC", "REFU", "NOBT", "xx", "", " ", "Łódź", None, pd.NA]
    for _ in range(50):
        values = [rng.choice(pool) for _ in range(rng.randint(0, 40))]
        for dtype in (object, "string"):
            column = pd.Series(values, dtype=dtype)
            codes, distinct = pd.factorize(column)
            read = disproportionality.ethnic_group(pd.Series([*distinct, None], dtype=object))
            assert list(read.to_numpy()[codes]) == list(
                disproportionality.ethnic_group(column).to_numpy()
            )


def test_pair_set_matches_multiindex_isin():
    rng = random.Random(23)
    pool_a = ["101", "102", "903", None]
    pool_b = ["C1", "C2", "c1", "Ł3", "", None]
    for _ in range(300):
        dtype = rng.choice([object, "string", "str"])

        def column(pool, n, dtype=dtype):
            return pd.Series([rng.choice(pool) for _ in range(n)], dtype=dtype)

        n, m = rng.randint(0, 15), rng.randint(0, 25)
        ka, kb, ta, tb = column(pool_a, n), column(pool_b, n), column(pool_a, m), column(pool_b, m)
        known = pd.MultiIndex.from_arrays([ka, kb])
        plain = pd.MultiIndex.from_arrays([ta, tb]).isin(known)
        assert list(PairSet(ka, kb).holds(ta, tb)) == list(plain)


def test_years_outside_the_range_are_found_by_comparing_dates():
    # validate_table compares parsed dates with the first and the day after the last allowed
    # day: the same rows as their years compared with MIN_YEAR and MAX_YEAR
    edges = ["1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01", "0201-05-04", "9999-12-31"]
    rng = random.Random(29)
    cases = [*edges, None, "not a date"] + [
        f"{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        for _ in range(500)
    ]
    parsed = pd.to_datetime(pd.Series(cases, dtype="string"), format="%Y-%m-%d", errors="coerce")
    year = parsed.dt.year
    plain = parsed.notna() & ((year < checks.MIN_YEAR) | (year > checks.MAX_YEAR))
    fast = (parsed < checks._FIRST_DAY) | (parsed >= checks._AFTER_LAST_DAY)
    pd.testing.assert_series_equal(fast, plain)


def plain_add_ids(found: Identifiers, values) -> None:
    """The definition: each value cleaned, upper-cased and kept when scannable."""
    for value in values:
        text = (value.strip() if type(value) is str else reading._clean(value)).upper()
        if not text:
            continue
        if reading._scannable_id(text):
            found.ids.add(text)
        else:
            found.too_short += 1


def test_add_ids_matches_the_plain_loop():
    rng = random.Random(31)
    pool = ["101C0000001", " 101c0000001 ", "12345678", "1234", "ab", "", " ", "straße12345",
            "x²³⁴⁵⁶⁷⁸⁹", "\u00a0AB123456\u00a0", "A1", None, 12345678, 1.5, float("nan"),
            pd.Timestamp("2024-01-02"), "ǆ1234567"]  # fmt: skip
    for _ in range(300):
        batches = [[rng.choice(pool) for _ in range(rng.randint(0, 12))] for _ in range(3)]
        if rng.random() < 0.5:  # plain text only: the C-level path
            batches = [[v for v in b if type(v) is str] for b in batches]
        fast, plain = Identifiers(), Identifiers()
        for batch in batches:
            fast.add_ids(batch if rng.random() < 0.5 else iter(batch))
            plain_add_ids(plain, batch)
        assert (fast.ids, fast.too_short) == (plain.ids, plain.too_short)


def plain_coerce(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The definition: every column converted, whatever its dtype already is."""
    spec = TABLES[name]
    out = frame.copy()
    for col in spec.columns:
        if col.name not in out:
            out[col.name] = pd.Series([None] * len(out), index=out.index, dtype="object")
        if col.dtype == "date":
            out[col.name] = pd.to_datetime(out[col.name], errors="coerce").astype("datetime64[ns]")
        elif col.dtype == "int":
            out[col.name] = pd.to_numeric(out[col.name], errors="coerce").astype("Int64")
        elif col.dtype == "float":
            out[col.name] = pd.to_numeric(out[col.name], errors="coerce").astype("float64")
        elif col.dtype == "bool":
            if pd.api.types.is_bool_dtype(out[col.name]):
                out[col.name] = out[col.name].astype("boolean")
            else:
                out[col.name] = out[col.name].map(schema._to_bool).astype("boolean")
        else:
            out[col.name] = out[col.name].astype("string")
    return out[spec.column_names]


def test_coerce_dtypes_of_canonical_and_other_frames_matches_converting_every_column(small_demo):
    data = read_canonical(small_demo / "901", authority="901")
    assert len(data.tables) > 10
    for name, frame in data.tables.items():
        variants = [frame, frame.astype(object), frame.iloc[:0], frame.drop(columns=["authority"])]
        variants.append(frame.assign(**{c: frame[c].astype("str") for c in frame.columns[:2]}))
        for variant in variants:
            pd.testing.assert_frame_equal(
                schema.coerce_dtypes(variant, name), plain_coerce(variant, name), check_exact=True
            )


def plain_first_match(parents: pd.DataFrame, child: pd.DataFrame) -> tuple[list, list]:
    """The definition: a left merge on (authority, link) with the first parent row per key."""
    ref = parents.drop_duplicates(["authority", "link"])
    merged = child.merge(ref, on=["authority", "link"], how="left", indicator=True)
    return list(merged["_merge"] == "both"), list(merged["date"])


def test_pair_set_find_matches_a_merge_on_the_first_parent_row():
    rng = random.Random(37)
    for _ in range(300):
        dtype = rng.choice([object, "string"])

        def frame(n, with_date, dtype=dtype):
            out = pd.DataFrame(
                {
                    "authority": pd.Series(
                        [rng.choice(["101", "102", None]) for _ in range(n)], dtype=dtype
                    ),
                    "link": pd.Series(
                        [rng.choice(["R1", "R2", "r1", "R3", None]) for _ in range(n)], dtype=dtype
                    ),
                }
            )
            if with_date:
                out["date"] = pd.to_datetime(
                    [rng.choice(["2024-01-01", "2024-02-01", None]) for _ in range(n)]
                ).astype("datetime64[ns]")
            return out

        parents, child = frame(rng.randint(0, 12), True), frame(rng.randint(0, 20), False)
        row = PairSet(parents["authority"], parents["link"]).find(
            child["authority"], child["link"]
        )
        found = list(row >= 0)
        dates = [parents["date"].iloc[r] if r >= 0 else pd.NaT for r in row]
        plain_found, plain_dates = plain_first_match(parents, child)
        assert found == plain_found
        assert [str(d) for d in dates] == [str(d) for d in plain_dates]
