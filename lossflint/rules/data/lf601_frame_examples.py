"""LF601 examples of a DataFrame scaled whole and then rebound by operations
that keep its rows (columns dropped, added, renamed; frames put side by side)
before the split (audit R22), or refitted per fold (audit R96); kept apart so the rule module stays small."""

from __future__ import annotations

from lossflint.examples import Invalid

FRAME_INVALID = [
    # ... its twin refitting a MaxAbsScaler, which does not centre: the shift stays
    Invalid(
        """
        import pandas as pd
        from scipy.stats import zscore
        from sklearn.model_selection import KFold
        from sklearn.preprocessing import MaxAbsScaler

        df = pd.read_csv("jh-simple-dataset.csv")
        df["income"] = zscore(df["income"])  # error: LF601 at `zscore(`
        x = df[["income", "aspect"]].values
        y = df["age"].values
        for train_idx, test_idx in KFold(n_splits=5, shuffle=True).split(x):
            x_train, x_test = x[train_idx], x[test_idx]
            scaler = MaxAbsScaler()
            x_train = scaler.fit_transform(x_train)
            model.fit(x_train, y[train_idx])
        """
    ),
    # fitted on an expression and transforming the same expression written
    # again (huseinzol05/Stock-Prediction-Models' notebooks, audit R46)
    Invalid(
        """
        import pandas as pd
        from sklearn.preprocessing import MinMaxScaler

        df = pd.read_csv("GOOG-year.csv")
        minmax = MinMaxScaler().fit(df.iloc[:, 4:5].astype("float32"))  # error: LF601 at `MinMaxScaler().fit(`
        df_log = pd.DataFrame(minmax.transform(df.iloc[:, 4:5].astype("float32")))
        df_train = df_log.iloc[:-30]
        df_test = df_log.iloc[-30:]
        """
    ),
    # a column transformer holding a scaler, fitted on every row
    # (curiousily/Deep-Learning-For-Hackers, audit R41)
    Invalid(
        """
        from sklearn.compose import make_column_transformer
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

        transformer = make_column_transformer(
            (MinMaxScaler(), ["latitude", "minimum_nights"]),
            (OneHotEncoder(handle_unknown="ignore"), ["room_type"]),
        )
        transformer.fit(X)  # error: LF601
        X = transformer.transform(X)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
        """
    ),
    # label-encoded column by column after the scaling: the scaled columns
    # stay scaled with every row (shenweichen/DeepCTR run_mtl, audit R32)
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import LabelEncoder, MinMaxScaler

        data = pd.read_csv("census-income.sample")
        mms = MinMaxScaler(feature_range=(0, 1))
        data[dense_features] = mms.fit_transform(data[dense_features])  # error: LF601 at `mms.fit_transform(`
        for feat in sparse_features:
            lbe = LabelEncoder()
            data[feat] = lbe.fit_transform(data[feat])
        train, test = train_test_split(data, test_size=0.2, random_state=2020)
        """
    ),
    # scaled in place, rebound by a column drop and a side-by-side concat
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import MinMaxScaler

        frame = pd.read_csv("patients.csv")
        numeric = ["age", "bmi", "glucose"]
        mm = MinMaxScaler()
        frame[numeric] = mm.fit_transform(frame[numeric])  # error: LF601 at `mm.fit_transform(`
        onehot = pd.get_dummies(frame[["ward"]])
        frame = frame.drop(["ward"], axis=1)
        frame = pd.concat([frame, onehot], axis=1)
        features = frame.drop(columns=["outcome"]).values
        labels = frame["outcome"].values
        f_tr, f_te, l_tr, l_te = train_test_split(features, labels, test_size=0.25)
        """
    ),
    # new columns written after the scaling, then renamed and cleaned
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        houses = pd.read_csv("houses.csv")
        cols = ["area", "rooms"]
        houses[cols] = StandardScaler().fit_transform(houses[cols])  # error: LF601 at `StandardScaler().fit_transform(`
        houses["decade"] = pd.cut(houses.built, range(1900, 2030, 10))
        houses = houses.rename(columns={"area": "area_z"}).dropna()
        train_df, test_df = train_test_split(houses, test_size=0.2)
        """
    ),
    # extra columns stacked beside a scaled array, then sliced head/tail
    Invalid(
        """
        import numpy as np
        from sklearn.preprocessing import RobustScaler

        scaled = RobustScaler().fit_transform(raw)  # error: LF601 at `RobustScaler().fit_transform(raw)`
        scaled = np.column_stack([scaled, flags])
        cut = int(0.8 * len(scaled))
        x_fit, x_eval = scaled[:cut], scaled[cut:]
        """
    ),
    Invalid(
        """
        import numpy as np
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        z = StandardScaler().fit_transform(table)  # error: LF601 at `StandardScaler().fit_transform(table)`
        z = np.concatenate([z, extra], axis=1)
        a_tr, a_te = train_test_split(z, test_size=0.3)
        """
    ),
    # the statistics in named variables, NumPy functions (ax-va Keras book,
    # audit R25)
    Invalid(
        """
        import numpy as np

        features = np.random.rand(506, 13)
        mu = np.mean(features, axis=0)
        sigma = np.std(features, axis=0)
        features_norm = (features - mu) / sigma  # error: LF601 at `(features - mu) / sigma`
        train_x, dev_x = features_norm[:400], features_norm[400:]
        """
    ),
    # columns of the whole frame reshuffled (`sample(frac=1)` is every row):
    # fitted on everything, then split (R9 stroke-prediction notebooks)
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        df = pd.read_csv("stroke.csv").sample(frac=1)
        X = df[["age", "bmi"]]
        scaler = StandardScaler()
        scaler.fit(X)  # error: LF601 at `scaler.fit(`
        X_tr, X_te = train_test_split(scaler.transform(X), test_size=0.3)
        """
    ),
    # ... its twin: the helper returns one data set read whole, then split
    Invalid(
        """
        import pandas as pd
        from sklearn.preprocessing import StandardScaler

        def load(path):
            df = pd.read_csv(path)
            return df, int(len(df) * 0.8)

        df, n = load("train.csv")
        num = [c for c in df.columns if c.startswith("cont")]
        df[num] = StandardScaler().fit_transform(df[num].values)  # error: LF601 at `StandardScaler().fit_transform(`
        train = df.iloc[:n, :].copy()
        valid = df.iloc[n:, :].copy()
        """
    ),
]

