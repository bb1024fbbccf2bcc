"""LF601 examples of a split by a random mask of rows (``msk =
np.random.rand(len(df)) < 0.8``, then ``X[msk]`` and ``X[~msk]``): the pandas
idiom and the book code of audit R25 (Michelucci, ch. 4); and a time series
split by slices whose test part starts a look-back window early (audit R31);
and a standardisation written in place (``X -= np.mean(X, axis=0); X /=
np.std(X, axis=0)``, the traffic-sign notebook of audit s89); two scalers
storing their columns in one frame before it is sliced (deepschool.io's bike
sharing lessons, audit s129): each fit leaks; scaled rows through
``PolynomialFeatures`` (a contest solution of esokolov's ml-course-hse, audit
s129) keep the scaler's statistics."""

from __future__ import annotations

from lossflint.examples import Invalid

_TWO_SCALERS = """
import pandas as pd
from sklearn.preprocessing import StandardScaler

rides = pd.read_csv("hour.csv")
{split_before}quant_features = ["temp", "hum", "windspeed"]
x_scaler = StandardScaler()
{frame}[quant_features] = x_scaler.fit_transform({frame}[quant_features].values){x_marker}
y_scaler = StandardScaler()
{frame}["cnt"] = y_scaler.fit_transform({frame}["cnt"].values[:, None]){y_marker}
{split_after}"""

_POLY = """
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

df = pd.DataFrame(np.load("x.npy"))
target = np.load("y.npy")
{before}poly = PolynomialFeatures(2)
df = pd.DataFrame(poly.fit_transform(df))
X_train, X_test, y_train, y_test = train_test_split(df, target, train_size=0.8)
{after}"""

MASK_INVALID = [
    # columns standardised one by one with ``zscore``: one leak, reported once
    # (jeffheaton's t81_558 notebooks, seen in the session-37 harness)
    Invalid(
        """
        import pandas as pd
        from scipy.stats import zscore
        from sklearn.model_selection import train_test_split

        df = pd.read_csv("auto-mpg.csv")
        df["displacement"] = zscore(df["displacement"])
        df["horsepower"] = zscore(df["horsepower"])
        df["weight"] = zscore(df["weight"])  # error: LF601
        x_train, x_test, y_train, y_test = train_test_split(df[["displacement", "weight"]], df["mpg"])
        """
    ),
    Invalid(
        _POLY.format(
            before="df = StandardScaler().fit_transform(df)  # error: LF601\n",
            after="",
        )
    ),
    Invalid(
        _TWO_SCALERS.format(
            split_before="",
            frame="rides",
            x_marker="  # error: LF601 at `x_scaler.fit_transform(`",
            y_marker="  # error: LF601 at `y_scaler.fit_transform(`",
            split_after="train_data = rides[: -21 * 24]\ntest_data = rides[-21 * 24 :]\n",
        )
    ),
    Invalid(
        """
        import numpy as np
        from sklearn.model_selection import train_test_split

        def preprocess_features(X):
            X = np.float32(X)
            X -= np.mean(X, axis=0)
            X /= np.std(X, axis=0) + np.finfo("float32").eps  # error: LF601
            return X

        X_norm = preprocess_features(X_train)
        X_tr, X_val, y_tr, y_val = train_test_split(X_norm, y_train, test_size=0.2)
        """
    ),
    # windows of the scaled series built by a comprehension, then cut
    Invalid(
        """
        import numpy as np
        from sklearn.preprocessing import MinMaxScaler

        scaled = MinMaxScaler().fit_transform(prices.reshape(-1, 1))  # error: LF601
        seqs = np.array([scaled[i: i + 30] for i in range(len(scaled) - 30)])
        x_train, x_test = seqs[:900], seqs[900:]
        """
    ),
    # the frame normalised with its own mean and range, then cut where its
    # index passes a point (BenjiKCF event-driven LSTM notebook, audit R38)
    Invalid(
        """
        import pandas as pd

        df = pd.read_csv("prices.csv")
        norm = (df - df.mean()) / (df.max() - df.min())  # error: LF601
        train = norm[norm.index < 900]
        test = norm[norm.index >= 900]
        """
    ),
    # min-max scaling by hand over the whole array
    Invalid(
        """
        import numpy as np

        X = np.load("x.npy")
        Xn = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))  # error: LF601
        X_train, X_test = Xn[:900], Xn[900:]
        """
    ),
    # a column scaled again under an ``if``; pandas < 1.0's ``as_matrix()``;
    # a column moved last with a column concat (BenjiKCF stock LSTM, audit R38)
    Invalid(
        """
        import numpy as np
        import pandas as pd
        from sklearn.preprocessing import MinMaxScaler

        def get_stock_data(path, normalize=True, with_high=False):
            df = pd.read_csv(path)
            if normalize:
                scaler = MinMaxScaler()
                df["Open"] = scaler.fit_transform(df.Open.values.reshape(-1, 1))  # error: LF601
                if with_high:
                    df["High"] = scaler.fit_transform(df.High.values.reshape(-1, 1))
            close = df["Close"]
            df.drop(labels=["Close"], axis=1, inplace=True)
            return pd.concat([df, close], axis=1)

        data = get_stock_data("prices.csv").as_matrix()
        windows = []
        for i in range(len(data) - 23):
            windows.append(data[i: i + 23])
        windows = np.array(windows)
        row = round(0.9 * windows.shape[0])
        train, test = windows[:int(row)], windows[int(row):]
        """
    ),
    # the test slice starts ``sequence_len`` rows before the split point, so
    # that its first window has its history: still all the held-out rows
    # (ProfessorDong/Deep-Learning-Course-Examples StockPricePrediction)
    Invalid(
        """
        import math
        from sklearn.preprocessing import MinMaxScaler

        dataset = df.filter(["Close"]).values
        training_data_len = math.ceil(len(dataset) * .8)
        scaler = MinMaxScaler(feature_range=(0, 1))
        scaled_data = scaler.fit_transform(dataset)  # error: LF601 at `scaler.fit_transform(dataset)`
        train_data = scaled_data[0:training_data_len, :]
        test_data = scaled_data[training_data_len - sequence_len:, :]
        """
    ),
    # a scaler fitted on every row, the rows then split by a random mask
    Invalid(
        """
        import numpy as np
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        df = pd.read_csv("data.csv")
        X = StandardScaler().fit_transform(df[["a", "b"]])  # error: LF601 at `StandardScaler().fit_transform(`
        y = df["label"].values
        msk = np.random.rand(len(df)) < 0.8
        X_train, X_test = X[msk], X[~msk]
        y_train, y_test = y[msk], y[~msk]
        print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))
        """
    ),
    # a hand-written standardisation; the complement by ``np.logical_not``
    Invalid(
        """
        import numpy as np
        from tensorflow import keras

        features = np.loadtxt("boston.csv", delimiter=",")
        target = features[:, -1]
        features_norm = (features - features.mean(axis=0)) / features.std(axis=0)  # error: LF601 at `(features - features.mean(axis=0)) / features.std(axis=0)`
        rnd = 0.8 > np.random.random(len(target))
        train_x, dev_x = features_norm[rnd], features_norm[np.logical_not(rnd)]
        model = keras.Sequential([keras.layers.Dense(20, activation="relu"), keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="adam")
        model.fit(train_x, target[rnd], validation_data=(dev_x, target[~rnd]))
        """
    ),
]

