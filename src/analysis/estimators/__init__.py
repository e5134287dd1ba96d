"""Generic estimators, each checked against R: Kaplan–Meier, Aalen–Johansen, Cox, logistic.

Nothing in here knows about youth care; it uses only the shared small modules of the package.
"""
