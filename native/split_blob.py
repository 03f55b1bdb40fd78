"""Keeps the records of chosen libopus models from a libopus weights blob.

libopus's dump_weights_blob writes every model's arrays into one blob, each record a 64-byte
header ("DNNw", version, type, size, block size, name) and its padded data. The runtime only needs
PitchDNN (feature analysis) and FARGAN (the vocoder): this keeps the records whose names the
models' `<model>_data.c` tables list, in blob order, so the result is byte for byte what libopus
writes for those models alone.

Usage: split_blob.py SRC_DNN_DIR BLOB_IN BLOB_OUT MODEL [MODEL ...]
"""

import re
import struct
import sys
from pathlib import Path

HEADER_BYTES = 64


def array_names(data_c: Path) -> set[str]:
    """Names listed in a `<model>_data.c` file's WeightArray table."""
    return set(re.findall(r'\{"(\w+)",\s*WEIGHTS_', data_c.read_text()))


def records(blob: bytes):
    """Yields (name, record bytes) for each record of a weights blob."""
    pos = 0
    while pos < len(blob):
        head, _version, _type, size, block = struct.unpack_from("<4siiii", blob, pos)
        if head != b"DNNw" or size < 0 or block < size or pos + HEADER_BYTES + block > len(blob):
            raise ValueError(f"not a libopus weights blob at byte {pos}")
        name = blob[pos + 20 : pos + HEADER_BYTES].split(b"\0", 1)[0].decode()
        yield name, blob[pos : pos + HEADER_BYTES + block]
        pos += HEADER_BYTES + block


def main(dnn_dir: str, blob_in: str, blob_out: str, *models: str) -> None:
    wanted = set().union(*(array_names(Path(dnn_dir) / f"{m}_data.c") for m in models))
    if not wanted:
        raise SystemExit("split_blob: no array names found")
    kept = [rec for name, rec in records(Path(blob_in).read_bytes()) if name in wanted]
    # A table lists some arrays under #ifdef (float copies of int8 weights); the blob holds the
    # ones its build compiled in, so not every listed name is found. build.sh checks the sha256.
    if not kept:
        raise SystemExit("split_blob: none of the models' arrays are in the blob")
    Path(blob_out).write_bytes(b"".join(kept))


if __name__ == "__main__":
    main(*sys.argv[1:])