MASK_VALID = [
    # the test rows taken out by a mask first, the scaler fitted on the rest,
    # then a validation part carved out of it (jpcastillog/GradNorm-Keras, audit s150)
    """
    import numpy as np
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    def load_data(X_all, labels_all, mask_train):
        X_test = X_all[~mask_train]
        X_t = X_all[mask_train]
        labels_t = labels_all[mask_train]
        std = MinMaxScaler()
        std.fit(X_t)
        X_t = std.transform(X_t)
        X_test = std.transform(X_test)
        X_train, X_val, y_train, y_val = train_test_split(X_t, labels_t, test_size=len(X_test))
        return np.concatenate((X_train, X_val), axis=0), X_test
    """,
    # one side of the index only: a window looked at, no train/test cut
    """
    import pandas as pd

    df = pd.read_csv("prices.csv")
    norm = (df - df.mean()) / df.std()
    recent = norm[norm.index >= 900]
    recent.plot()
    """,
    # cut by the index first, the scaler fitted on the earlier rows only
    """
    import pandas as pd
    from sklearn.preprocessing import MinMaxScaler

    df = pd.read_csv("prices.csv")
    train = df[df.index < 900]
    test = df[df.index >= 900]
    scaler = MinMaxScaler().fit(train)
    train_s, test_s = scaler.transform(train), scaler.transform(test)
    """,
    # the slice moved back by a window ends at the split point: the last
    # training rows, nothing held out is read
    """
    from sklearn.preprocessing import MinMaxScaler

    scaled = MinMaxScaler().fit_transform(series)
    train = scaled[:n_train]
    warmup = scaled[n_train - window:n_train]
    """,
    # split by the mask first, the scaler fitted on the training rows
    """
    import numpy as np
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    df = pd.read_csv("data.csv")
    msk = np.random.rand(len(df)) < 0.8
    train, test = df[msk], df[~msk]
    scaler = StandardScaler().fit(train)
    X_train, X_test = scaler.transform(train), scaler.transform(test)
    """,
    # a mask that is not drawn at random: the rows of one class and the others
    """
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    df = pd.read_csv("data.csv")
    X = StandardScaler().fit_transform(df[["a", "b"]])
    fraud = df["label"].values == 1
    normal, anomalies = X[~fraud], X[fraud]
    """,
    # two different draws under one name: no mask and its own complement
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(np.load("x.npy"))
    msk = np.random.rand(len(X)) < 0.8
    subset = X[msk]
    msk = np.random.rand(len(X)) < 0.5
    other = X[~msk]
    """,
    # a mask of elements, not rows (a denoising autoencoder's corruption)
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(np.load("x.npy"))
    drop = np.random.rand(*X.shape) < 0.2
    kept, dropped = X[~drop], X[drop]
    """,
    # one side only: a random subsample of the scaled rows (for a plot)
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(np.load("x.npy"))
    keep = np.random.rand(len(X)) < 0.1
    sample = X[keep]
    """,
    # the same in place after the split, on the training part only
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.2)
    mean, std = np.mean(X_tr, axis=0), np.std(X_tr, axis=0)
    X_tr -= np.mean(X_tr, axis=0)
    X_tr /= np.std(X_tr, axis=0)
    """,
    # both scalers fitted on the training rows only
    _TWO_SCALERS.format(
        split_before="train_data = rides[: -21 * 24].copy()\ntest_data = rides[-21 * 24 :]\n",
        frame="train_data",
        x_marker="",
        y_marker="",
        split_after="",
    ),
    _POLY.format(
        before="",
        after="scaler = StandardScaler().fit(X_train)\nX_train, X_test = scaler.transform(X_train), scaler.transform(X_test)\n",
    ),
]