FRAME_VALID = [
    # ... stacked by a helper returning the frame and the split point
    # (Allstate's mungeskewed, the same repository)
    """
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    def munge(train, test):
        ntrain = train.shape[0]
        train_test = pd.concat((train, test)).reset_index(drop=True)
        return train_test, ntrain

    train_test, ntrain = munge(pd.read_csv("train.csv"), pd.read_csv("test.csv"))
    num = [c for c in train_test.columns if c.startswith("cont")]
    train_test[num] = StandardScaler().fit_transform(train_test[num].values)
    train = train_test.iloc[:ntrain, :].copy()
    test = train_test.iloc[ntrain:, :].copy()
    """,
    # the competition's unlabelled test set stacked under train for one scaling,
    # the columns read through `.values` (Allstate, PraveenAdepu's kaggle_competitions, R98)
    """
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    train = pd.read_csv("train.csv")
    test = pd.read_csv("test.csv")
    ntrain = train.shape[0]
    train_test = pd.concat((train, test)).reset_index(drop=True)
    num = [c for c in train.columns if c.startswith("cont")]
    train_test[num] = StandardScaler().fit_transform(train_test[num].values)
    train = train_test.iloc[:ntrain, :].copy()
    test = train_test.iloc[ntrain:, :].copy()
    """,
    # z-scored whole, then each fold refits a StandardScaler on its training
    # rows: the refit undoes the affine map (jeffheaton's app_deep_learning, R96)
    """
    import pandas as pd
    from scipy.stats import zscore
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import StandardScaler

    df = pd.read_csv("jh-simple-dataset.csv")
    df["income"] = zscore(df["income"])
    x = df[["income", "aspect"]].values
    y = df["age"].values
    for train_idx, test_idx in KFold(n_splits=5, shuffle=True).split(x):
        x_train, x_test = x[train_idx], x[test_idx]
        scaler = StandardScaler()
        x_train = scaler.fit_transform(x_train)
        x_test = scaler.transform(x_test)
        model.fit(x_train, y[train_idx])
    """,
    # the same text over a frame read twice: another array is transformed
    """
    import pandas as pd
    from sklearn.preprocessing import MinMaxScaler

    df = pd.read_csv("train.csv")
    minmax = MinMaxScaler().fit(df.iloc[:, 4:5].astype("float32"))
    df = pd.read_csv("test.csv")
    scaled = pd.DataFrame(minmax.transform(df.iloc[:, 4:5].astype("float32")))
    first, rest = scaled.iloc[:-30], scaled.iloc[-30:]
    """,
    # the same transformer fitted on the training part; one of encoders only
    """
    from sklearn.compose import make_column_transformer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    transformer = make_column_transformer((MinMaxScaler(), ["latitude"]), remainder="drop")
    transformer.fit(X_train)
    X_train, X_test = transformer.transform(X_train), transformer.transform(X_test)
    encoder = make_column_transformer((OneHotEncoder(), ["room_type"]))
    encoder.fit(X)
    Z = encoder.transform(X)
    Z_train, Z_test = train_test_split(Z, test_size=0.2)
    """,
    # rows stacked onto the scaled frame (axis 0): the parts the user joined,
    # not one data set known to be scaled whole
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    df[cols] = StandardScaler().fit_transform(df[cols])
    df = pd.concat([df, extra_rows])
    d_tr, d_te = train_test_split(df, test_size=0.2)
    """,
    # rows dropped by label (a hand-written split: the test rows set aside)
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    df[cols] = StandardScaler().fit_transform(df[cols])
    holdout = df.loc[holdout_ids]
    df = df.drop(holdout_ids)
    d_tr, d_va = train_test_split(df, test_size=0.2)
    """,
    # a sampled fraction of the scaled frame is one side of a manual split
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    df[cols] = StandardScaler().fit_transform(df[cols])
    df = df.sample(frac=0.8, random_state=1)
    d_tr, d_va = train_test_split(df, test_size=0.2)
    """,
    # the name rebound to the raw frame before the split
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    df = raw.copy()
    df[cols] = StandardScaler().fit_transform(df[cols])
    print(df.describe())
    df = raw.drop(["id"], axis=1)
    d_tr, d_te = train_test_split(df, test_size=0.2)
    """,
    # fitted on the training part, then columns added beside it and split
    # again for validation
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    tr, te = train_test_split(df, test_size=0.2)
    tr[cols] = StandardScaler().fit_transform(tr[cols])
    tr = pd.concat([tr, pd.get_dummies(tr[["cat"]])], axis=1)
    tr = tr.drop(["cat"], axis=1)
    t_fit, t_val = train_test_split(tr, test_size=0.1)
    """,
    # side-by-side concat whose axis is not a literal
    """
    import numpy as np
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    z = StandardScaler().fit_transform(table)
    z = np.concatenate([z, extra], axis=stack_axis)
    a_tr, a_te = train_test_split(z, test_size=0.3)
    """,  # one pixel mean and deviation over every image (two scalars), then split
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    images = np.random.rand(100, 28, 28)
    images = (images - np.mean(images)) / np.std(images)
    x_tr, x_te = train_test_split(images, test_size=0.2)
    """,
    # named statistics of the training part, applied to both parts
    """
    import numpy as np

    features = np.random.rand(506, 13)
    train_x, dev_x = features[:400], features[400:]
    mu = np.mean(train_x, axis=0)
    sigma = np.std(train_x, axis=0)
    train_x = (train_x - mu) / sigma
    dev_x = (dev_x - mu) / sigma
    """,
]

