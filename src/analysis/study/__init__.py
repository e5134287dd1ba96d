"""The protocol: cohort, emulated trial, bootstrap, verdict, data-quality descriptives, results.

Uses the estimators and the registry; knows nothing of reports or runs.
"""
