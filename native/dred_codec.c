/* Opus DRED (libopus 1.6.1's Deep REDundancy) run as a stand-alone speech codec, for the quality
   report's neural peer (training/vocoder/dred.py wraps it in a container of 1-second packets).

   In Opus, DRED rides in each packet's extension as a redundant copy of the last second of speech:
   LPCNet features (20 per 10 ms) go through the RDO-VAE encoder, which gives a 25-dim latent and a
   50-dim decoder state every 20 ms; a DRED payload range-codes one state (the newest) and every
   second latent going back in time, each latent standing for 40 ms (4 feature frames). Here each
   payload covers one second that no other payload covers: the encoder is fed the audio 20 ms at a
   time, and after each second (or at the end) one payload codes the state of its last 20 ms and the
   latents of its 25 (or fewer) 40 ms blocks. The decoder range-decodes a payload (dred_ec_decode)
   and runs the RDO-VAE decoder (opus_dred_process) from that state backwards over the latents,
   giving the second's LPCNet features; FARGAN (vocoder_glue.c) turns them into speech.

   Every payload is libopus's DRED bitstream unchanged, its header included (q0, dQ, qmax and
   a 6-bit position field that a stand-alone stream does not need). Weights: the ones compiled into
   libopus (this file is only in the native build, not in the WebAssembly one). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "opus.h"
#include "dred_encoder.h"
#include "dred_decoder.h"
#include "dred_coding.h"
#include "celt/entdec.h"
#include "cpu_support.h"

#define FXD_EXPORT __attribute__((visibility("default"), used))

/* Samples fed to the encoder per call: one DRED frame (20 ms at 16 kHz), one RDO-VAE step. */
#define FXD_DFRAME_SAMPLES DRED_DFRAME_SIZE
/* Feature frames (10 ms) one coded latent stands for. */
#define FXD_FRAMES_PER_LATENT 4
/* Most latents in one payload: one second of 40 ms blocks (dred_ec_decode reads up to 26). */
#define FXD_MAX_LATENTS 25
/* Largest payload accepted by either side: DRED's own cap (DRED_MAX_DATA_SIZE, 1000 bytes). */
#define FXD_MAX_PAYLOAD_BYTES DRED_MAX_DATA_SIZE
/* Value of DREDEnc.dred_offset that makes the payload's position field 0 (16 - dred_offset). */
#define FXD_STANDALONE_DRED_OFFSET 16

/* Errors (negative returns). */
#define FXD_BAD_ARG -1
#define FXD_NOT_ENOUGH_AUDIO -2
#define FXD_TOO_BIG -3
#define FXD_TRUNCATED -4
#define FXD_NOT_FINITE -5
#define FXD_ALLOC -6

FXD_EXPORT int fxd_dframe_samples(void) { return FXD_DFRAME_SAMPLES; }
FXD_EXPORT int fxd_max_latents(void) { return FXD_MAX_LATENTS; }
FXD_EXPORT int fxd_max_payload_bytes(void) { return FXD_MAX_PAYLOAD_BYTES; }

/* ---- encoder ---- */

typedef struct {
  DREDEnc dred;
  int dframes; /* 20 ms frames fed since the last payload */
  int arch;
} FxdEncoder;

/* An encoder at 16 kHz mono, or NULL when libopus has no DRED weights compiled in. */
FXD_EXPORT void *fxd_encoder_new(void) {
  FxdEncoder *st = (FxdEncoder *)calloc(1, sizeof(FxdEncoder));
  if (!st) return NULL;
  dred_encoder_init(&st->dred, 16000, 1);
  if (!st->dred.loaded) {
    free(st);
    return NULL;
  }
  /* Opus starts DRED's input 11 samples late to line up with SILK's delay; a stand-alone stream
     starts at sample 0, so that DRED frame k is input samples [320k, 320k + 320). */
  st->dred.input_buffer_fill = 0;
  st->arch = opus_select_arch();
  return st;
}

/* One 20 ms frame: pcm[320] at 16 kHz in [-1, 1]. Updates the LPCNet features and the latents. */
FXD_EXPORT void fxd_encoder_push(void *handle, const float *pcm) {
  FxdEncoder *st = (FxdEncoder *)handle;
  dred_compute_latents(&st->dred, pcm, FXD_DFRAME_SAMPLES, 0, st->arch);
  st->dframes++;
}

/* The payload of the last 2*latents frames pushed (the newest state, then `latents` latents,
   newest first, each coded at compute_quantizer(q0, dQ, qmax, i)). Returns its length in bytes,
   FXD_NOT_ENOUGH_AUDIO when fewer than 2*latents frames were pushed since the last payload,
   FXD_TOO_BIG when it does not fit max_bytes, FXD_BAD_ARG for settings DRED does not allow. */
