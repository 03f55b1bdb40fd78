"""Do classic postfilters (training.eval.postfilters) make the decoded words clearer?

Decodes held-out files with an earlier-family checkpoint (PyTorch, training.curve), then scores the decoded
audio as it is and after each postfilter: Whisper WER (the judge), STOI, PESQ, log-mel distance and
the 1.5-4 kHz periodicity ratio. The comb filter is driven by the F0 track the bitstream carries.

  .venv/bin/python -m training.eval.postfilter_study --ckpt training/checkpoints/flexicodec-pitch-fp16.pt --files 30
"""
import argparse
import json

import numpy as np
import torch

from training.curve import Judges, decode_at_rate
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.eval.postfilters import comb_postfilter, formant_postfilter
from training.eval.score import score_pair
from training.eval.whisper_judge import wer_without_runaways, whisper_wer
from training.checkpoint import load_codec
from training.pitch.inputs import pitch_inputs
from training.pitch import code as pitch_code
from training.pitch import track as pitch_track

VARIANTS = {
    'none': lambda y, f0: y,
    'formant': lambda y, f0: formant_postfilter(y),
    'comb': comb_postfilter,
    'formant+comb': lambda y, f0: comb_postfilter(formant_postfilter(y), f0),
}


def coded_f0(x, rate):
    """The 10 ms F0 track a .fxc file at `rate` Hz rebuilds (what the decoder's harmonics follow)."""
    stride = pitch_code.pitch_stride(round(rate * 100))
    return pitch_inputs(pitch_track.track(x)[None], pitch_stride=stride)['f0_frames'][0].numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--files', type=int, default=30)
    p.add_argument('--rates', type=float, nargs='+', default=[12.5, 6.25])
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    model, _ = load_codec(a.ckpt)
    judges = Judges()
    for rate in a.rates:
        decoded = []
        for it in items:
            x = read_wav_at(it.wav, 16000).astype(np.float32)
            y = decode_at_rate(model, x, rate)
            decoded.append((x[: len(y)], y, coded_f0(x[: len(y)], rate), it.text))
        refs = [d[3] for d in decoded]
        for name, postfilter in VARIANTS.items():
            rows, hyps = [], []
            for x, y, f0, _ in decoded:
                z = postfilter(y, f0)
                rows.append(score_pair(x, z, 16000, standard=True))
                hyps.append(judges.whisper.transcribe(z))
            mean = lambda key: round(float(np.nanmean([r[key] for r in rows])), 4)
            print(json.dumps({'rate_hz': rate, 'postfilter': name, 'whisper_wer': round(whisper_wer(refs, hyps), 1),
                              'whisper_wer_steady': round(wer_without_runaways(refs, hyps) or float('nan'), 1),
                              'stoi': mean('stoi'), 'pesq': mean('pesq'), 'log_mel': mean('log_mel'),
                              'periodicity_high': mean('periodicity_high')}), flush=True)
        judges.save()


if __name__ == '__main__':
    main()
