#!/bin/sh
# Whole-file bit/s of version 1 (bit-packed) and version 2 (range-coded) .fxc files, through the
# CLI (`flexicodec encode`, then `info --json`), on 3 clips of ../shared/data/ljspeech-364 (not
# the held-out set) at 12.5 / 8.3 / 6.25 / 3 Hz; prints the table of docs/FORMAT.md. Version 1
# comes from a copy of the models folder whose models.json has no "entropy" section.
#   sh training/entropy/cli_bitrates.sh [MODELS_DIR]
set -eu
MODELS=${1:-public/models}
CLIPS="LJ001-0001 LJ001-0002 LJ001-0003"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/v1" "$WORK/wav"
for f in "$MODELS"/*.onnx; do ln -s "$(realpath "$f")" "$WORK/v1/"; done
node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1])); delete m.entropy;
  require("fs").writeFileSync(process.argv[2], JSON.stringify(m, null, 2))' "$MODELS/models.json" "$WORK/v1/models.json"
for c in $CLIPS; do sox -D "../shared/data/ljspeech-364/wavs/$c.flac" "$WORK/wav/$c.wav"; done
echo "| clip | seconds | rate | v1 bytes | v1 bit/s | v2 bytes | v2 bit/s | saved |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for c in $CLIPS; do
  for r in 12.5 8.3 6.25 3; do
    for v in 1 2; do
      dir=$MODELS; [ $v = 1 ] && dir=$WORK/v1
      node bin/flexicodec.js encode "$WORK/wav/$c.wav" -o "$WORK/$c-$r-v$v.fxc" --frame-rate "$r" --models "$dir" -q --threads 1 > /dev/null
      node bin/flexicodec.js info "$WORK/$c-$r-v$v.fxc" --json --models "$dir" > "$WORK/$c-$r-v$v.json"
    done
    node -e 'const [a, b] = process.argv.slice(1, 3).map((p) => JSON.parse(require("fs").readFileSync(p)));
      console.log(`| ${process.argv[3]} | ${a.durationS.toFixed(2)} | ${process.argv[4]} Hz | ${a.bytes} | ${a.bitrateBps.toFixed(0)} | ` +
        `${b.bytes} | ${b.bitrateBps.toFixed(0)} | ${(100 * (1 - b.bytes / a.bytes)).toFixed(1)} % |`)' \
      "$WORK/$c-$r-v1.json" "$WORK/$c-$r-v2.json" "$c" "$r"
  done
done
