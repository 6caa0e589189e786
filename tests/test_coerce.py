"""Value coercion: the ways teams type dates, yes/no and numbers."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsbook.coerce import parse_bools, parse_dates, parse_numbers, parse_text

D = pd.Timestamp


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("2023/2/16", D("2023-02-16")),
        ("2023-02-16", D("2023-02-16")),
        ("2023年2月16日", D("2023-02-16")),
        ("2023.2.16", D("2023-02-16")),
        ("20230216", D("2023-02-16")),
        ("2/16", D("2026-02-16")),
        ("２０２３／２／１６", D("2023-02-16")),
        (" 2023-02-16 ", D("2023-02-16")),
        ("2026-10-09 14:30", D("2026-10-09 14:30")),
        ("2026年10月9日 14時30分", D("2026-10-09 14:30")),
        (45338.0, D("2024-02-16")),
        ("45338", D("2024-02-16")),
        (45338.5, D("2024-02-16 12:00")),
        (dt.date(2026, 1, 2), D("2026-01-02")),
        (dt.datetime(2026, 1, 2, 3, 4), D("2026-01-02 03:04")),
    ],
)
def test_dates_read(raw, expected):
    typed, bad = parse_dates(pd.Series([raw], dtype=object), default_year=2026)
    assert typed.iloc[0] == expected and not bad.iloc[0]


@pytest.mark.parametrize("raw", ["2026/13/45", "abc", "2026-02-30", "明天", -5.0, dt.time(10, 0)])
def test_unreadable_dates_are_flagged_not_raised(raw):
    typed, bad = parse_dates(pd.Series([raw], dtype=object), default_year=2026)
    assert pd.isna(typed.iloc[0]) and bad.iloc[0]


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_blank_is_not_unreadable(raw):
    typed, bad = parse_dates(pd.Series([raw], dtype=object), default_year=2026)
    assert pd.isna(typed.iloc[0]) and not bad.iloc[0]


@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from(
        [
            "{y}/{m}/{d}",
            "{y}-{m:02d}-{d:02d}",
            "{y}年{m}月{d}日",
            "{y}.{m}.{d}",
            "{y}{m:02d}{d:02d}",
        ]
    ),
)
def test_text_dates_round_trip(day, pattern):
    text = pattern.format(y=day.year, m=day.month, d=day.day)
    typed, bad = parse_dates(pd.Series([text], dtype=object), default_year=2000)
    assert typed.iloc[0] == pd.Timestamp(day) and not bad.iloc[0]


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2099, 12, 31)))
def test_excel_serials_round_trip(day):
    serial = (pd.Timestamp(day) - pd.Timestamp("1899-12-30")).days
    typed, _ = parse_dates(pd.Series([float(serial)], dtype=object), default_year=2000)
    assert typed.iloc[0] == pd.Timestamp(day)


YES = ["是", "Y", "y", "yes", "✓", "√", "有", "TRUE", True, 1.0, "是 ", "ｙ"]
NO = ["否", "N", "no", "✗", "×", "無", "无", "沒有", "FALSE", False, 0.0]


@given(st.sampled_from(YES + NO))
def test_yes_no_variants(value):
    typed, bad = parse_bools(pd.Series([value], dtype=object))
    assert not bad.iloc[0]
    assert bool(typed.iloc[0]) is (
        value in YES and not (isinstance(value, bool) and value is False)
    )


@given(
    st.text(min_size=1).filter(lambda s: s.strip() and s.strip() not in {str(v) for v in YES + NO})
)
def test_other_text_is_unreadable_not_a_guess(text):
    from opsbook.coerce import NO_WORDS, YES_WORDS
    from opsbook.text import fold

    if fold(text) in YES_WORDS | NO_WORDS:
        return
    typed, bad = parse_bools(pd.Series([text], dtype=object))
    assert pd.isna(typed.iloc[0]) and bad.iloc[0]


@pytest.mark.parametrize(
    "raw,expected",
    [("1,234", 1234.0), ("１２", 12.0), ("¥5", 5.0), ("300元", 300.0), (3, 3.0), (2.5, 2.5)],
)
def test_numbers(raw, expected):
    typed, bad = parse_numbers(pd.Series([raw], dtype=object))
    assert typed.iloc[0] == expected and not bad.iloc[0]


def test_chinese_numerals_are_unreadable_not_zero():
    typed, bad = parse_numbers(pd.Series(["五十"], dtype=object))
    assert pd.isna(typed.iloc[0]) and bad.iloc[0]


WHITESPACE = [chr(c) for c in range(0x110000) if not chr(c).strip()]


@given(
    st.lists(
        st.one_of(st.none(), st.text(st.sampled_from(WHITESPACE + list("ab 客戶\t")), max_size=6)),
        max_size=30,
    )
)
def test_text_read_as_text_is_parsed_as_the_per_value_path_parses_it(cells):
    as_read = pd.Series(cells, dtype="str")  # how fastexcel hands a column over
    as_objects = pd.Series(cells, dtype=object)  # how the exact (calamine) path does
    fast, fast_bad = parse_text(as_read)
    slow, slow_bad = parse_text(as_objects)
    pd.testing.assert_series_equal(fast, slow)
    assert not fast_bad.any() and not slow_bad.any()


def test_every_whitespace_character_is_stripped_on_both_paths():
    cells = ["甲" + w for w in WHITESPACE] + [w + "乙" for w in WHITESPACE] + WHITESPACE
    fast, _ = parse_text(pd.Series(cells, dtype="str"))
    slow, _ = parse_text(pd.Series(cells, dtype=object))
    pd.testing.assert_series_equal(fast, slow)
    assert fast.isna().sum() == len(WHITESPACE)


@given(
    st.lists(
        st.one_of(st.none(), st.text(st.sampled_from(WHITESPACE[:40] + list("ab客")), max_size=4)),
        max_size=30,
    )
)
def test_blank_cells_are_the_same_on_both_paths(cells):
    from opsbook.coerce import blank_mask

    fast = blank_mask(pd.Series(cells, dtype="str"))
    slow = blank_mask(pd.Series(cells, dtype=object))
    assert fast.tolist() == slow.tolist()


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=8),
            st.text(
                alphabet=st.sampled_from(
                    list("發布日期臺灣著帳佔覆裏ＡＢ１ \u3000\u0301\u00e9e\t\rAbΣς\ufb01")
                ),
                max_size=8,
            ),
        ),
        min_size=64,
        max_size=120,
    )
)
def test_folding_many_texts_at_once_equals_folding_each(texts):
    """fold_many (NFKC and OpenCC over the joined texts) gives each text's own fold."""
    from opsbook.text import fold, fold_many

    assert fold_many(texts) == [fold(t) for t in texts]
