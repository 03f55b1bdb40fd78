/* DRED's RDO-VAE (libopus 1.6.1) without the rest of DRED, for checking the PyTorch twin
   (training/vocoder/rdovae.py) against the C: the encoder run on given LPCNet features, the decoder
   run on given latents and state, and a DRED payload's range-decoded (dequantised) state and
   latents, the numbers opus_dred_process hands the decoder. Native build only; weights come from a
   weights blob (build/vocoder/libopus-dred.bin), so the blob the Python side loads is the one
   checked here. Additive exports: the ABI of vocoder_glue.c and dred_codec.c is unchanged. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include "nnet.h"
#include "os_support.h"
#include "dred_rdovae_enc.h"
#include "dred_rdovae_dec.h"
#include "dred_rdovae_stats_data.h"
#include "dred_decoder.h"
#include "cpu_support.h"

#define FXR_EXPORT __attribute__((visibility("default"), used))

/* Feature frames (10 ms) per encoder step: the encoder takes two at a time (20 ms). */
#define FXR_FRAMES_PER_DFRAME 2
/* Feature frames one decoder step gives (40 ms). */
#define FXR_FRAMES_PER_LATENT 4
/* Decoder input per step: the latent and the quantiser-level input, level / 8 - 1. */
#define FXR_DECODER_INPUT (DRED_LATENT_DIM + 1)

#define FXR_BAD_BLOB -1
#define FXR_BAD_ARG -2
#define FXR_TRUNCATED -3

FXR_EXPORT int fxr_latent_dim(void) { return DRED_LATENT_DIM; }
FXR_EXPORT int fxr_state_dim(void) { return DRED_STATE_DIM; }
FXR_EXPORT int fxr_quant_levels(void) { return DRED_NUM_QUANTIZATION_LEVELS; }

/* Encoder from a zero state over `dframes` steps: features[2 * dframes][20] (oldest first) ➜ per
   step the unquantised latent latents[dframes][25] and decoder state states[dframes][50], as
   dred_process_frame computes them before any quantisation. */
FXR_EXPORT int fxr_encode(const void *blob, int len, const float *features, int dframes, float *latents, float *states) {
  WeightArray *list;
  RDOVAEEnc model;
  RDOVAEEncState *st;
  int arch = opus_select_arch();
  int i, bad;
  if (dframes < 1) return FXR_BAD_ARG;
  parse_weights(&list, blob, len);
  bad = list == NULL || init_rdovaeenc(&model, list) != 0;
  if (bad) {
    opus_free(list);
    return FXR_BAD_BLOB;
  }
  st = (RDOVAEEncState *)calloc(1, sizeof(*st)); /* zero GRU and conv states, as dred_encoder_reset */
  if (!st) {
    opus_free(list);
    return FXR_BAD_ARG;
  }
  for (i = 0; i < dframes; i++) {
    dred_rdovae_encode_dframe(st, &model, &latents[i * DRED_LATENT_DIM], &states[i * DRED_STATE_DIM],
                              &features[i * FXR_FRAMES_PER_DFRAME * DRED_NUM_FEATURES], arch);
  }
  free(st);
  opus_free(list);
  return 0;
}

/* Decoder as opus_dred_process runs it: from `state`[50] over inputs[n][26] (each a latent and its
   level input, newest first) ➜ features[4 n][20], newest frame first. */
FXR_EXPORT int fxr_decode(const void *blob, int len, const float *state, const float *inputs, int n, float *features) {
  WeightArray *list;
  RDOVAEDec model;
  int bad;
  if (n < 1) return FXR_BAD_ARG;
  parse_weights(&list, blob, len);
  bad = list == NULL || init_rdovaedec(&model, list) != 0;
  if (!bad) DRED_rdovae_decode_all(&model, features, state, inputs, n, opus_select_arch());
  opus_free(list);
  return bad ? FXR_BAD_BLOB : 0;
}

/* A DRED payload (as dred_codec.c's fxd_encoder_payload writes it) of `latents` latents ➜ its
   dequantised state[50] and decoder inputs[latents][26], newest first, exactly what
   fxd_decoder_payload feeds the decoder. */
FXR_EXPORT int fxr_payload_inputs(const unsigned char *bytes, int n, int latents, float *state, float *inputs) {
  OpusDRED *dred;
  unsigned char *padded;
  int got;
  if (latents < 1 || latents > DRED_NUM_REDUNDANCY_FRAMES / 2 || n < 1 || n > DRED_MAX_DATA_SIZE) return FXR_BAD_ARG;
  dred = (OpusDRED *)calloc(1, sizeof(*dred));
  padded = (unsigned char *)calloc((size_t)n + 1, 1);
  memcpy(padded, bytes, (size_t)n); /* the zero byte after it: as fxd_decoder_payload reads it */
  got = dred_ec_decode(dred, padded, n + 1, FXR_FRAMES_PER_LATENT * latents, 0);
  if (got == latents) {
    memcpy(state, dred->state, DRED_STATE_DIM * sizeof(float));
    memcpy(inputs, dred->latents, (size_t)latents * FXR_DECODER_INPUT * sizeof(float));
  }
  free(padded);
  free(dred);
  return got == latents ? 0 : FXR_TRUNCATED;
}

/* DRED's quantiser step tables (Q8, per level 0..15 and dimension): a latent x is coded as the
   integer nearest x * scale / 256 after a dead zone and decoded as q * 256 / scale. */
FXR_EXPORT void fxr_quant_scales(unsigned char *latent_scales, unsigned char *latent_dead_zones, unsigned char *state_scales) {
  memcpy(latent_scales, dred_latent_quant_scales_q8, sizeof(dred_latent_quant_scales_q8));
  memcpy(latent_dead_zones, dred_latent_dead_zone_q8, sizeof(dred_latent_dead_zone_q8));
  memcpy(state_scales, dred_state_quant_scales_q8, sizeof(dred_state_quant_scales_q8));
}
