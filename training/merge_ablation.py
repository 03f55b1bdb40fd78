"""Which features should drive the merge? Decodes held-out English with one checkpoint at one average
rate, merging on each candidate feature, and reports STOI, PESQ and the judge's (Whisper base) WER
(the pooled means and the decoder are the model's own in every case, so only where the boundaries
fall differs). Candidates include Whisper tiny.en's 12.5 Hz features (training/whisper/), the
paper's choice, merged on without retraining.

  .venv/bin/python -m training.merge_ablation --ckpt CKPT --files 16 --rate 6.25
"""
import argparse
import json

import numpy as np
import torch

from training.curve import Judges, asr_features, decode_at_rate
from training.eval import heldout
from training.eval.audio import read_wav_at
from training.eval.score import score_pair
from training.eval.whisper_judge import whisper_wer
from training.checkpoint import load_codec

# The candidate that needs the audio itself (the Whisper encoder runs on it, not on the codec's mel).
WHISPER = 'Whisper tiny.en (position-centred)'



def candidates(m):
    """name -> merge_features(mel, merge stream) -> (T, D) numpy, or None for fixed-length segments."""
    def frames(mel):
        return m.frame_log_mel(mel)[0].numpy()

    centre = m.mel_centre.numpy()
    out = {
        'model merge stream': lambda mel, merge: merge[0].numpy(),
        'phone embedding': lambda mel, merge: m.semantic(mel)[0].numpy(),
        'log-mel, utterance-centred': lambda mel, merge: frames(mel) - frames(mel).mean(0),
        'log-mel, frame level removed': lambda mel, merge: frames(mel) - frames(mel).mean(1, keepdims=True),
        'fixed rate': None,
    }
    if centre.any():
        out['log-mel, corpus-centred'] = lambda mel, merge: frames(mel) - centre
    out[WHISPER] = 'audio'
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ckpt', required=True)
    p.add_argument('--files', type=int, default=16)
    p.add_argument('--rate', type=float, default=6.25)
    a = p.parse_args()
    torch.set_num_threads(2)
    m, ck = load_codec(a.ckpt)
    items = heldout.select_items(heldout.load_manifest(heldout.heldout_manifest_path()), a.files)
    judges = Judges()
    result = {'ckpt': a.ckpt, 'step': int(ck.get('step', 0)), 'merge_on': m.c.merge_on, 'rate_hz': a.rate,
              'files': len(items), 'stoi': {}, 'pesq': {}, 'whisper_wer': {}}
    for name, feats in candidates(m).items():
        scores, hyps = [], []
        for it in items:
            x = read_wav_at(it.wav, 16000).astype(np.float32)
            if feats == 'audio':
                whisper = asr_features(x[: len(x) // 1280 * 1280])
                feats_of = lambda mel, merge, f=whisper: f  # noqa: E731
            else:
                feats_of = feats
            y = decode_at_rate(m, x, a.rate, feats_of, fixed_rate=feats is None)
            scores.append(score_pair(x[: len(y)], y, 16000, standard=True))
            hyps.append(judges.whisper.transcribe(y))
        judges.save()
        result['stoi'][name] = round(float(np.nanmean([r['stoi'] for r in scores])), 4)
        result['pesq'][name] = round(float(np.nanmean([r['pesq'] for r in scores])), 3)
        result['whisper_wer'][name] = round(whisper_wer([i.text for i in items], hyps), 1)
        print(f'{name:36s} STOI {result["stoi"][name]:.4f}  PESQ {result["pesq"][name]:.3f}  '
              f'Whisper WER {result["whisper_wer"][name]:.1f} %', flush=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
