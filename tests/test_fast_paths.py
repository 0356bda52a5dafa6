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
from safeguarding.loaders.checks import _no_whitespace, _text
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
