"""Transfer, multi-task, self-supervised learning, distillation and privileged information
(SPEC section T) — the "partial learning" part of the lecture.

``encoder_of`` and ``TransferClassifier`` (frozen, fine-tuned or from scratch) [T1];
``MultiTaskClassifier`` [T2]; ``RelativePositionPretext`` with ``PatchEncoder`` [T3];
``DistilledClassifier`` and ``soft_cross_entropy`` [T4]; ``PrivilegedClassifier`` [T5];
the experiments ``transfer_curve`` and ``multitask_curves`` [T1, T2]; and the map of
models trained simultaneously and sequentially, ``TRAINING_SCHEMES`` [T6].
"""
from .distill import DistilledClassifier, soft_cross_entropy
from .experiments import TRAINING_SCHEMES, multitask_curves, transfer_curve
from .finetune import TransferClassifier, encoder_of
from .lupi import PrivilegedClassifier
from .multitask import MultiTaskClassifier
from .pretext import PatchEncoder, RelativePositionPretext, extract_patches

__all__ = [
    "encoder_of", "TransferClassifier", "MultiTaskClassifier", "RelativePositionPretext",
    "PatchEncoder", "extract_patches", "DistilledClassifier", "soft_cross_entropy",
    "PrivilegedClassifier", "transfer_curve", "multitask_curves", "TRAINING_SCHEMES",
]
