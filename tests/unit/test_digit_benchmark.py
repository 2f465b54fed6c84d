"""The shared yardstick of the digit generative models (physml.digit_benchmark)."""

import numpy as np

from physml import digit_benchmark as db


def test_split_is_the_judge_split_and_features_are_exact():
    X_tr, X_te, y_tr, y_te = db.split("grey")
    assert X_tr.shape == (1257, 64) and X_te.shape == (540, 64)
    full = np.bincount(np.concatenate([y_tr, y_te]))
    assert np.all(np.abs(np.bincount(y_te) - 0.3 * full) <= 1)  # stratified: 30 % of every class
    B_tr = db.split("binary")[0]
    assert set(np.unique(B_tr)) == {0.0, 1.0}
    np.testing.assert_array_equal(B_tr, (X_tr > 8).astype(float))


def test_training_images_score_at_the_noise_floor():
    # independent draws of the same distribution: |MMD²| within 3 jackknife errors of 0
    for features in db.FEATURES:
        r = db.score(db.split(features)[0], features, seed=0)
        assert abs(r.value) < 3 * r.error, (features, r)


def test_a_single_gaussian_is_detected_on_grey_digits():
    r = db.score(db.baseline_samples("gaussian", 540, seed=0), "grey")
    assert r.value > 5 * r.error


def test_independent_pixels_lose_to_the_bernoulli_mixture():
    one, one_err = db.bernoulli_mixture_nll(1)
    ten, ten_err = db.bernoulli_mixture_nll(10, seed=0)
    assert ten + 3 * np.hypot(one_err, ten_err) < one


def test_binary_scores_refuse_grey_samples():
    import pytest

    with pytest.raises(ValueError, match="samples"):
        db.score(np.full((5, 64), 0.5), "binary")
