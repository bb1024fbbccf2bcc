"""LF601 examples of scripts: a fit under ``if scaledata:``, a top-level flag
the module sets to a literal once, is the branch the code as written takes (the
Coursera recommender assignment, audit s129); a flag set twice, or to False,
leaves the branch unknown or not taken: silence. A standardisation written by
hand, then sliced into three parts (H11 p13). Scaled whole, then split for a
tree ensemble or least squares only: their predictions ignore a feature's
scale, nothing leaks (bnsreenu's XGBoost notebook, audit s137); a model that
does not, among them, is reported. Columns chosen by a list of names and
standardised in place (``df[cols] = (df[cols] - ...) / df[cols].std()``, yhilpisch/aiif,
audit s145), one column by a name bound to its string, or each listed column in a
loop with its min and max kept in names (audit s152); not rows picked by a mask or
a sample at a time."""

from __future__ import annotations

from lossflint.examples import Invalid

_FLAG = """
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

item_train = np.load("items.npy")
scaledata = {flag}
if {test}:
    scaler = StandardScaler()
    scaler.fit(item_train){marker}
    item_train = scaler.transform(item_train)
{again}item_train, item_test = train_test_split(item_train, train_size=0.80, shuffle=True)
"""

_MARK = "  # error: LF601 at `scaler.fit(`"

_TREES = """
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC
from xgboost import XGBClassifier

X, Y = np.load("x.npy"), np.load("y.npy")
scaler = MinMaxScaler()
scaler.fit(X){marker}
X = scaler.transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, Y, test_size=0.25)
forest = RandomForestClassifier(n_estimators=100)
forest.fit(X_train, y_train)
boosted = {second}
boosted.fit(X_train, y_train)
print(forest.score(X_test, y_test), boosted.score(X_test, y_test))
{extra}"""

_COLUMNS = """
import pandas as pd
from tensorflow import keras

rets = pd.read_csv("returns.csv", index_col=0)
{setup}
df = rets.copy()
{scaled}
split = int(len(rets) * 0.8)
model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
train = df.iloc[:split]
test = df.iloc[split:]
model.fit(train[cols], train["EUR"], epochs=50)
"""

_APPLIED = """
import pandas as pd
from sklearn.model_selection import train_test_split

df = pd.read_csv("flows.csv")
data_x, data_y = df.drop(["label"], axis=1), df["label"]
data_x = data_x.apply(lambda x: (x - x.min()) / (x.max() - x.min()){axis}){marker}
X_train, X_test, y_train, y_test = train_test_split(data_x, data_y, test_size=0.5)
"""

