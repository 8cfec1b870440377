"""Fact extractors: turn sources, config folders and live models into `ModelUse` records.

Each extractor knows one kind of input and nothing about rules; `attnlint.evaluate` judges what they
find. Importing this package never imports torch or transformers.
"""
