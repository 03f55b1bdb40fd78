"""Our codec, scored through the code path users run: the Node CLI (`bin/flexicodec.js`, onnxruntime-node)
on the shipped models in public/models/.
"""

from dataclasses import dataclass
import json
from pathlib import Path
import shutil
import subprocess

from .heldout import REPO_ROOT

# The command-line entry point.
CLI_PATH = REPO_ROOT / "bin/flexicodec.js"
# The shipped models and their manifest.
MODELS_JSON = REPO_ROOT / "public/models/models.json"
# Dynamic-rate targets of the report (Hz).
DYNAMIC_RATES_HZ = (12.5, 8.3, 6.25, 3.0)
# Average rates of the dynamic vs fixed ablation (Hz): each is also a dynamic rate, and the report
# pairs "FlexiCodec dynamic R Hz" with "FlexiCodec fixed R Hz" (issue 29: at 6.25 Hz and at 3 Hz).
ABLATION_RATES_HZ = (6.25, 3.0)
# Longest a CLI call may take for one condition (80 files at a few times real time fits easily).
CLI_TIMEOUT_S = 3600


def flexicodec_name(rate_hz, fixed=False):
    """A condition's name in the report and in results.json: "FlexiCodec dynamic 6.25 Hz", "FlexiCodec fixed 3 Hz"."""
    return f"FlexiCodec {'fixed' if fixed else 'dynamic'} {rate_hz:g} Hz"


def cli_missing_reason():
    """None when node, the CLI and the models are present; otherwise why our codec cannot be scored."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not CLI_PATH.exists():
        return f"{CLI_PATH.relative_to(REPO_ROOT)} is missing"
    if not MODELS_JSON.exists():
        return f"{MODELS_JSON.relative_to(REPO_ROOT)} is missing"
    return None


def model_id():
    """modelId of the shipped models.json, or None."""
    if not MODELS_JSON.exists():
        return None
    return json.loads(MODELS_JSON.read_text(encoding="utf-8")).get("modelId")


def _node(args, timeout_s=CLI_TIMEOUT_S):
    result = subprocess.run(["node", str(CLI_PATH), *map(str, args)], capture_output=True, cwd=REPO_ROOT, timeout=timeout_s)
    if result.returncode != 0:
        raise RuntimeError(f"flexicodec {' '.join(map(str, args))} failed ({result.returncode}): {result.stderr.decode(errors='replace')[-800:]}")
    return result.stdout.decode(errors="replace")


@dataclass
class FlexiCodecCli:
    """The codec at one target average frame rate, with similarity merging (dynamic) or constant-length segments (fixed)."""

    rate_hz: float
    fixed: bool = False

    @property
    def family(self):
        return f"FlexiCodec {'fixed' if self.fixed else 'dynamic'}"

    @property
    def label(self):
        return f"{self.rate_hz:g} Hz"

    @property
    def name(self):
        return flexicodec_name(self.rate_hz, self.fixed)

    def process(self, wavs, out_dir):
        """Encode the wavs' folder to .fxc, decode back to wav; returns {stem: (encoded .fxc, decoded wav)}.

        All wavs must sit in one folder that holds nothing else (the CLI encodes whole folders).
        """
        wavs = [Path(w) for w in wavs]
        in_dir = wavs[0].parent
        out_dir = Path(out_dir)
        fxc_dir, wav_dir = out_dir / "fxc", out_dir / "wav"
        for d in (fxc_dir, wav_dir):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
        encode = ["encode", in_dir, "-o", fxc_dir, "--frame-rate", f"{self.rate_hz:g}", "--quiet"]
        _node(encode + (["--fixed"] if self.fixed else []))
        _node(["decode", fxc_dir, "-o", wav_dir, "--quiet"])
        results = {}
        for wav in wavs:
            encoded, decoded = fxc_dir / f"{wav.stem}.fxc", wav_dir / f"{wav.stem}.wav"
            if not (encoded.exists() and decoded.exists()):
                raise RuntimeError(f"the CLI wrote no {encoded.name} / {decoded.name}")
            results[wav.stem] = (encoded, decoded)
        return results

    def achieved_rates_hz(self, encoded_files):
        """{stem: achieved average frame rate} from `flexicodec info --json` (the segments the file really holds)."""
        out = _node(["info", *encoded_files, "--json"])
        rates = {}
        for line in out.splitlines():
            if line.strip().startswith("{"):
                info = json.loads(line)
                rates[Path(info["file"]).stem] = float(info["achievedRateHz"])
        return rates


def flexicodec_conditions():
    """Our codec's conditions in table order: dynamic at each rate, then fixed at each ablation rate."""
    return [FlexiCodecCli(rate) for rate in DYNAMIC_RATES_HZ] + [FlexiCodecCli(rate, fixed=True) for rate in ABLATION_RATES_HZ]
