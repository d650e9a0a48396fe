"""The date-translation data of the attention model (dlnotes.nlp.dates)."""
import datetime

import numpy as np
import pytest

from dlnotes.nlp import dates

D = datetime.date(1979, 5, 3)   # a Thursday


@pytest.mark.parametrize("fmt, expected", [
    ("short", "5/3/79"), ("medium", "may 3 1979"), ("long", "may 3 1979"),
    ("full", "thursday may 3 1979"), ("d MMM YYY", "3 may 1979"),
    ("d MMMM YYY", "3 may 1979"), ("dd MMM YYY", "03 may 1979"), ("d MMM, YYY", "3 may 1979"),
    ("dd, MMM YYY", "03 may 1979"), ("d MM YY", "3 05 79"), ("MMMM d YYY", "may 3 1979"),
    ("dd.MM.YY", "03.05.79"),
])
def test_course_formats(fmt, expected):
    assert dates.format_date(D, fmt) == expected


def test_long_names_and_weekdays():
    d = datetime.date(2030, 12, 29)   # a Sunday
    assert dates.format_date(d, "full") == "sunday december 29 2030"
    assert dates.format_date(d, "medium") == "dec 29 2030"
    assert dates.format_date(d, "MMMM d, YYY") == "december 29 2030"
    assert dates.format_date(datetime.date(1970, 1, 1), "full") == "thursday january 1 1970"


def test_dataset_is_seeded_and_in_range():
    a = dates.make_date_dataset(500, seed=1)
    assert a == dates.make_date_dataset(500, seed=1)
    assert a != dates.make_date_dataset(500, seed=2)
    for human, iso in a:
        d = datetime.date.fromisoformat(iso)
        assert datetime.date(1970, 1, 1) <= d <= datetime.date(2030, 12, 31)
        assert len(human) <= 30 and "," not in human and human == human.lower()
        assert all(c in dates.HUMAN_VOCAB for c in human)
    # every format is drawn (24 entries, 12 distinct)
    humans = {h for h, _ in dates.make_date_dataset(2000, seed=3)}
    assert any("." in h for h in humans) and any("/" in h for h in humans)


def test_preprocess_shapes_and_one_hot():
    data = dates.make_date_dataset(7, seed=4)
    X, Y, Xoh, Yoh = dates.preprocess_dates(data)
    assert X.shape == (7, 30) and Y.shape == (7, 10)
    assert Xoh.shape == (len(dates.HUMAN_VOCAB), 7, 30) and Yoh.shape == (11, 7, 10)
    np.testing.assert_array_equal(Xoh.sum(axis=0), 1)
    np.testing.assert_array_equal(Xoh.argmax(axis=0), X)
    np.testing.assert_array_equal(Yoh.argmax(axis=0), Y)
    inv = {i: c for c, i in dates.MACHINE_VOCAB.items()}
    assert ["".join(inv[i] for i in row) for row in Y] == [t for _, t in data]
    pad = dates.HUMAN_VOCAB["<pad>"]
    assert X[0, len(data[0][0]):].tolist() == [pad] * (30 - len(data[0][0]))


def test_string_to_int_and_errors():
    v = dates.HUMAN_VOCAB
    assert dates.string_to_int("3 May, 1979", 5, v) == [v["3"], v[" "], v["m"], v["a"], v["y"]]
    assert dates.string_to_int("3#", 3, v) == [v["3"], v["<unk>"], v["<pad>"]]
    with pytest.raises(ValueError, match="fmt must be one of"):
        dates.format_date(D, "YYYY")
    with pytest.raises(TypeError, match="date must be a datetime.date"):
        dates.format_date("1979-05-03", "full")
    with pytest.raises(ValueError, match="end .* must not be before start"):
        dates.make_date_dataset(3, seed=0, start=D, end=datetime.date(1970, 1, 1))
