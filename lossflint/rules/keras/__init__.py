"""LF4xx: Keras / TensorFlow models, losses and data.

The rules read the facts of :mod:`lossflint.analysis.keras` (models and their
output heads, losses, labels, ``fit`` calls, TF cross-entropy calls); what they
share is in ``common`` and their rewrites in ``fixes``.
"""
