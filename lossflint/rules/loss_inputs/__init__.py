"""LF1xx: what is fed to a PyTorch loss (and TensorFlow's ``*_with_logits``)."""
