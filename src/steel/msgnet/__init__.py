"""MSG-Net (Zhang & Dana 2017), the paper's feed-forward baseline: the model and its training."""
