"""FaceFeat-GAN (Shen et al. 2018).

§3.1 feature extractors: the models and Eqs. 5/7/8 (:mod:`.extractors`), their training recipes
with load-or-train (:mod:`.training`), the data split between them (:mod:`.extractor_data`),
and the independent judge used by metrics only (:mod:`.judge`; :mod:`.dlib_judge` for real photos).
"""
from .extractors import (GEN_NORM, ID_TRAIN_NORM, GeneralExtractor, IdentityExtractor, ImageGenerator,
                         PoseExpressionExtractor, arcface_logits, e2_reconstruction_loss, e2_view_loss,
                         freeze, inverse_variance_weights, normalized_softmax_logits, reconstruct,
                         renormalize, weighted_squared_error)

__all__ = ["IdentityExtractor", "PoseExpressionExtractor", "GeneralExtractor", "ImageGenerator",
           "renormalize", "freeze", "normalized_softmax_logits", "arcface_logits",
           "weighted_squared_error", "inverse_variance_weights", "reconstruct", "e2_reconstruction_loss",
           "e2_view_loss", "ID_TRAIN_NORM", "GEN_NORM"]
