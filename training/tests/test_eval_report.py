"""The quality report end to end on two synthetic utterances (baselines only), and its target checks."""

import json
from pathlib import Path
import shutil
import tempfile
import unittest

from training.eval.audio import write_wav
from training.eval.quality_report import run_report
from training.eval.report_markdown import runaway_count, target_rows, with_kept_section
from training.eval.synthetic import speech_like
from training.eval.whisper_judge import wer_without_runaways

TOOLS = ("sox", "c2enc", "c2dec", "opusenc", "opusdec")


def result(name, bps, stoi, whisper_wer, pesq=1.5, gpe=0.2):
    return {"name": name, "family": name.rsplit(" ", 2)[0], "bps": bps, "stoi": stoi, "whisper_wer": whisper_wer, "pesq": pesq, "gpe": gpe, "wer": None}


class KeptSectionTest(unittest.TestCase):
    def test_hand_written_tail_survives_regeneration(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "REPORT.md"
            self.assertEqual(with_kept_section("# new\n", path, "## Notes"), "# new\n")  # no file yet
            path.write_text("# old table\n\n## Notes\nwhy it falls short\n", encoding="utf-8")
            self.assertEqual(with_kept_section("# new table\n", path, "## Notes"),
                             "# new table\n\n## Notes\nwhy it falls short\n")
            path.write_text("# old table, no notes\n", encoding="utf-8")
            self.assertEqual(with_kept_section("# new table\n", path, "## Notes"), "# new table\n")


class TargetsTest(unittest.TestCase):
    def test_targets_compare_measured_numbers(self):
        summary = {
            "original_whisper_wer": 10.0,
            "results": [
                result("codec2 700C", 800, 0.73, 40.0),
                result("codec2 1300", 1428, 0.80, 20.0, pesq=1.3, gpe=0.25),
                result("codec2 3200", 3210, 0.87, 12.0, pesq=1.6),
                result("FlexiCodec dynamic 12.5 Hz", 1200, 0.88, 14.0, pesq=1.5),
                result("FlexiCodec dynamic 6.25 Hz", 650, 0.79, 18.0, pesq=1.4, gpe=0.30),
                result("FlexiCodec dynamic 3 Hz", 360, 0.5, 45.0),
                result("FlexiCodec fixed 6.25 Hz", 650, 0.75, 25.0),
            ],
        }
        met = {target: ok for target, _, ok in target_rows(summary)}
        self.assertEqual(met["6.25 Hz: bitrate ≤ 700 bit/s"], "yes")
        self.assertEqual(met["6.25 Hz: Whisper WER ≤ codec2 1300"], "yes")
        self.assertEqual(met["6.25 Hz: STOI ≥ codec2 1300"], "**no**")
        self.assertEqual(met["6.25 Hz: PESQ ≥ codec2 1300"], "yes")
        self.assertEqual(met["6.25 Hz: gross pitch error ≤ codec2 1300"], "**no**")
        self.assertEqual(met["12.5 Hz: STOI ≥ codec2 3200"], "yes")
        self.assertEqual(met["12.5 Hz: PESQ ≥ codec2 3200"], "**no**")
        self.assertEqual(met["12.5 Hz: Whisper WER ≤ originals' + 5 points"], "yes")
        self.assertEqual(met["3 Hz: bitrate ≤ 350 bit/s"], "**no**")
        self.assertEqual(met["3 Hz: Whisper WER ≤ codec2 700C"], "**no**")
        self.assertEqual(met["6.25 Hz: dynamic STOI > fixed"], "yes")
        self.assertEqual(met["6.25 Hz: dynamic Whisper WER < fixed"], "yes")


class RunawayTest(unittest.TestCase):
    def test_counts_transcripts_that_repeat_past_twice_the_reference(self):
        texts = {"a": "please try again", "b": "press one"}
        rows = [{"stem": "a", "whisper": "Please try again."}, {"stem": "b", "whisper": "press " * 7}]
        self.assertEqual(runaway_count({"rows": rows}, texts), 1)
        self.assertIsNone(runaway_count({"rows": [{"stem": "a", "whisper": None}]}, texts))
        # without the runaway file, only "please try again" is scored: no errors
        self.assertEqual(wer_without_runaways(["please try again", "press one"], ["Please try again.", "press " * 7]), 0.0)
        self.assertIsNone(wer_without_runaways(["press one"], ["press " * 7]))


@unittest.skipUnless(all(shutil.which(t) for t in TOOLS), "codec2 / opus-tools / sox not installed")
class ReportTest(unittest.TestCase):
    def test_baselines_only_report(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            (d / "wav").mkdir()
            lines = []
            for i in range(2):
                write_wav(d / "wav" / f"utt{i}.wav", 0.5 * speech_like(2.0, 16000, seed=i))
                lines.append(json.dumps({"file": f"wav/utt{i}.wav", "duration_s": 2.0, "text": "press one to continue"}))
            (d / "m.jsonl").write_text("\n".join(lines) + "\n")
            summary = run_report(limit=2, work_dir=d / "work", report_path=d / "Q.md", plot_path=d / "q.png", with_ours=False, with_wer=False, manifest=d / "m.jsonl", families={"codec2", "Opus"})
            report = (d / "Q.md").read_text()
            self.assertGreater((d / "q.png").stat().st_size, 1000)
            self.assertTrue((d / "work" / "results.json").exists())
        self.assertEqual(summary["files"], 2)
        self.assertEqual([r["name"] for r in summary["results"]], ["codec2 700C", "codec2 1300", "codec2 3200", "Opus 6 kbps", "Opus 9 kbps"])
        for r in summary["results"]:
            self.assertIn(f"| {r['name']} | {r['bps']:.0f} |", report)
        # Higher codec2 modes spend more bits and score higher STOI on the same files.
        c2 = summary["results"][:3]
        self.assertEqual([r["bps"] for r in c2], sorted(r["bps"] for r in c2))
        self.assertGreater(c2[2]["stoi"], c2[0]["stoi"])
        self.assertIn("FlexiCodec: left out with --no-ours", report)
        # every row of every table has its header's cells (a new column must reach every row)
        width = None
        for line in report.splitlines():
            if not line.startswith("|"):
                width = None
                continue
            cells = line.count("|") - 1
            if width is None:
                width = cells
            self.assertEqual(cells, width, line)


if __name__ == "__main__":
    unittest.main()
