/* FlexiCodec's C entry points into libopus 1.6.1's neural vocoder stack, the one ABI that both
   the WebAssembly module (browser worker, Node) and the native shared library (Python training
   and evaluation, through ctypes) export, so the two builds are compared function by function.

   - Analysis: 16 kHz speech, 10 ms (160-sample) frames in, the 20 LPCNet features FARGAN reads
     (18 Bark cepstra, pitch period code, pitch correlation) out; PitchDNN estimates the pitch.
   - FARGAN: those features in, 160 samples of 16 kHz speech out per frame, after a warm-up on
     five frames of features (fxv_fargan_start), as libopus's own fargan_demo does.
   Samples are floats with full scale 1.0; weights come from a libopus weights blob (pitchdnn
   and fargan records), checked by the caller's sha256 before it gets here. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include "lpcnet.h"
#include "lpcnet_private.h"
#include "fargan.h"
#include "cpu_support.h"

#define FXV_EXPORT __attribute__((visibility("default"), used))

/* Bumped whenever a signature or a buffer layout below changes; the TS and Python loaders refuse
   a module whose version they do not know. */
#define FXV_ABI_VERSION 1
/* Input samples are scaled to 16-bit full scale, the scale libopus's analysis was trained on. */
#define FXV_PCM_SCALE 32768.f

FXV_EXPORT int fxv_abi_version(void) { return FXV_ABI_VERSION; }
FXV_EXPORT int fxv_frame_samples(void) { return LPCNET_FRAME_SIZE; }
FXV_EXPORT int fxv_feature_count(void) { return NB_FEATURES; }

FXV_EXPORT void *fxv_alloc(int bytes) { return bytes > 0 ? malloc((size_t)bytes) : NULL; }
FXV_EXPORT void fxv_free(void *p) { free(p); }

/* Analysis state, or NULL where the blob lacks PitchDNN's weights. */
FXV_EXPORT void *fxv_analysis_new(const void *blob, int len) {
  LPCNetEncState *st = (LPCNetEncState *)calloc(1, sizeof(LPCNetEncState));
  if (!st) return NULL;
  lpcnet_encoder_init(st);
  if (lpcnet_encoder_load_model(st, blob, len) != 0) {
    free(st);
    return NULL;
  }
  return st;
}

/* One 10 ms frame: pcm[160] in [-1, 1] ➜ features[20]. Frames must be fed in order. */
FXV_EXPORT void fxv_analysis_frame(void *st, const float *pcm, float *features) {
  float x[LPCNET_FRAME_SIZE];
  float all[NB_TOTAL_FEATURES];
  int i;
  for (i = 0; i < LPCNET_FRAME_SIZE; i++) x[i] = pcm[i] * FXV_PCM_SCALE;
  lpcnet_compute_single_frame_features_float((LPCNetEncState *)st, x, all, opus_select_arch());
  memcpy(features, all, NB_FEATURES * sizeof(float));
}

FXV_EXPORT void fxv_analysis_free(void *st) { free(st); }

/* FARGAN state, or NULL where the blob lacks FARGAN's weights. */
FXV_EXPORT void *fxv_fargan_new(const void *blob, int len) {
  FARGANState *st = (FARGANState *)calloc(1, sizeof(FARGANState));
  if (!st) return NULL;
  fargan_init(st);
  if (fargan_load_model(st, blob, len) != 0) {
    free(st);
    return NULL;
  }
  return st;
}

/* Warm-up before the first frame: five frames of conditioning features (the first frame's,
   repeated, as fargan_demo does) over 320 samples of silence. */
FXV_EXPORT void fxv_fargan_start(void *st, const float *first_features) {
  float features[5 * NB_FEATURES];
  float zeros[FARGAN_CONT_SAMPLES] = {0};
  int i;
  for (i = 0; i < 5; i++) memcpy(&features[i * NB_FEATURES], first_features, NB_FEATURES * sizeof(float));
  fargan_cont((FARGANState *)st, zeros, features);
}

/* One 10 ms frame: features[20] ➜ pcm[160] in [-1, 1]. */
FXV_EXPORT void fxv_fargan_frame(void *st, const float *features, float *pcm) {
  fargan_synthesize((FARGANState *)st, pcm, features);
}

FXV_EXPORT void fxv_fargan_free(void *st) { free(st); }