FXD_EXPORT int fxd_encoder_payload(void *handle, int latents, int q0, int dQ, int qmax, unsigned char *out, int max_bytes) {
  FxdEncoder *st = (FxdEncoder *)handle;
  /* dred_encode_silk_frame reads 16 activity flags (2.5 ms each) per 20 ms frame: all speech,
     so that no 40 ms block of the second is dropped as silence. */
  unsigned char activity[8 * 2 * FXD_MAX_LATENTS + 16];
  int bytes;
  if (latents < 1 || latents > FXD_MAX_LATENTS || q0 < 0 || q0 > 15 || dQ < 0 || dQ > 7 || qmax < q0 || qmax > 15) return FXD_BAD_ARG;
  if (dQ > 0 && q0 < 14 && qmax == q0) return FXD_BAD_ARG; /* DRED codes qmax > q0 whenever dQ > 0 */
  if (max_bytes < 1 || max_bytes > FXD_MAX_PAYLOAD_BYTES) return FXD_BAD_ARG;
  if (st->dframes < 2 * latents) return FXD_NOT_ENOUGH_AUDIO;
  memset(activity, 1, sizeof(activity));
  st->dred.latent_offset = 0;
  st->dred.dred_offset = FXD_STANDALONE_DRED_OFFSET;
  st->dred.last_extra_dred_offset = 0;
  /* dred_encode_silk_frame codes latents while i < latents_buffer_fill - 1 (i = 0, 2, ...). */
  if (st->dred.latents_buffer_fill < 2 * latents) return FXD_NOT_ENOUGH_AUDIO;
  bytes = dred_encode_silk_frame(&st->dred, out, latents, max_bytes, q0, dQ, qmax, activity, st->arch);
  if (bytes <= 0) return FXD_TOO_BIG;
  st->dframes = 0;
  return bytes;
}

FXD_EXPORT void fxd_encoder_free(void *handle) { free(handle); }

/* ---- decoder ---- */

typedef struct {
  OpusDREDDecoder *model;
  OpusDRED dred;
} FxdDecoder;

/* A decoder, or NULL when libopus has no DRED weights compiled in. */
FXD_EXPORT void *fxd_decoder_new(void) {
  int err;
  FxdDecoder *st = (FxdDecoder *)calloc(1, sizeof(FxdDecoder));
  if (!st) return NULL;
  st->model = opus_dred_decoder_create(&err);
  if (!st->model || err != OPUS_OK) {
    free(st);
    return NULL;
  }
  return st;
}

/* One payload of `latents` latents ➜ features[4 * latents][20], oldest frame first, and the
   payload's quantiser quantizers[3] = {q0, dQ, the coarsest level any of its latents used}. Returns 0, FXD_TRUNCATED when the
   payload holds fewer latents, FXD_NOT_FINITE when the decoder's output is not finite. Payloads
   are independent: the RDO-VAE decoder starts again from each payload's state. */
FXD_EXPORT int fxd_decoder_payload(void *handle, const unsigned char *bytes, int n, int latents, float *features, int *quantizers) {
  FxdDecoder *st = (FxdDecoder *)handle;
  unsigned char padded[FXD_MAX_PAYLOAD_BYTES + 1];
  ec_dec ec;
  int frames = FXD_FRAMES_PER_LATENT * latents;
  int got, f, i;
  if (latents < 1 || latents > FXD_MAX_LATENTS) return FXD_BAD_ARG;
  if (n < 1 || n > FXD_MAX_PAYLOAD_BYTES) return FXD_TOO_BIG;
  /* The range coder reads zeros past a payload's end; one explicit zero byte keeps
     dred_ec_decode from stopping before a last latent that took under 8 bits (its FIXME). */
  memcpy(padded, bytes, (size_t)n);
  padded[n] = 0;
  /* DRED's header, read again for the caller: q0 (uniform over 16), then dQ (over 8). */
  ec_dec_init(&ec, padded, (opus_uint32)n + 1);
  quantizers[0] = (int)ec_dec_uint(&ec, 16);
  quantizers[1] = (int)ec_dec_uint(&ec, 8);
  got = dred_ec_decode(&st->dred, padded, n + 1, frames, 0);
  if (got != latents) return FXD_TRUNCATED;
  /* dred_ec_decode stores each latent's level as level / 8 - 1 after its 25 values. */
  quantizers[2] = quantizers[0];
  for (i = 0; i < latents; i++) {
    int level = (int)lrintf((st->dred.latents[i * (DRED_LATENT_DIM + 1) + DRED_LATENT_DIM] + 1.f) * 8.f);
    if (level > quantizers[2]) quantizers[2] = level;
  }
  if (opus_dred_process(st->model, &st->dred, &st->dred) != OPUS_OK) return FXD_BAD_ARG;
  /* fec_features are newest first. */
  for (f = 0; f < frames; f++) {
    const float *src = &st->dred.fec_features[f * DRED_NUM_FEATURES];
    float *dst = &features[(frames - 1 - f) * DRED_NUM_FEATURES];
    for (i = 0; i < DRED_NUM_FEATURES; i++) {
      if (!isfinite(src[i])) return FXD_NOT_FINITE;
      dst[i] = src[i];
    }
  }
  return 0;
}

FXD_EXPORT void fxd_decoder_free(void *handle) {
  FxdDecoder *st = (FxdDecoder *)handle;
  if (!st) return;
  opus_dred_decoder_destroy(st->model);
  free(st);
}
