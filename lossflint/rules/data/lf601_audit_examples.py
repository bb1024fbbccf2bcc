"""LF601 examples from the session-11 held-out projects and real-repository
audit; kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

_CHRONO = """
from sklearn.preprocessing import RobustScaler

def make_splits(df, cols, n_tr, n_va):
    def split(a):
        return a[:n_tr], a[n_tr:n_va], a[n_va:]
    {body}
"""

AUDIT_INVALID = [
    # a snippet pasted without imports: scikit-learn's names by convention
    Invalid(
        """
        df = pd.read_csv("windows.csv")
        X = df.drop(columns=["label"]).values
        y = df["label"].values
        scaler = StandardScaler()
        X = scaler.fit_transform(X)  # error: LF601 at `scaler.fit_transform(X)`
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
        model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(3)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(X_train, y_train)
        """
    ),
    # scaled whole, then split by a helper that slices what it is given (H14 p06)
    Invalid(
        _CHRONO.format(
            body="X = RobustScaler().fit_transform(df[cols])  # error: LF601 at `RobustScaler().fit_transform(`\n"
            "    return split(X)"
        )
    ),
    # adapted on the labelled rows stacked with unlabelled ones, then the
    # labelled rows are split into train/validation (held-out H13 p10)
    Invalid(
        """
        import numpy as np
        import tensorflow as tf

        norm = tf.keras.layers.Normalization(axis=-1)
        norm.adapt(np.concatenate([x_lab, x_unl]))  # error: LF601 at `norm.adapt(`
        x_lab = norm(x_lab).numpy()
        n_val = int(len(x_lab) * 0.2)
        x_val, y_val = x_lab[:n_val], y_lab[:n_val]
        x_train, y_train = x_lab[n_val:], y_lab[n_val:]
        """
    ),
    # a column standardised by hand over the whole frame (a course notebook, R11)
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split

        df = pd.read_csv("data.csv")
        df["aspect"] = (df["aspect"] - df["aspect"].mean()) / df["aspect"].std()  # error: LF601 at `(df["aspect"] - df["aspect"].mean())`
        x = df[["income", "aspect"]].values
        x_train, x_test, y_train, y_test = train_test_split(x, df["age"].values)
        """
    ),
    # scipy's zscore: a fit_transform over all rows in one call
    Invalid(
        """
        import pandas as pd
        from scipy.stats import zscore
        from sklearn.model_selection import train_test_split

        df = pd.read_csv("data.csv")
        df["income"] = zscore(df["income"])  # error: LF601 at `zscore(`
        x_train, x_test = train_test_split(df[["income", "age"]].values, test_size=0.25)
        """
    ),
    # a target column scaled whole, flattened, then cut into time windows (H16 p02)
    Invalid(
        """
        import numpy as np
        from sklearn.preprocessing import StandardScaler

        def build_splits(df, n_train, n_val, lb):
            scaler = StandardScaler()
            y = scaler.fit_transform(df[["load"]].to_numpy()).ravel().astype(np.float32)  # error: LF601 at `scaler.fit_transform(`
            return y[:n_train], y[n_train - lb : n_train + n_val], y[n_train + n_val - lb :]
        """
    ),
    # scaled whole, then split by row numbers (held-out H17 p09), through a
    # nested helper that takes the rows; or by positions of a range
    Invalid(
        """
        import numpy as np
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        def income_arrays(df, cols):
            num = StandardScaler().fit_transform(df[cols].to_numpy())  # error: LF601 at `StandardScaler().fit_transform(`
            y = df["income"].to_numpy()
            idx_train, idx_test = train_test_split(np.arange(len(df)), test_size=0.2, stratify=y)

            def take(idx):
                return {"numeric": num[idx]}

            return take(idx_train), take(idx_test), y[idx_train], y[idx_test]

        X = StandardScaler().fit_transform(F)  # error: LF601 at `StandardScaler().fit_transform(F)`
        tr, te = train_test_split(range(X.shape[0]), random_state=0)
        X_tr, X_te = X[tr], X[te]
        """
    ),
    # a Keras Normalization adapted on every row of a reshaped array, applied
    # to the array, which a same-file helper then cuts into head and tail
    Invalid(
        """
        import numpy as np
        from tensorflow.keras import layers

        def standardise(series):
            norm = layers.Normalization(axis=-1)
            norm.adapt(series.reshape(-1, series.shape[-1]))  # error: LF601 at `norm.adapt(`
            return norm(series).numpy()

        def chronological(series, targets, frac=0.1):
            cut = int(len(series) * (1 - frac))
            return (series[:cut], targets[:cut]), (series[cut:], targets[cut:])

        def datasets(path):
            series, targets = np.load(path)["x"], np.load(path)["y"]
            series = standardise(series)
            return chronological(series, targets)
        """
    ),
    # a scaled array indexed with each fold's rows of a cross-validation loop
    Invalid(
        """
        import numpy as np
        from sklearn.model_selection import KFold
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        feats = StandardScaler().fit_transform(np.load("feats.npy"))  # error: LF601 at `StandardScaler().fit_transform(`
        labels = np.load("labels.npy")
        accuracies = []
        for train_rows, test_rows in KFold(n_splits=10, shuffle=True).split(feats):
            svm = SVC().fit(feats[train_rows], labels[train_rows])
            accuracies.append(svm.score(feats[test_rows], labels[test_rows]))
        """
    ),
    # numbered folds of a stratified splitter over a frame scaled whole
    Invalid(
        """
        import pandas as pd
        from sklearn.ensemble import GradientBoostingClassifier
        from sklearn.model_selection import StratifiedKFold
        from sklearn.preprocessing import MinMaxScaler

        def cross_validate_frame(frame, target):
            y = frame.pop(target)
            scaler = MinMaxScaler()
            X = pd.DataFrame(scaler.fit_transform(frame), columns=frame.columns)  # error: LF601 at `scaler.fit_transform(`
            splitter = StratifiedKFold(n_splits=4)
            for k, (fit_idx, held_idx) in enumerate(splitter.split(X, y)):
                gbm = GradientBoostingClassifier().fit(X.iloc[fit_idx], y.iloc[fit_idx])
                print(k, gbm.score(X.iloc[held_idx], y.iloc[held_idx]))
        """
    ),
    # fit then split then transform, in the chained and sliced forms the
    # rule's doc promises (audit R41 probes)
    Invalid(
        """
        import numpy as np
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        X, y = np.load("X.npy"), np.load("y.npy")
        scaler = StandardScaler().fit(X)  # error: LF601
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        X_train = scaler.transform(X_train)
        X_test = scaler.transform(X_test)
        """
    ),
    Invalid(
        """
        import numpy as np
        from sklearn.preprocessing import MinMaxScaler

        series = np.load("prices.npy").reshape(-1, 1)
        scaler = MinMaxScaler()
        scaler.fit(series)  # error: LF601
        train, test = series[:500], series[500:]
        train = scaler.transform(train)
        test = scaler.transform(test)
        """
    ),
    # the parts scaled with the whole series' mean and spread
    # (Modern-Time-Series-Forecasting's "global" normalisation, audit R41)
    Invalid(
        """
        import numpy as np

        data = np.load("series.npy").reshape(-1, 1)
        n_train = 240
        train, test = data[:n_train], data[n_train:]
        mean, std = data.mean(), data.std()
        train = (train - mean) / std  # error: LF601
        test = (test - mean) / std
        """
    ),
    # split first, then fitted on all of it anyway
    Invalid(
        """
        import numpy as np
        from sklearn.preprocessing import StandardScaler

        data = np.load("series.npy").reshape(-1, 1)
        n_train = int(len(data) * 0.7)
        train, test = data[:n_train], data[n_train:]
        scaler = StandardScaler().fit(data)  # error: LF601
        train = scaler.transform(train)
        test = scaler.transform(test)
        """
    ),
]

