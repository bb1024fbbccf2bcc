"""LF205 examples of audit s124 (Kaggle solutions): a target assigner whose
name is an acronym and a word (mmdet's ``ATSSAssigner``, vendored in a
HubMap solution) assigns targets, no gradient; the same distance in a loss
class does take one. Keras 2's backend re-exported as ``keras.layers.K``
(Avito's RMSE losses, ``from keras.layers import K`` and ``ks.layers.K``) is
the backend."""

from __future__ import annotations

from lossflint.examples import Invalid

_CENTRES = """
import torch


class {name}:
    def __init__(self, topk=9):
        self.topk = topk

    def {method}(self, bboxes, gt_bboxes):
        gt_points = (gt_bboxes[:, :2] + gt_bboxes[:, 2:]) / 2.0
        points = (bboxes[:, :2] + bboxes[:, 2:]) / 2.0
        distances = (points[:, None, :] - gt_points[None, :, :]).pow(2).sum(-1).sqrt(){marker}
        return distances.topk(self.topk, dim=0, largest=False)
"""

AUDIT_S124_INVALID = [
    Invalid(
        _CENTRES.format(name="CentreDistanceLoss", method="forward", marker="  # error: LF205")
    ),
    Invalid(
        """
        from keras.layers import K

        def root_mean_squared_error(y_true, y_pred):
            return K.sqrt(K.mean(K.square(y_pred - y_true)))  # error: LF205

        model.compile(optimizer="adam", loss=root_mean_squared_error)
        """
    ),
    Invalid(
        """
        import keras as ks

        def root_mean_squared_error(y_true, y_pred):
            return ks.layers.K.sqrt(ks.layers.K.mean(ks.layers.K.square(y_pred - y_true)))  # error: LF205

        model.compile(optimizer="adam", loss=root_mean_squared_error)
        """
    ),
]

AUDIT_S124_VALID = [
    # anchors picked for their targets: no gradient reaches the distances
    _CENTRES.format(name="ATSSAssigner", method="assign", marker=""),
]
