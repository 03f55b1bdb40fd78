#!/usr/bin/env bash
# Builds libopus 1.6.1's neural vocoder stack from the crates.io release tree (native/opus-source.sh):
#   build/opus-native/      libopus (configure --enable-dred --enable-osce --enable-deep-plc), its
#                           fargan_demo, dump_data, dump_weights_blob
#   build/vocoder/libfxvocoder.so   native/vocoder_glue.c + native/dred_codec.c for Python (ctypes)
#   public/vocoder/libopus-vocoder.bin  the weights blob the runtime loads (PitchDNN + FARGAN records),
#                           checked against the sha256 pinned below
#   build/vocoder/libopus-dred.bin  DRED's RDO-VAE encoder + decoder records (training/vocoder/rdovae.py),
#                           checked against the sha256 pinned below
#   public/vocoder/fxvocoder.wasm       native/vocoder_glue.c for the browser worker and Node
#                           (WASM SIMD), and fxvocoder-scalar.wasm for engines without SIMD
# Skips each step whose output is newer than its inputs. Needs build-essential and emscripten.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
src="$(bash native/opus-source.sh)"
jobs="$(nproc)"

# sha256 of the PitchDNN + FARGAN records of libopus 1.6.1's weights blob (the bytes of the crate
# opus1 0.3.0's pitchdnn.bin followed by its fargan.bin, which list the 1.6.1 release's data files).
VOCODER_BLOB_SHA256=18d20f5942319e4fef81dd556393022ac543ed9f8da254b6cd6899c1f66f8fb4
# sha256 of the RDO-VAE encoder + decoder records of the same blob (dump_weights_blob's output).
DRED_BLOB_SHA256=0daf1421fff42f0584ae249d8584ded42d98ef6616741c31748a901e027addab

native="$root/build/opus-native"
if [ ! -x "$native/fargan_demo" ] || [ ! -f "$native/.libs/libopus.a" ]; then
  mkdir -p "$native"
  (cd "$native" && "$src/configure" -q --enable-dred --enable-osce --enable-deep-plc --with-pic \
    --disable-shared --disable-doc && make -s -j"$jobs" libopus.la fargan_demo dump_data dump_weights_blob) >&2
fi

# Native shared library for Python: our glue linked against libopus's objects.
mkdir -p build/vocoder
lib=build/vocoder/libfxvocoder.so
if [ ! -f "$lib" ] || [ -n "$(find native -name '*.c' -newer "$lib")" ]; then
  gcc -O2 -shared -fPIC -DHAVE_CONFIG_H -I"$native" -I"$src/include" -I"$src/celt" -I"$src/silk" \
    -I"$src/dnn" -I"$src" native/*.c "$native/.libs/libopus.a" -lm -o "$lib"
fi

# The runtime's weights blob: the PitchDNN and FARGAN records of dump_weights_blob's output.
mkdir -p public/vocoder
blob=public/vocoder/libopus-vocoder.bin
if [ ! -f "$blob" ]; then
  (cd build/opus-native && ./dump_weights_blob)
  /usr/bin/python3 native/split_blob.py "$src/dnn" build/opus-native/weights_blob.bin "$blob" pitchdnn fargan
fi
echo "$VOCODER_BLOB_SHA256  $blob" | sha256sum -c --quiet - ||
  { echo "native/build.sh: $blob does not have the pinned sha256" >&2; rm -f "$blob"; exit 1; }

# PyTorch's DRED RDO-VAE weights: the encoder and decoder records of the same blob (not shipped).
dred_blob=build/vocoder/libopus-dred.bin
if [ ! -f "$dred_blob" ]; then
  [ -f build/opus-native/weights_blob.bin ] || (cd build/opus-native && ./dump_weights_blob)
  /usr/bin/python3 native/split_blob.py "$src/dnn" build/opus-native/weights_blob.bin "$dred_blob" dred_rdovae_enc dred_rdovae_dec
fi
echo "$DRED_BLOB_SHA256  $dred_blob" | sha256sum -c --quiet - ||
  { echo "native/build.sh: $dred_blob does not have the pinned sha256" >&2; rm -f "$dred_blob"; exit 1; }

# The built site ships libopus's licence beside its binaries (BSD-3's binary-redistribution clause).
cp "$src/COPYING" public/vocoder/COPYING

# WebAssembly: analysis + FARGAN only (no DRED, no SILK/CELT codec), weights from the blob.
command -v emcc >/dev/null || { echo "native/build.sh: emcc missing (apt-get install emscripten)" >&2; exit 1; }
# Debian's emscripten runs its JS optimiser with the system node modules.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
wasm_sources=(
  native/vocoder_glue.c
  "$src/dnn/lpcnet_enc.c" "$src/dnn/freq.c" "$src/dnn/burg.c" "$src/dnn/lpcnet_tables.c"
  "$src/dnn/pitchdnn.c" "$src/dnn/pitchdnn_data.c" "$src/dnn/fargan.c" "$src/dnn/fargan_data.c" "$src/dnn/nnet.c" "$src/dnn/nnet_default.c"
  "$src/dnn/parse_lpcnet_weights.c" "$src/celt/kiss_fft.c" "$src/celt/mathops.c"
  "$src/celt/celt_lpc.c" "$src/celt/pitch.c" "$src/celt/entcode.c"
)
wasm_flags=(
  -O3 -DOPUS_BUILD -DUSE_WEIGHTS_FILE -DHAVE_LRINTF -DVAR_ARRAYS -DDISABLE_DEBUG_FLOAT
  -I"$src/include" -I"$src/celt" -I"$src/silk" -I"$src/dnn" -I"$src"
  --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=4MB -sTOTAL_STACK=1MB
  -sEXPORTED_FUNCTIONS=_fxv_abi_version,_fxv_frame_samples,_fxv_feature_count,_fxv_alloc,_fxv_free,_fxv_analysis_new,_fxv_analysis_frame,_fxv_analysis_free,_fxv_fargan_new,_fxv_fargan_start,_fxv_fargan_frame,_fxv_fargan_free
)
build_wasm() { # out, extra flags...
  local out="$1"
  shift
  if [ ! -f "$out" ] || [ native/vocoder_glue.c -nt "$out" ] || [ native/build.sh -nt "$out" ]; then
    emcc "${wasm_flags[@]}" "$@" "${wasm_sources[@]}" -o "$out"
  fi
}
build_wasm public/vocoder/fxvocoder.wasm -msimd128 -msse4.1
build_wasm public/vocoder/fxvocoder-scalar.wasm
ls -l public/vocoder >&2
