"""The quality report end to end on two synthetic utterances (baselines only); its targets: test_eval_report_targets.py."""

import json
from pathlib import Path
import shutil
import tempfile
import unittest

from training.eval.audio import write_wav
from training.eval.quality_report import run_report
from training.eval.report_markdown import runaway_count, with_kept_section
from training.eval.synthetic import speech_like
from training.eval.whisper_judge import wer_without_runaways

TOOLS = ("sox", "c2enc", "c2dec", "opusenc", "opusdec")


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