SCRIPT_INVALID = [
    # each column min-max scaled over every row by DataFrame.apply, then
    # split (alik604/cyber-security's UNSW-NB15 notebooks, audit s195)
    Invalid(_APPLIED.format(axis="", marker="  # error: LF601 at `(x - x.min())`")),
    # all the rows scaled, then split: the test part the split makes,
    # transformed again, is no test set held out apart
    Invalid(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        df = pd.read_csv("all.csv")
        scaler = StandardScaler()
        X_train_raw = df.drop(columns=["label"])
        X_train = scaler.fit_transform(X_train_raw)  # error: LF601
        X_tr, X_test, y_tr, y_test = train_test_split(X_train, df["label"])
        X_test_again = scaler.transform(X_test)
        """
    ),
    # one column by a name bound to its string (audit s152's probe)
    Invalid(
        _COLUMNS.format(
            setup='cols = ["lag_1", "lag_2"]\nc = "lag_1"',
            scaled="df[c] = (df[c] - df[c].mean()) / df[c].std()  # error: LF601",
        )
    ),
    # each listed column min-max scaled in a loop, its min and max kept in names
    # (ki-ljl/FedAvg-numpy-pytorch-tff's load_data, audit s152)
    Invalid(
        _COLUMNS.format(
            setup="import numpy as np\ncols = list(rets.columns[1:])\ncolumns = df_cols = rets.columns",
            scaled="for i in range(1, 4):\n"
            "    MAX = np.max(df[columns[i]])\n"
            "    MIN = np.min(df[columns[i]])\n"
            "    df[columns[i]] = (df[columns[i]] - MIN) / (MAX - MIN)  # error: LF601",
        )
    ),
    Invalid(
        _COLUMNS.format(
            setup='cols = ["lag_1", "lag_2"]',
            scaled="df[cols] = (df[cols] - df[cols].mean()) / df[cols].std()  # error: LF601",
        )
    ),
    Invalid(_TREES.format(second="SVC()", marker=_MARK, extra="")),
    # the training part handed to another model than the trees: it sees the leak
    Invalid(
        _TREES.format(
            second="XGBClassifier()",
            marker=_MARK,
            extra="print(cross_val_score(SVC(), X_train, y_train))\n",
        )
    ),
    Invalid(
        """
        def make_splits(df, test_frac=0.15, val_frac=0.15):
            X = df[FEATURES].values.astype("float32")
            X = (X - X.mean(axis=0)) / X.std(axis=0)  # error: LF601 at `(X - X.mean(axis=0)) / X.std(axis=0)`
            n_test, n_val = int(len(X) * test_frac), int(len(X) * val_frac)
            X_test = X[:n_test]
            X_val = X[n_test:n_test + n_val]
            X_train = X[n_test + n_val:]
            return X_train, X_val, X_test
        """,
    ),
    Invalid(_FLAG.format(flag="True", test="scaledata", marker=_MARK, again="")),
    Invalid(_FLAG.format(flag="False", test="not scaledata", marker=_MARK, again="")),
]

SCRIPT_VALID = [
    # train and test features stacked, standardised by DataFrame.apply, and
    # sliced back at len(train) (d2l's house prices, audit R165)
    """
    import pandas as pd
    import torch

    train_data, test_data = pd.read_csv("train.csv"), pd.read_csv("test.csv")
    all_features = pd.concat((train_data.iloc[:, 1:-1], test_data.iloc[:, 1:]))
    numeric = all_features.dtypes[all_features.dtypes != "object"].index
    all_features[numeric] = all_features[numeric].apply(lambda x: (x - x.mean()) / (x.std()))
    n_train = train_data.shape[0]
    train_features = torch.tensor(all_features[:n_train].values, dtype=torch.float32)
    test_features = torch.tensor(all_features[n_train:].values, dtype=torch.float32)
    """,
    # axis=1: each row scaled with its own statistics (one sample's)
    _APPLIED.format(axis=", axis=1", marker=""),
    # the scaler fitted on the training CSV also transforms the test CSV loaded
    # apart; the split cuts a validation fold out of the training rows
    # (siddarth777/Histopathologic-Cancer-Detection, audit s197)
    """
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    train_df, test_df = pd.read_csv("train.csv"), pd.read_csv("test.csv")
    X_train, y_train = train_df.drop(columns=["label"]), train_df["label"]
    X_test, y_test = test_df.drop(columns=["label"]), test_df["label"]
    scaler = StandardScaler()
    X_train_s = scaler.fit_transform(X_train)
    X_test_s = scaler.transform(X_test)
    Xtr, Xval, ytr, yval = train_test_split(X_train_s, y_train, test_size=0.2)
    print(LogisticRegression().fit(Xtr, ytr).score(Xval, yval))
    print(LogisticRegression().fit(X_train_s, y_train).score(X_test_s, y_test))
    """,
    # the statistics of one row (a sample), not of a column
    _COLUMNS.format(
        setup='import numpy as np\ncols = ["lag_1", "lag_2"]\nrows = list(range(10))',
        scaled="for i in range(10):\n"
        "    MAX = np.max(df.iloc[rows[i]])\n"
        "    df.iloc[rows[i]] = (df.iloc[rows[i]] - np.min(df.iloc[rows[i]])) / MAX",
    ),
    # rows picked by a mask, and one sample at a time with its own statistics
    _COLUMNS.format(
        setup='cols = ["lag_1", "lag_2"]\nrows = rets["EUR"] > 0',
        scaled="df[rows] = (df[rows] - df[rows].mean()) / df[rows].std()",
    ),
    _COLUMNS.format(
        setup='cols = ["lag_1", "lag_2"]\nfeats = rets[cols].values',
        scaled="for feat in range(len(feats)):\n"
        "    feats[feat] = (feats[feat] - feats[feat].mean()) / feats[feat].std()\n"
        "df[cols] = feats",
    ),
    _TREES.format(second="XGBClassifier()", marker="", extra=""),
    # one name for two tree models in turn (a notebook comparing them)
    _TREES.format(
        second="XGBClassifier()",
        marker="",
        extra="forest = XGBClassifier(n_estimators=50)\nforest.fit(X_train, y_train)\n",
    ),
    _FLAG.format(flag="False", test="scaledata", marker="", again=""),
    # bound again further down (a notebook cell that switches it): not one value
    _FLAG.format(flag="True", test="scaledata", marker="", again="scaledata = False\n"),
    # not a literal: a command-line switch
    _FLAG.format(flag="args.scale", test="scaledata", marker="", again=""),
]

#: ``sklearn.preprocessing.scale`` standardises the whole array in one call, then
#: a PCA is fitted on it and its output split (ml-fraud-detection, audit s172)
_SCALED_THEN_PCA = """
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import {imported}

df = pd.read_csv("creditcard.csv")
X = df.iloc[:, :-1]
y = df["Class"]
X_scaled = {scaled}{marker}
X_reduced = PCA(n_components=2).fit_transform(X_scaled)
X_train, X_test, y_train, y_test = train_test_split(X_reduced, y, test_size=0.33)
"""

SCRIPT_INVALID += [
    Invalid(
        _SCALED_THEN_PCA.format(
            imported="scale", scaled="scale(X)", marker="  # error: LF601 at `scale(X)`"
        )
    ),
    Invalid(
        _SCALED_THEN_PCA.format(
            imported="minmax_scale",
            scaled="minmax_scale(X)",
            marker="  # error: LF601 at `minmax_scale(X)`",
        )
    ),
]
SCRIPT_VALID += [
    # each row scaled on its own: nothing of the test rows reaches the others
    _SCALED_THEN_PCA.format(imported="normalize", scaled="normalize(X)", marker=""),
    # each sample standardised over its own features (``axis=1``)
    _SCALED_THEN_PCA.format(imported="scale", scaled="scale(X, axis=1)", marker=""),
    # a PCA of the raw array: no scaler fitted before the split
    _SCALED_THEN_PCA.format(imported="scale", scaled="X.values", marker=""),
]

#: a signal array standardised whole, given a channel axis, permuted and sliced
#: (ismorphism/DeepECG, audit s181)
_CHANNEL_AXIS = """
import numpy as np

X = np.load("ecg.npy")
labels = np.load("labels.npy")
X = (X - X.mean()) / (X.std()){marker}
X = np.expand_dims(X, axis={axis})
order = np.random.permutation(len(X))
X, labels = X[order, :], labels[order, :]
X_train, Y_train = X[:900, :], labels[:900, :]
X_val, Y_val = X[900:, :], labels[900:, :]
"""

SCRIPT_INVALID.append(Invalid(_CHANNEL_AXIS.format(axis=2, marker="  # error: LF601")))
# a new first axis: one row holding every sample, no longer the samples' rows
SCRIPT_VALID.append(_CHANNEL_AXIS.format(axis=0, marker=""))

#: an array standardised whole, then cut by a stratified splitter's folds with
#: the columns kept (``X[train_index, :]``: ismorphism/DeepECG, audit s181)
_FOLDS = """
import numpy as np
from sklearn.model_selection import StratifiedKFold

X = np.load("ecg.npy")
target = np.load("target.npy")
{scaled}
skf = StratifiedKFold(n_splits=10, shuffle=True)
for i, (train_index, test_index) in enumerate(skf.split(X, target)):
    X_train, X_val = X[train_index, :], X[test_index, :]
    {per_fold}
    print(i, X_train.shape, X_val.shape)
"""

SCRIPT_INVALID.append(
    Invalid(_FOLDS.format(scaled="X = (X - X.mean()) / (X.std())  # error: LF601", per_fold="pass"))
)
SCRIPT_VALID.append(
    _FOLDS.format(
        scaled="",
        per_fold="mu, sd = X_train.mean(), X_train.std()\n"
        "    X_train, X_val = (X_train - mu) / sd, (X_val - mu) / sd",
    )
)

# a competition's train and test columns stacked end to end, rank-normalised
# together and cut back at the training length (alno's Allstate solution, R119):
# the parts the user stacked, not a split of one data set
SCRIPT_VALID.append(
    """
    import numpy as np
    from scipy.special import erfinv
    from scipy.stats.mstats import rankdata
    from sklearn.preprocessing import minmax_scale, scale

    train_num, test_num = np.load("train.npy"), np.load("test.npy")
    train_enc = np.zeros(train_num.shape, dtype=np.float32)
    test_enc = np.zeros(test_num.shape, dtype=np.float32)
    for col in range(train_num.shape[1]):
        values = np.hstack((train_num[:, col], test_num[:, col]))
        values = rankdata(values).astype(np.float64)
        values = minmax_scale(values, feature_range=(-0.999, 0.999))
        values = scale(erfinv(values))
        train_enc[:, col] = values[:train_num.shape[0]]
        test_enc[:, col] = values[train_num.shape[0]:]
    """
)
