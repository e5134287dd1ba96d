"""The synthetic demo registry with a known causal truth (``workbench synth``)."""
