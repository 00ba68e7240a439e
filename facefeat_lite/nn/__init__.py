"""Network building blocks shared by the notebooks: ResNet backbones and BEGAN's auto-encoder."""
from .began import BeganDecoder, BeganEncoder, began_levels
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet50

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet50",
           "BeganEncoder", "BeganDecoder", "began_levels"]
