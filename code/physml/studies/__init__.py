"""The book's experiments: one module per chapter, each a set of *studies*.

A study is a function of one settings object (``physml.experiment.Settings``) whose
defaults are the book's run; the chapter page builds the settings in view and calls the
study, and the chapter's reference checks (``physml/checks/<chapter>.py``) read the same
cached run. See ``physml.experiment``.
"""
