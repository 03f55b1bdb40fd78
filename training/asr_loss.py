"""What a recogniser hears, as a training loss: the distance between frozen Whisper tiny.en encoder
states (50 Hz, 384-d, training/whisper/encoder.py) of the decoded and of the original audio.

The spectral losses weigh every bin alike; Whisper's encoder weighs what tells words apart. The
loss is 1 - cosine similarity per 20 ms state, averaged: scale-free, so a quieter decode is not
what it punishes. The judge (docs/QUALITY.md) is Whisper base, a different model, so the codec is
not graded by the network it was trained against."""
import os

import torch
import torch.nn.functional as F


class AsrLoss(torch.nn.Module):
    def __init__(self, encoder=None):
        super().__init__()
        from training.whisper.frontend import LogMel

        if encoder is None:
            from training.eval.whisper_models import model_dir
            from training.whisper.encoder import load_ct2_encoder

            encoder = load_ct2_encoder(os.path.join(model_dir('tiny.en'), 'model.bin'))
        self.mel, self.encoder = LogMel(), encoder.eval()
        self.requires_grad_(False)  # frozen: gradients reach the decoder through it, never its weights

    def states(self, audio):
        n = audio.shape[-1] // 320 * 320  # whole 20 ms states
        return self.encoder(self.mel(audio[:, :n]))

    def forward(self, y_hat, y):
        """y_hat, y (B, S) at 16 kHz -> scalar 1 - mean cosine of their encoder states."""
        with torch.no_grad():
            target = self.states(y)
        return 1 - F.cosine_similarity(self.states(y_hat), target, dim=-1).mean()