#: a series scaled whole, cut into windows in a loop, the windows split by index
_WINDOWS = """
import numpy as np
from sklearn.preprocessing import MinMaxScaler

series = MinMaxScaler().fit_transform(prices)  {marker}
inputs = []
for t in range(lag, len(series)):
    {append}
inputs = np.array(inputs)
n_fit = int(0.9 * len(inputs))
{split}
"""

WINDOW_INVALID = [
    Invalid(
        _WINDOWS.format(
            marker="# error: LF601 at `MinMaxScaler().fit_transform(prices)`",
            append="inputs.append(series[t - lag:t])",
            split="w_fit, w_hold = inputs[:n_fit], inputs[n_fit:]",
        )
    ),
]

WINDOW_VALID = [
    # windows of the scaled series only predicted on, never split
    _WINDOWS.format(
        marker="", append="inputs.append(series[t - lag:t])", split="print(model.predict(inputs))"
    ),
    # something else appended too: the list's rows are not only the scaled ones
    _WINDOWS.format(
        marker="",
        append="inputs.append(series[t - lag:t])\n    inputs.append(noise(lag))",
        split="w_fit, w_hold = inputs[:n_fit], inputs[n_fit:]",
    ),
    # windows of the raw series; the scaled one is only plotted
    _WINDOWS.format(
        marker="",
        append="inputs.append(prices[t - lag:t])",
        split="w_fit, w_hold = inputs[:n_fit], inputs[n_fit:]",
    ),
]
