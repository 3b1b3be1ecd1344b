"""The style transfer itself: VGG16's layers and weights, the features, the losses and the
optimiser. ``layers`` is torch-free (planning names cells with it); the rest needs torch.
"""
