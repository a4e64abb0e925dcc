"""Training of the judgment model: mine candidates with the engine, fit, export, fit the abstention."""
