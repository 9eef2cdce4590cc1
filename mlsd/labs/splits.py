"""Cross-validation splits with scikit-learn's exact indices, in numpy alone.

search-group-split needs only KFold and GroupKFold, and importing
sklearn.model_selection costs about 1 s of CPU (scipy.stats, pandas) for a few
lines of index arithmetic. These follow scikit-learn 1.x's code step for step
(KFold: shuffle with RandomState(seed), first n % k folds one larger; GroupKFold
without shuffle: the largest groups first, each to the lightest fold), so the
folds are the same; tests/test_lab_speed.py checks them against scikit-learn.
"""

from __future__ import annotations


def _masks_to_splits(n: int, tests):
    import numpy as np

    indices = np.arange(n)
    for test_index in tests:
        mask = np.zeros(n, dtype=bool)
        mask[test_index] = True
        yield indices[~mask], indices[mask]


def kfold(n: int, n_splits: int, shuffle: bool = False, seed: int | None = None):
    """(train, test) index pairs of KFold(n_splits, shuffle=shuffle, random_state=seed).split(range(n))."""
    import numpy as np

    indices = np.arange(n)
    if shuffle:
        np.random.RandomState(seed).shuffle(indices)
    fold_sizes = np.full(n_splits, n // n_splits, dtype=int)
    fold_sizes[: n % n_splits] += 1
    bounds = np.r_[0, np.cumsum(fold_sizes)]
    return list(_masks_to_splits(n, (indices[bounds[i]:bounds[i + 1]] for i in range(n_splits))))


def group_kfold(groups, n_splits: int):
    """(train, test) index pairs of GroupKFold(n_splits).split(X, groups=groups)."""
    import numpy as np

    groups = np.asarray(groups)
    unique_groups, group_idx = np.unique(groups, return_inverse=True)
    if n_splits > len(unique_groups):
        raise ValueError(f"Cannot have number of splits n_splits={n_splits} greater than the number "
                         f"of groups: {len(unique_groups)}.")
    n_samples_per_group = np.bincount(group_idx)
    order = np.argsort(n_samples_per_group, kind="stable")[::-1]
    n_samples_per_group = n_samples_per_group[order]
    n_samples_per_fold = np.zeros(n_splits)
    group_to_fold = np.zeros(len(unique_groups))
    for group_index, weight in enumerate(n_samples_per_group):
        lightest = np.argmin(n_samples_per_fold)
        n_samples_per_fold[lightest] += weight
        group_to_fold[order[group_index]] = lightest
    fold_of = group_to_fold[group_idx]
    return list(_masks_to_splits(groups.size, (np.where(fold_of == f)[0] for f in range(n_splits))))
