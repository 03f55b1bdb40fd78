"""A tiny v3 model with the semantic stream (V3Config.semantic = 'whisper'), random weights, exported by
training/v3/export.py's whole `export` into a models folder: formatVersion 4, asr.onnx beside it. For
training/tests/test_v3.py and the runtime's end-to-end test (test/semantic-model.test.ts), which loads
the folder with the Node runtime. Its audio is noise; what the tests check is the contract.

  OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m training.tests.semantic_model --out DIR [--asr-onnx FILE] [--merge-on whisper]

--merge-on whisper: the model also merges on Whisper's features (V3Config.merge_on; models.json
mergeFeatures "whisper-tiny.en", its encoder.onnx gives `acoustic` alone).

Writes DIR/models/ (models.json, the four ONNX files); models.json's `vocoder` section is the shipped
one, whose files are named as ../vocoder/... (the caller links DIR/vocoder to public/vocoder).
"""
import argparse
import json
import os
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, 'public/models/models.json')


def tiny_semantic_model(seed=0, merge_on='cepstra'):
    """A tiny semantic model whose projection of Whisper's features is not zero, so they move the codes."""
    from training.tests.test_v3 import tiny
    from training.v3 import model as v3

    torch.manual_seed(seed)
    m = v3.CodecV3(tiny(semantic='whisper', merge_on=merge_on)).eval()
    with torch.no_grad():
        m.encoder.semantic_proj.weight.normal_(0, 0.2)
        m.encoder.semantic_proj.bias.normal_(0, 0.2)
    return m


def write_corpus_with_valid(corpus):
    """training/tests/synthetic_corpus.py's corpus, its last utterance moved to 'valid' (the entropy
    report and the tau table read that split)."""
    from training.tests.synthetic_corpus import write_corpus

    rows = write_corpus(corpus, utterances=3)
    rows[-1]['split'] = 'valid'
    with open(os.path.join(corpus, 'manifest.jsonl'), 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')
    return [os.path.join(corpus, r['file']) for r in rows if r['split'] == 'valid']


def vocoder_section():
    with open(SHIPPED) as f:
        return json.load(f)['vocoder']


def export_tiny_semantic_model(out, asr_onnx, seed=0, merge_on='cepstra', work=None, export_merge_on=None):
    """Exports the tiny model (export.py's whole `export`, tables measured on a synthetic corpus; trained
    on `merge_on`, exported cutting `export_merge_on`, by default the same) into out/models. Returns (the model, its manifest, the files the tau table was measured on, which
    outlive the call only where `work`, the folder for the checkpoint and the corpus, is given)."""
    from training.v3 import export, model as v3

    m = tiny_semantic_model(seed, merge_on)
    with tempfile.TemporaryDirectory() as scratch:
        work = work or scratch
        os.makedirs(work, exist_ok=True)
        ckpt = os.path.join(work, 'tiny.pt')
        torch.save({'model': m.state_dict(), 'config': v3.config_dict(m.c), 'step': 1, 'seconds': 1.0}, ckpt)
        calib = write_corpus_with_valid(os.path.join(work, 'corpus'))
        manifest = export.export(ckpt, os.path.join(out, 'models'), calib, os.path.join(work, 'corpus'),
                                 vocoder_section(), per_speaker=40, asr_onnx=asr_onnx,
                                 merge_on=export_merge_on)
    return m, manifest, calib


def main():
    from training.v3.export import ASR_ONNX

    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--out', required=True)
    p.add_argument('--asr-onnx', default=ASR_ONNX)
    p.add_argument('--merge-on', choices=['cepstra', 'whisper'], default='cepstra')
    a = p.parse_args()
    torch.set_num_threads(1)
    np.seterr(all='ignore')
    _, manifest, _ = export_tiny_semantic_model(a.out, a.asr_onnx, merge_on=a.merge_on)
    print(f"exported tiny semantic model {manifest['modelId']} to {a.out}/models")


if __name__ == '__main__':
    main()
