"""LF601 preprocessing-fit-before-split."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from lossflint.analysis.data_flow import data_facts, may_leak
from lossflint.analysis.scale_invariant import affine_fit, only_invariant_models
from lossflint.diagnostics import Finding, RelatedNode, Severity
from lossflint.examples import Invalid
from lossflint.registry import Rule
from lossflint.rules.data.lf601_audit_examples import AUDIT_INVALID, AUDIT_VALID
from lossflint.rules.data.lf601_frame_examples import (
    FRAME_INVALID,
    FRAME_VALID,
    WINDOW_INVALID,
    WINDOW_VALID,
)
from lossflint.rules.data.lf601_mask_examples import MASK_INVALID, MASK_VALID
from lossflint.rules.data.lf601_script_examples import SCRIPT_INVALID, SCRIPT_VALID
from lossflint.rules.data.lf601_series_examples import SERIES_INVALID, SERIES_VALID

if TYPE_CHECKING:
    from lossflint.analysis.model import SemanticModel


class PreprocessingFitBeforeSplit(Rule):
    code = "LF601"
    name = "preprocessing-fit-before-split"
    severity = Severity.WARNING
    summary = "a scaler fitted on the whole data set, which is then split into train/test"
    needs = ("Scaler", "Normalization", "train_test_split", ".std(", ".max(")
    what = """
Flags a scaler fitted on a whole array that is afterwards split into training and
test parts: `StandardScaler` / `MinMaxScaler` / `RobustScaler` / `MaxAbsScaler`
`.fit_transform(X)` (or `.fit(X)` then `.transform(X)` of the same, unchanged `X`),
Keras `Normalization().adapt(X)`, or `(X - X.mean()) / X.std()` (also with
`mu = np.mean(X, axis=0)` and `sigma = np.std(X, axis=0)` named first, or
`X = X - mu` then `X = X / np.std(X, axis=0)`; and
`(X - X.min()) / (X.max() - X.min())`) over the array — when the result goes into
`train_test_split`, is sliced into a head `[:n]` and a tail `[n:]`, is split by
a random mask of rows and its complement (`msk = np.random.rand(len(X)) < 0.8`,
then `X[msk]` and `X[~msk]`) or by a point of its index (`X[X.index < n]`), is handed to a project function that does one of these
(`split(X, y)` of `utils.py`), or is
indexed with the rows of each fold of a cross-validation splitter
(`for tr, te in KFold(5).split(X): ... X[tr] ...`). A fit on `X.reshape(...)`
or `X.values` is a fit on `X`. A frame keeps what it was scaled with through
operations that keep its rows (`df[cols] = scaler.fit_transform(df[cols])`, then
`df = df.drop(cols, axis=1)`, `pd.concat([df, dummies], axis=1)`, `df.rename(...)`,
a new column `df["c"] = ...`), and a list of windows appended in a loop from the
scaled array (`seq.append(X_scaled[t - w:t])`) is split as the array is, and
windows `X[i:i + w]` for `i in range(n_tr - w)` and for `i in range(n_tr - w, N)`
are a head and a tail. A scaler
fitted on `X` whose `X` is split afterwards counts when the fitted scaler is used
after the split.

Silent when the scaler is fitted on the training part, inside a `Pipeline` (which
cross-validation refits per fold), for `Normalizer` (it scales each sample on its
own and learns nothing), whenever the array that is split is not certainly the
one that was scaled, and when every model fitted on the training part of a
`train_test_split` is a tree ensemble or least squares (`RandomForest*`,
`XGB*`, `LGBM*`, `LinearRegression`, ...), whose predictions no per-feature
scaling changes.
"""
    why = """
