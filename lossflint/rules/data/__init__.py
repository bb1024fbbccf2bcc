"""LF6xx: data and evaluation (preprocessing before the split, unshuffled training
loaders, evaluation in train mode, swapped loss arguments, softmax over the batch)."""
