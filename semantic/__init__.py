"""The semantic layer: metrics by name (semantic/layer.py), make kpis (semantic/cli.py)."""
