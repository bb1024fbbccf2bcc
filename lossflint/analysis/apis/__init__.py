"""The framework catalogue: every framework name the analysis knows.

One module per framework family (``torch``, ``keras`` for Keras and TensorFlow,
``numpy`` for NumPy and scikit-learn, ``ecosystem`` for Lightning, Accelerate and
transformers). Rules and analyses read these tables through this package
(``from lossflint.analysis import apis``; ``apis.SOFTMAX``), so a name can move
between the framework modules without touching its readers.
"""

from lossflint.analysis.apis._from_keras import *  # noqa: F403

# Tables moved out of the rule modules while the layout changes (merged into the
# framework modules afterwards).
from lossflint.analysis.apis._from_loss_inputs import *  # noqa: F403
from lossflint.analysis.apis._from_numerics import *  # noqa: F403
from lossflint.analysis.apis._from_training_loop import *  # noqa: F403
from lossflint.analysis.apis.core import *  # noqa: F403
from lossflint.analysis.apis.core import Kind, framework_of, functional_loss_name, short_loss

__all__ = ["Kind", "framework_of", "functional_loss_name", "short_loss"]
