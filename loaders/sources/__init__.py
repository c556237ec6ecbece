"""Source adapters: one module per kind of source, all of the same shape (see loaders.registry)."""
