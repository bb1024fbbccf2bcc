"""Data loaders whose targets a rule can name (to be merged into the framework modules)."""

from __future__ import annotations

from lossflint.analysis.apis.keras import CLASS_DATASETS

#: loaders of regression data: continuous targets
REGRESSION_DATA_LOADERS = frozenset(
    {
        "keras.datasets.boston_housing.load_data",
        "keras.datasets.california_housing.load_data",
        "sklearn.datasets.fetch_california_housing",
        "sklearn.datasets.load_boston",
        "sklearn.datasets.load_diabetes",
        "sklearn.datasets.load_linnerud",
        "sklearn.datasets.make_regression",
        "sklearn.datasets.make_friedman1",
        "sklearn.datasets.make_friedman2",
        "sklearn.datasets.make_friedman3",
    }
)
#: the Keras loaders of class labels (``apis.CLASS_DATASETS``)
CLASS_DATA_LOADERS = frozenset(f"keras.datasets.{name}.load_data" for name in CLASS_DATASETS)
#: the ones among them with two classes (0/1 labels)
BINARY_CLASS_LOADERS = frozenset({"keras.datasets.imdb.load_data"})
