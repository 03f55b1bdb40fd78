"""Evaluation toolkit: STOI, spectral distances, delay removal, pocketsphinx WER, codec baselines, quality report."""
