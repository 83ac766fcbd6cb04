"""What the analysed code means: the per-file semantic model (scopes, bindings, names, types)."""
