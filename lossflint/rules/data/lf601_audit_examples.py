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
]