AUDIT_VALID = [
    # split by the helper first, the scaler fitted on the training part
    _CHRONO.format(
        body="X_tr, X_va, X_te = split(df[cols].to_numpy())\n"
        "    scaler = RobustScaler().fit(X_tr)\n"
        "    return scaler.transform(X_tr), scaler.transform(X_va), scaler.transform(X_te)"
    ),
    # each recording z-scored on its own (its own statistics, no other row's)
    """
    import numpy as np
    from scipy.stats import zscore
    from sklearn.model_selection import train_test_split

    signals = np.load("ecg.npy")
    X = np.array([zscore(s) for s in signals])
    X_train, X_test = train_test_split(X, test_size=0.2)
    """,
    # split first, then a column of the training part standardised by hand; a
    # z-score along the rows; a formula mixing two columns
    """
    import pandas as pd
    from scipy.stats import zscore
    from sklearn.model_selection import train_test_split

    df = pd.read_csv("data.csv")
    train_df, test_df = train_test_split(df, test_size=0.25)
    train_df["income"] = (train_df["income"] - train_df["income"].mean()) / train_df["income"].std()
    scores = zscore(df[["a", "b"]].values, axis=1)
    mixed = (df["a"] - df["b"].mean()) / df["a"].std()
    parts = train_test_split(scores, mixed)
    """,
    # split first by row numbers, the scaler fitted on the training rows; the
    # scaled array indexed by a split of something else's positions is not known
    """
    import numpy as np
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    idx_tr, idx_te = train_test_split(np.arange(len(df)), test_size=0.2)
    scaler = StandardScaler().fit(X[idx_tr])
    X = scaler.transform(X)
    X_train, X_test = X[idx_tr], X[idx_te]
    Z = StandardScaler().fit_transform(F)
    picked, rest = train_test_split(np.linspace(0, 1, 50))
    Z_cols = Z[:, :3]
    """,
    # a new split of row numbers per repetition, the scaler refitted on each
    # training side
    """
    import numpy as np
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    def repeated(X):
        for seed in range(5):
            tr, te = train_test_split(np.arange(len(X)), random_state=seed)
            scaler = StandardScaler()
            X_tr = scaler.fit_transform(X[tr])
            X_te = scaler.transform(X[te])
            yield X_tr, X_te
    """,
    # adapted on the training rows (reshaped to one row per time step) after
    # the split, applied to both parts
    """
    import numpy as np
    from tensorflow.keras import layers

    series = np.load("series.npy")
    cut = int(0.8 * len(series))
    train_part, test_part = series[:cut], series[cut:]
    norm = layers.Normalization(axis=-1)
    norm.adapt(train_part.reshape(-1, train_part.shape[-1]))
    train_part, test_part = norm(train_part), norm(test_part)
    """,
    # adapted on a reshaped training part that is split again for validation
    """
    from sklearn.model_selection import train_test_split
    from tensorflow.keras import layers

    n = int(len(cubes) * 0.9)
    cubes_train, cubes_test = cubes[:n], cubes[n:]
    norm = layers.Normalization()
    norm.adapt(cubes_train.reshape(-1, 4))
    fit_part, val_part = train_test_split(cubes_train)
    model_input = norm(fit_part)
    """,
    # the scaler fitted inside each fold on that fold's training rows
    """
    import numpy as np
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import StandardScaler

    errors = []
    for tr, te in KFold(5).split(X):
        scaler = StandardScaler().fit(X[tr])
        ridge = Ridge().fit(scaler.transform(X[tr]), y[tr])
        errors.append(np.mean((ridge.predict(scaler.transform(X[te])) - y[te]) ** 2))
    """,
    # folds of the raw array given to a Pipeline, which fits its scaler per fold;
    # the array scaled whole only for a plot
    """
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import TimeSeriesSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    shown = StandardScaler().fit_transform(X)
    plt.scatter(*PCA(2).fit_transform(shown).T)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    for fold, (a, b) in enumerate(TimeSeriesSplit(4).split(X)):
        pipe.fit(X[a], y[a])
        print(fold, pipe.score(X[b], y[b]))
    """,
    # a helper that fits on what it is given, given the training part
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import RobustScaler

    def scaled(values):
        scaler = RobustScaler()
        return scaler.fit_transform(values), scaler

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25)
    X_tr, scaler = scaled(X_tr)
    X_te = scaler.transform(X_te)
    """,
    # the scaler fitted on the head only, then used on both parts
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    data = np.load("series.npy").reshape(-1, 1)
    train, test = data[:700], data[700:]
    scaler = StandardScaler().fit(train)
    train = scaler.transform(train)
    test = scaler.transform(test)
    """,
    # fitted on all of an array and used on a slice of it, but the array is
    # never split: the slice is a window for plotting
    """
    import numpy as np
    from sklearn.preprocessing import MinMaxScaler

    series = np.load("prices.npy").reshape(-1, 1)
    scaler = MinMaxScaler().fit(series)
    recent = scaler.transform(series[:100])
    """,
    # the name is bound again between the slices and the fit: another array
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    data = np.load("series.npy").reshape(-1, 1)
    train, test = data[:700], data[700:]
    data = np.concatenate([train, train[::-1]])
    scaler = StandardScaler().fit(data)
    train = scaler.transform(train)
    """,
    # the training part's own statistics, applied to both parts
    """
    import numpy as np

    data = np.load("series.npy").reshape(-1, 1)
    train, test = data[:240], data[240:]
    mean, std = train.mean(), train.std()
    train = (train - mean) / std
    test = (test - mean) / std
    """,
]
