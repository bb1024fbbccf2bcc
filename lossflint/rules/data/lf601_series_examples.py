"""LF601 examples of a series scaled whole and then split chronologically by
window loops whose ranges stop or start at the split point, or standardised
in two statements (audit s211: DL-Traff-Graph's 42 ``pred_*.py``, STGCN);
kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

SERIES_INVALID = [
    # windows cut below / from TRAIN_NUM inside a helper called per mode
    Invalid(
        """
        import numpy as np
        import pandas as pd
        from sklearn.preprocessing import StandardScaler

        TRAINRATIO = 0.8
        T_IN, T_OUT = 12, 12

        def windows(data, mode):
            TRAIN_NUM = int(data.shape[0] * TRAINRATIO)
            XS, YS = [], []
            if mode == "TRAIN":
                for i in range(TRAIN_NUM - T_OUT - T_IN + 1):
                    XS.append(data[i:i + T_IN, :])
                    YS.append(data[i + T_IN:i + T_IN + T_OUT, :])
            elif mode == "TEST":
                for i in range(TRAIN_NUM - T_IN, data.shape[0] - T_OUT - T_IN + 1):
                    XS.append(data[i:i + T_IN, :])
                    YS.append(data[i + T_IN:i + T_IN + T_OUT, :])
            return np.array(XS), np.array(YS)

        data = pd.read_hdf("metr-la.h5").values
        scaler = StandardScaler()
        data = scaler.fit_transform(data)  # error: LF601 at `scaler.fit_transform(`
        train_x, train_y = windows(data, "TRAIN")
        test_x, test_y = windows(data, "TEST")
        """
    ),
    # the same as two comprehensions at module level
    Invalid(
        """
        import numpy as np
        from sklearn.preprocessing import MinMaxScaler

        T = 24
        data = MinMaxScaler().fit_transform(load())  # error: LF601 at `MinMaxScaler().fit_transform(`
        n_train = int(len(data) * 0.8)
        train_x = np.array([data[i:i + T] for i in range(n_train - T)])
        test_x = np.array([data[i:i + T] for i in range(n_train - T, len(data) - T)])
        """
    ),
    # centred, then divided by the spread of the centred array, then sliced
    Invalid(
        """
        import numpy as np

        X = np.load("node_values.npy").astype(np.float32)
        means = np.mean(X, axis=0)
        X = X - means
        stds = np.std(X, axis=0)
        X = X / (stds + 1e-8)  # error: LF601 at `X / (stds + 1e-8)`
        split = int(X.shape[0] * 0.6)
        train, test = X[:split], X[split:]
        """
    ),
]

SERIES_VALID = [
    # per-sample standardisation along another axis
    """
    from sklearn.model_selection import train_test_split

    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    X_train, X_test = train_test_split(X)
    """,
    # the scaler fitted on the training rows only, then applied to the series
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    T = 24
    n_train = int(len(data) * 0.8)
    scaler = StandardScaler().fit(data[:n_train])
    scaled = scaler.transform(data)
    train_x = np.array([scaled[i:i + T] for i in range(n_train - T)])
    test_x = np.array([scaled[i:i + T] for i in range(n_train - T, len(scaled) - T)])
    """,
    # every window of the scaled series, and the last one to forecast from: no split
    """
    import numpy as np
    from sklearn.preprocessing import MinMaxScaler

    T = 24
    data = MinMaxScaler().fit_transform(load())
    train_x = np.array([data[i:i + T] for i in range(len(data) - T)])
    future = np.array([data[i:i + T] for i in range(len(data) - T, len(data) - T + 1)])
    """,
    # two window loops, both below the same point: one part, not a split
    """
    import numpy as np
    from sklearn.preprocessing import MinMaxScaler

    data = MinMaxScaler().fit_transform(load())
    n_train = int(len(data) * 0.8)
    xs = [data[i:i + 12] for i in range(n_train - 12)]
    ys = [data[i + 12] for i in range(n_train - 12)]
    """,
    # each sample centred and scaled over its own features (axis 1): nothing shared
    """
    import numpy as np

    X = np.load("x.npy")
    X = X - np.mean(X, axis=1, keepdims=True)
    X = X / np.std(X, axis=1, keepdims=True)
    split = int(X.shape[0] * 0.6)
    train, test = X[:split], X[split:]
    """,
    # centred with the training rows' mean, divided by their spread
    """
    import numpy as np

    X = np.load("x.npy")
    split = int(X.shape[0] * 0.6)
    means = np.mean(X[:split], axis=0)
    X = X - means
    stds = np.std(X[:split], axis=0)
    X = X / stds
    train, test = X[:split], X[split:]
    """,
]

# the training split of index files standardised with its own statistics,
# the test split with the same ones, then the training split cut into a
# labelled set and an active-learning pool (Riashat's BB-alpha BNN, s235)
_ACTIVE_POOL = """
import numpy as np


def load_data():
    data = np.loadtxt("data.txt")
    X, y = data[:, :-1], data[:, -1]
    index_train = np.loadtxt("index_train.txt")
    index_test = np.loadtxt("index_test.txt")
    X_train = X[index_train.tolist(), ]
    y_train = y[index_train.tolist()][:, None]
    X_test = X[index_test.tolist(), ]
    y_test = y[index_test.tolist()][:, None]
    std_X_train = np.std(X_train, 0)
    mean_X_train = np.mean(X_train, 0)
    X_train = (X_train - mean_X_train) / std_X_train
    X_test = (X_test - mean_X_train) / std_X_train
    y_train = (y_train - np.mean(y_train, 0)) / np.std(y_train, 0)
    X_train_All, y_train_All = X_train, y_train
    X_train, y_train = X_train_All[0:100, :], y_train_All[0:100, :]
    X_pool, y_pool = X_train_All[100:, :], y_train_All[100:, :]
    return X_train, y_train, X_test, y_test, X_pool, y_pool
"""
SERIES_VALID.append(_ACTIVE_POOL)

# the whole set's statistics, used again on new samples, then the split
# (dmol-book's xai notebook, R212): the later use says nothing of a split
SERIES_INVALID.append(
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split

        features = pd.read_csv("descriptors.csv")
        labels = features.pop("approved")
        feat_mean = features.mean()
        feat_std = features.std()
        features = (features - feat_mean) / feat_std  # error: LF601 at `(features - feat_mean) / feat_std`
        new_samples = (new_samples - feat_mean) / feat_std
        X_train, X_test, y_train, y_test = train_test_split(features, labels, test_size=0.2)
        """
    )
)
