"""The names training/v3/model.py and export.py import from here; the code is training/v3/decoder.py.

The feature decoder study (docs/FEATURE_DECODER.md) is retired. This module remains only until those
two files import training.v3.decoder themselves, then it and training/featdec/ go.
"""
from training.v3.decoder import CEPSTRA, CORRELATION, FEATURES, PITCH, FeatureDecoder
from training.v3.decoder import DecoderConfig as FeatDecConfig

__all__ = ['CEPSTRA', 'CORRELATION', 'FEATURES', 'PITCH', 'FeatDecConfig', 'FeatureDecoder']
