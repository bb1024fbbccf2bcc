"""Rule families, one package each (``<family>/lfNNN_<slug>.py``: one rule per module);
the registry discovers every Rule subclass below this package."""
