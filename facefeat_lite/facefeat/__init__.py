"""FaceFeat-GAN (Shen et al. 2018): feature extractors (§3.1, :mod:`.extractors`)."""
from .extractors import (GEN_NORM, ID_TRAIN_NORM, GeneralExtractor, IdentityExtractor, ImageGenerator,
                         PoseExpressionExtractor, arcface_logits, as_model_images, e2_reconstruction_loss,
                         freeze, inverse_variance_weights, normalized_softmax_logits, reconstruct,
                         renormalize, weighted_squared_error)

__all__ = ["IdentityExtractor", "PoseExpressionExtractor", "GeneralExtractor", "ImageGenerator",
           "renormalize", "as_model_images", "freeze", "normalized_softmax_logits", "arcface_logits",
           "weighted_squared_error", "inverse_variance_weights", "reconstruct", "e2_reconstruction_loss",
           "ID_TRAIN_NORM", "GEN_NORM"]
