"""What readers see: disclosure control, translations (nl/en), tables, figures, appendices, publication.

Uses the study; knows nothing of how runs are scheduled.
"""