The scaler's statistics (mean, standard deviation, minimum, maximum) then include
the test rows: information about the test set leaks into the training data, and
the evaluation is optimistic — the model is judged on data it has, in part, seen.
The effect is largest on small data sets, time series (future values set the
scale of the past) and features with outliers.
"""
    example = """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)  # error: LF601 (test statistics leak)
    X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.2)

    # the fix: split first, fit on the training part only
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    """
    use_instead = """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    """
    references = (
        (
            "scikit-learn: common pitfalls, data leakage",
            "https://scikit-learn.org/stable/common_pitfalls.html#data-leakage",
        ),
        (
            "scikit-learn: sklearn.model_selection.train_test_split",
            "https://scikit-learn.org/stable/modules/generated/sklearn.model_selection.train_test_split.html",
        ),
        (
            "scikit-learn: sklearn.preprocessing.StandardScaler",
            "https://scikit-learn.org/stable/modules/generated/sklearn.preprocessing.StandardScaler.html",
        ),
    )
    INVALID = [
        *AUDIT_INVALID,
        *MASK_INVALID,
        *FRAME_INVALID,
        *WINDOW_INVALID,
        *SCRIPT_INVALID,
        *SERIES_INVALID,
        # scaled columns stored back into the frame that is then split
        # (handson-unsupervised-learning, B10), and a column subset of a
        # scaled frame split (CheMLFlow, B10)
        Invalid(
            """
            import pandas as pd
            import sklearn.preprocessing as pp
            from sklearn.model_selection import train_test_split

            data = pd.read_csv("credit_card.csv")
            dataX = data.drop(["Class"], axis=1)
            cols = dataX.drop(["Time"], axis=1).columns
            sX = pp.StandardScaler(copy=True)
            dataX.loc[:, cols] = sX.fit_transform(dataX[cols])  # error: LF601 at `sX.fit_transform(`
            X_train, X_test, y_train, y_test = train_test_split(dataX, data["Class"])
            """,
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import RobustScaler

            def preprocess(X):
                scaled = RobustScaler().fit_transform(X)  # error: LF601 at `RobustScaler().fit_transform(`
                return pd.DataFrame(scaled, columns=X.columns)

            X = preprocess(pd.read_csv("x.csv"))
            X_train, X_test = train_test_split(X[X.columns[:10]], test_size=0.2)
            """,
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import MinMaxScaler

            df = pd.read_csv("data.csv")
            X = df.drop(columns=["target"]).values
            y = df["target"].values
            scaler = MinMaxScaler()
            X = scaler.fit_transform(X)  # error: LF601 at `scaler.fit_transform(`
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
            """,
        ),
        Invalid(
            """
            import numpy as np
            from sklearn.preprocessing import MinMaxScaler

            scaler = MinMaxScaler(feature_range=(0, 1))
            dataset = scaler.fit_transform(series.reshape(-1, 1))  # error: LF601 at `scaler.fit_transform(`
            train_size = int(len(dataset) * 0.67)
            train, test = dataset[0:train_size, :], dataset[train_size:len(dataset), :]
            """,
        ),
        Invalid(
            """
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            def prepare(features, labels):
                scaler = StandardScaler()
                scaler.fit(features)  # error: LF601 at `scaler.fit(`
                features = scaler.transform(features)
                return train_test_split(features, labels, random_state=0)
            """,
        ),
        Invalid(
            """
            import numpy as np
            from sklearn.model_selection import train_test_split

            X = (X - X.mean(axis=0)) / X.std(axis=0)  # error: LF601 at `(X - X.mean(axis=0)) / X.std(axis=0)`
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            """,
        ),
        Invalid(
            """
            import keras
            from sklearn.model_selection import train_test_split

            norm = keras.layers.Normalization()
            norm.adapt(features)  # error: LF601 at `norm.adapt(`
            x_train, x_test, y_train, y_test = train_test_split(features, labels)
            model = keras.Sequential([norm, keras.layers.Dense(1)])
            """,
        ),
        # the adapted layer applied to the whole array, then sliced head/tail
        Invalid(
            """
            import tensorflow as tf

            def load_features(X, y):
                norm = tf.keras.layers.Normalization()
                norm.adapt(X)  # error: LF601 at `norm.adapt(`
                X = norm(X).numpy()
                n_val = int(0.2 * len(X))
                return (X[n_val:], y[n_val:]), (X[:n_val], y[:n_val])
            """,
        ),
    ]
    VALID = [
        *AUDIT_VALID,
        *MASK_VALID,
        *FRAME_VALID,
        *WINDOW_VALID,
        *SCRIPT_VALID,
        *SERIES_VALID,
        # Kaggle's train and unlabelled test frames stacked, encoded and scaled
        # together, then cut back at len(train) (spaceship-titanic, R9)
        """
        import pandas as pd
        from sklearn.preprocessing import StandardScaler

        def prepare(train, test, num_list):
            train_len = len(train)
            train_test = pd.concat(objs=[train, test], axis=0).reset_index(drop=True)
            train_test = train_test.drop(["Name"], axis=1)
            train_test = pd.get_dummies(train_test, columns=["HomePlanet"])
            scaler = StandardScaler()
            train_test[num_list] = scaler.fit_transform(train_test[num_list])
            return train_test[:train_len], train_test[train_len:]
        """,
        # a standardised series shifted by one step: inputs and next-step targets
        """
        def windows(series):
            x = (series - series.mean()) / series.std()
            return x[:-1], x[1:]
        """,
        # Kaggle: the training rows and the unlabelled competition rows stacked,
        # scaled together and sliced back apart (nothing evaluates on the tail)
        """
        import pandas as pd
        from sklearn import preprocessing

        X = pd.read_csv("train.csv")
        y = X.pop("target")
        test_df = pd.read_csv("test.csv")
        df = pd.concat([X, test_df], axis=0).reset_index(drop=True)
        scaled = preprocessing.MinMaxScaler().fit_transform(df)
        train_part, test_part = scaled[: len(X)], scaled[len(X) :]
        """,
        # fit on the training split, transform the others
        """
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        X_train, X_test, y_train, y_test = train_test_split(X, y)
        scaler = StandardScaler()
        X_train = scaler.fit_transform(X_train)
        X_test = scaler.transform(X_test)
        """,
        # a scaler inside a Pipeline given to cross-validation
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score, train_test_split
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        pipe = Pipeline([("scaler", StandardScaler()), ("clf", LogisticRegression())])
        scores = cross_val_score(pipe, X, y, cv=5)
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        pipe.fit(X_train, y_train)
        """,
        # Normalizer scales each row on its own: nothing to leak
        """
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import Normalizer

        X = Normalizer().fit_transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        """,
        # fitted on X, but X was reassigned before the transform
        """
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler()
        scaler.fit(X)
        X = load_other()
        Z = scaler.transform(X)
        train_test_split(Z, y)
        """,
        # only one side of a slice: no split
        """
        from sklearn.preprocessing import MinMaxScaler

        scaled = MinMaxScaler().fit_transform(series)
        window = scaled[:seq_len]
        """,
        # fitted on all data, then used only to score the whole set (no split)
        """
        from sklearn.cluster import KMeans
        from sklearn.preprocessing import StandardScaler

        X_scaled = StandardScaler().fit_transform(X)
        labels = KMeans(n_clusters=3).fit_predict(X_scaled)
        """,
        # fitted on the training part, which a feature selector splits again for
        # validation (the test set never reaches the scaler)
        """
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3)
        stdsc = StandardScaler()
        X_train_std = stdsc.fit_transform(X_train)

        class SBS:
            def fit(self, X, y):
                X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25)
                return self

        SBS().fit(X_train_std, y_train)
        """,
        # fitted on X, split X, but the scaler is never used again
        """
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler()
        scaler.fit(X)
        print(scaler.mean_)
        X_train, X_test = train_test_split(X)
        """,
    ]

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        if not may_leak(model):
            return
        facts = data_facts(model)
        for leak in facts.sure_leaks():
            fit = leak.fit
            if (
                leak.how == "train_test_split"
                and affine_fit(model, fit)
                and only_invariant_models(model, leak.split)
            ):
                continue  # trees / least squares: a feature's scale changes no prediction
            if isinstance(fit, cst.Call):
                what = f"`{_short(model, fit)}` fits on the whole array"
            elif leak.how == "part-stats":
                what = "a part is standardised with the statistics of the whole array, which"
            else:
                what = "the array is standardised with its own statistics"
            if leak.how == "caller":
                what = f"{what}, returns it to a caller,"
                split = f"the split at {leak.where}"
            elif leak.how == "train_test_split":
                split = f"`train_test_split` at line {model.line_of(leak.split)}"
            elif leak.how == "helper" and isinstance(leak.split, cst.Call):
                line = model.line_of(leak.split)
                split = f"`{_short(model, leak.split)}`, which splits it, at line {line}"
            elif leak.how == "folds" and isinstance(leak.split, cst.Call):
                line = model.line_of(leak.split)
                split = f"the folds of `{_short(model, leak.split)}` at line {line}"
            elif leak.how == "mask":
                line = model.line_of(leak.split)
                split = f"a random row mask and its complement at line {line}"
            else:
                split = f"slices at line {model.line_of(leak.split)}"
            parts = "cross-validation folds" if leak.how == "folds" else "train/test"
            advice = (
                "fit inside each fold on its training rows (or use a `Pipeline`)"
                if leak.how == "folds"
                else "split first and fit on the training part only"
            )
            # split first, then fitted on all of it anyway (``data[:n]`` above)
            then = "also" if model.line_of(leak.split) < model.line_of(fit) else "then"
            then = f"is {then}" if leak.how == "part-stats" else f"and is {then}"
            yield Finding(
                fit,
                f"{what} {then} split into {parts} ({split}): test-set statistics "
                f"leak into training and the evaluation is optimistic; {advice}",
                related=(RelatedNode("the split", leak.split),) if leak.how != "caller" else (),
            )


def _short(model: SemanticModel, call: cst.Call) -> str:
    text = model.code(call.func)
    return f"{text}()" if len(text) < 50 else "the fit"
