"""The names training/v3/evaluate.py imports from here; the code is training/v3/report.py.

The feature decoder study (docs/FEATURE_DECODER.md) is retired; its rows ('original', 'fargan',
'shipped') stay in training/runs/featdec/eval. This module remains only until v3/evaluate.py imports
training.v3.report itself.
"""
from training.v3.report import fmt_interval, report

__all__ = ['fmt_interval', 'report']
