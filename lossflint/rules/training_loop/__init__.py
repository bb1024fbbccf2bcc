"""LF3xx: the training loop and optimisation (order of events, AMP, modes, init)."""
