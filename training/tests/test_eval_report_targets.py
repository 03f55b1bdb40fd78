"""The quality report's issue-29 targets and its dynamic-vs-fixed ablation at two rates, on synthetic
summaries (no codec runs): each target met or not, the DRED nearest-bitrate rule at its edges, and an
older results.json without the new conditions still rendering, its rows "not measured"."""

import unittest

from training.eval.flexicodec_cli import ABLATION_RATES_HZ, flexicodec_conditions, flexicodec_name
from training.eval.report_markdown import ablation_pairs, excludes_zero, nearest_dred_at_or_above, render_report, target_rows
from training.eval.whisper_judge import whisper_wer

# Ten files of five words each: a condition's WER is set by how many words its transcripts drop.
TEXTS = {f"f{i}": f"press {i} to hear more" for i in range(10)}
ORIGINAL_WER = 4.0


def transcripts(dropped_per_file):
    """One transcript per file, each missing its first `dropped` words (a list of ten counts, or one count for all)."""
    if isinstance(dropped_per_file, int):
        dropped_per_file = [dropped_per_file] * len(TEXTS)
    return {stem: " ".join(text.split()[dropped:]) for (stem, text), dropped in zip(TEXTS.items(), dropped_per_file)}


def condition(name, bps, stoi, dropped=0, pesq=1.5, hypotheses=None):
    """A results.json entry with per-file rows; its Whisper WER is computed from its transcripts."""
    hypotheses = hypotheses or transcripts(dropped)
    rows = [{"stem": s, "whisper": h, "stoi": stoi} for s, h in hypotheses.items()]
    return {
        "name": name, "family": name.rsplit(" ", 2)[0] if name.startswith("FlexiCodec") else name.rsplit(" ", 1)[0], "label": name,
        "bps": bps, "stoi": stoi, "pesq": pesq, "wer": None, "log_mel": 0.5, "mcd": 3.0, "delay_ms": 0.0,
        "whisper_wer": whisper_wer([TEXTS[s] for s in hypotheses], list(hypotheses.values())), "rows": rows,
    }


def dred(bps_by_name, dropped=0):
    return [condition(f"Opus DRED {nominal}", bps, 0.85, dropped) for nominal, bps in bps_by_name.items()]


def summary(results, original_wer=ORIGINAL_WER):
    return {"date": "d", "commit": "c", "model_id": "m", "files": len(TEXTS), "minutes": 0.5, "texts": TEXTS, "judge": None,
            "original_whisper_wer": original_wer, "results": results}


def every_target_met():
    """Every issue-29 target met: words lost per file are 0 (WER 0 %) unless said otherwise."""
    return [
        *dred({300: 307.0, 500: 569.0, 1000: 984.0, 2000: 1972.0}, dropped=1),  # DRED loses 20 % everywhere
        condition("FlexiCodec dynamic 12.5 Hz", 1500.0, 0.90, pesq=2.0),
        condition("FlexiCodec dynamic 6.25 Hz", 700.0, 0.86),
        condition("FlexiCodec dynamic 3 Hz", 350.0, 0.75),
        condition("FlexiCodec fixed 6.25 Hz", 700.0, 0.86, dropped=2),
        condition("FlexiCodec fixed 3 Hz", 350.0, 0.75, dropped=2),
        condition("FARGAN resynthesis", None, 0.97),
    ]


def replaced(results, *new):
    """results with each condition of `new` in place of the one of the same name."""
    by_name = {r["name"]: r for r in new}
    return [by_name.get(r["name"], r) for r in results]


def met(rows):
    return {target: ok for _, target, _, ok in rows}


def measured(rows):
    return {target: m for _, target, m, _ in rows}


class AblationConditionsTest(unittest.TestCase):
    def test_fixed_at_each_ablation_rate_with_stable_names(self):
        self.assertEqual(ABLATION_RATES_HZ, (6.25, 3.0))
        names = [c.name for c in flexicodec_conditions()]
        self.assertEqual(names[-2:], ["FlexiCodec fixed 6.25 Hz", "FlexiCodec fixed 3 Hz"])
        self.assertIn("FlexiCodec dynamic 3 Hz", names)
        self.assertIn("FlexiCodec dynamic 6.25 Hz", names)
        self.assertEqual(flexicodec_name(12.5), "FlexiCodec dynamic 12.5 Hz")
        self.assertEqual(flexicodec_name(3.0, fixed=True), "FlexiCodec fixed 3 Hz")


class NearestDredTest(unittest.TestCase):
    results = dred({300: 307.0, 500: 569.0, 1000: 984.0, 2000: 1972.0}) + [{"name": "Opus DRED 4000", "bps": None}]

    def test_lowest_bitrate_at_or_above_ours(self):
        pick = lambda bps: (nearest_dred_at_or_above(self.results, bps) or {}).get("name")  # noqa: E731
        self.assertEqual(pick(634.0), "Opus DRED 1000")  # 569 is below ours: not it
        self.assertEqual(pick(984.0), "Opus DRED 1000")  # exactly at ours counts
        self.assertEqual(pick(984.01), "Opus DRED 2000")
        self.assertEqual(pick(100.0), "Opus DRED 300")
        self.assertIsNone(pick(1972.5))  # above every DRED bitrate (the one without a bitrate is never picked)
        self.assertIsNone(nearest_dred_at_or_above([], 600.0))

    def test_target_row_compares_with_the_nearest_and_says_so_without_one(self):
        target = "6.25 Hz: Whisper WER < Opus DRED's at the nearest DRED bitrate at or above ours"
        # DRED 500 (569 bit/s, below ours) reads everything; DRED 1000 loses 20 %: ours at 10 % beats the one that counts.
        results = [condition("Opus DRED 500", 569.0, 0.85), condition("Opus DRED 1000", 984.0, 0.9, dropped=1),
                   condition("FlexiCodec dynamic 6.25 Hz", 634.0, 0.8, dropped=[1] * 5 + [0] * 5)]
        rows = target_rows(summary(results))
        self.assertEqual(met(rows)[target], "yes")
        self.assertEqual(measured(rows)[target], "10.0 % at 634 bit/s vs Opus DRED 1000 20.0 % at 984 bit/s")
        # equal WER is not below
        results[-1] = condition("FlexiCodec dynamic 6.25 Hz", 634.0, 0.8, dropped=1)
        self.assertEqual(met(target_rows(summary(results)))[target], "**no**")
        # ours above every DRED bitrate: nothing to compare with
        results[-1] = condition("FlexiCodec dynamic 6.25 Hz", 990.0, 0.8)
        rows = target_rows(summary(results))
        self.assertEqual(met(rows)[target], "—")
        self.assertEqual(measured(rows)[target], "not measured (no Opus DRED condition at or above 990 bit/s in this run)")


class Issue29TargetsTest(unittest.TestCase):
    def test_every_target_met_at_its_edge(self):
        rows = target_rows(summary(every_target_met()))
        self.assertEqual([target for issue, target, _, _ in rows if issue == 29], [
            "12.5 Hz: bitrate ≤ 1500 bit/s",
            "12.5 Hz: Whisper WER ≤ originals' + 3 points",
            "12.5 Hz: STOI ≥ 0.90",
            "12.5 Hz: PESQ ≥ 2.0",
            "6.25 Hz: bitrate ≤ 700 bit/s",
            "6.25 Hz: Whisper WER ≤ originals' + 8 points",
            "6.25 Hz: Whisper WER < Opus DRED's at the nearest DRED bitrate at or above ours",
            "6.25 Hz: STOI ≥ 0.86",
            "3 Hz: bitrate ≤ 350 bit/s",
            "3 Hz: Whisper WER ≤ 30 %",
            "3 Hz: no runaway transcripts",
            "3 Hz: STOI ≥ 0.75",
            "6.25 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0",
            "3 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0",
        ])
        self.assertEqual({ok for _, _, _, ok in rows}, {"yes"}, rows)
        by_target = measured(rows)
        self.assertEqual(by_target["12.5 Hz: Whisper WER ≤ originals' + 3 points"], "0.0 % (limit 7.0 % = originals' 4.0 % + 3)")
        self.assertEqual(by_target["3 Hz: no runaway transcripts"], "0 of 10 files")
        self.assertTrue(by_target["3 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0"].startswith("0.0 % vs 40.0 %: -40.0 points ("))
        self.assertEqual([issue for issue, *_ in rows if issue == 28], [28, 28])

    def test_each_target_missed(self):
        runaway = transcripts(0) | {"f0": "press " * 20}
        results = [
            *dred({1000: 984.0}),  # DRED reads everything
            condition("FlexiCodec dynamic 12.5 Hz", 1501.0, 0.899, dropped=[1] * 4 + [0] * 6, pesq=1.99),  # 8 % > 4 + 3
            condition("FlexiCodec dynamic 6.25 Hz", 701.0, 0.859, dropped=[1] * 7 + [0] * 3),  # 14 % > 4 + 8
            condition("FlexiCodec dynamic 3 Hz", 351.0, 0.749, hypotheses=runaway),
            # fixed better than dynamic at 6.25 Hz (interval wholly above 0) and level at 3 Hz (spans 0)
            condition("FlexiCodec fixed 6.25 Hz", 701.0, 0.859),
            condition("FlexiCodec fixed 3 Hz", 351.0, 0.749, hypotheses=runaway),
        ]
        rows = target_rows(summary(results))
        self.assertEqual({ok for issue, _, _, ok in rows if issue == 29}, {"**no**"}, rows)
        by_target = met(rows)
        self.assertEqual(measured(rows)["3 Hz: Whisper WER ≤ 30 %"], "38.0 %")  # one runaway file: 4 substitutions and 15 insertions in 50 words
        self.assertEqual(measured(rows)["3 Hz: no runaway transcripts"], "1 of 10 files")
        # no FARGAN row in this run: issue 28's rows are there, not measured
        self.assertEqual([(m, ok) for issue, _, m, ok in rows if issue == 28], [("not measured (no FARGAN resynthesis in this run)", "—")] * 2)

    def test_an_older_run_renders_with_rows_not_measured(self):
        # the previous report's conditions: no fixed 3 Hz, no DRED, and a run without the judge (no WER anywhere)
        old = [r for r in every_target_met() if r["name"] != "FlexiCodec fixed 3 Hz" and not r["name"].startswith("Opus DRED")]
        rows = target_rows(summary(old))
        by_target = measured(rows)
        self.assertEqual(met(rows)["3 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0"], "—")
        self.assertEqual(by_target["3 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0"],
                         "not measured (no FlexiCodec fixed 3 Hz in this run)")
        self.assertEqual(met(rows)["6.25 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0"], "yes")
        self.assertEqual(by_target["6.25 Hz: Whisper WER < Opus DRED's at the nearest DRED bitrate at or above ours"],
                         "not measured (no Opus DRED condition at or above 700 bit/s in this run)")
        no_wer = summary([{**r, "whisper_wer": None, "rows": [{**row, "whisper": None} for row in r["rows"]]} for r in old], original_wer=None)
        rows = target_rows(no_wer)
        self.assertEqual(measured(rows)["12.5 Hz: Whisper WER ≤ originals' + 3 points"], "not measured (no Whisper WER for FlexiCodec dynamic 12.5 Hz)")
        self.assertEqual(measured(rows)["3 Hz: no runaway transcripts"], "not measured (no per-file Whisper transcripts for FlexiCodec dynamic 3 Hz)")
        self.assertEqual(met(rows)["12.5 Hz: STOI ≥ 0.90"], "yes")
        # nothing of ours at all: every issue-29 row is there, not measured, and the report renders
        rows = target_rows(summary([]))
        self.assertEqual({ok for _, _, _, ok in rows}, {"—"})
        self.assertEqual(len(rows), 16)
        for results in (old, []):
            report = render_report(summary(results))
            self.assertIn("### Issue 29: FlexiCodec v3 on the pretrained vocoder", report)
            self.assertIn("### Issue 28:", report)
        self.assertIn("- 3 Hz: not measured in this run (no `FlexiCodec fixed 3 Hz` in the results).", render_report(summary(old)))
        self.assertIn("Not measured in this run", render_report(summary([])))


class TwoRateAblationTest(unittest.TestCase):
    def test_each_rate_pairs_its_own_conditions(self):
        results = every_target_met()
        pairs = ablation_pairs(summary(results))
        self.assertEqual([(rate, d["name"], f["name"]) for rate, d, f, _ in pairs],
                         [(6.25, "FlexiCodec dynamic 6.25 Hz", "FlexiCodec fixed 6.25 Hz"), (3.0, "FlexiCodec dynamic 3 Hz", "FlexiCodec fixed 3 Hz")])
        for _, _, _, paired in pairs:
            self.assertAlmostEqual(paired["whisper_wer"][0], -40.0)
            self.assertTrue(excludes_zero(paired["whisper_wer"]))
            self.assertFalse(excludes_zero(paired["stoi"]))  # same STOI on every file: (0, 0, 0)

    def test_rendered_section_has_both_pairs_and_says_which_interval_excludes_0(self):
        # at 3 Hz the fixed rate loses one word on half the files, dynamic on the other half: no difference to tell
        results = replaced(every_target_met(), condition("FlexiCodec dynamic 3 Hz", 350.0, 0.75, dropped=[1, 0] * 5),
                           condition("FlexiCodec fixed 3 Hz", 350.0, 0.75, dropped=[0, 1] * 5))
        report = render_report(summary(results))
        section = report[report.index("## Ablation"):report.index("## Targets")]
        table = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| FlexiCodec")]
        self.assertEqual(table, ["| FlexiCodec dynamic 6.25 Hz", "| FlexiCodec fixed 6.25 Hz", "| FlexiCodec dynamic 3 Hz", "| FlexiCodec fixed 3 Hz"])
        self.assertIn("Dynamic − fixed on the same files", section)
        self.assertIn("- 6.25 Hz (10 files): Whisper WER -40.0 points (", section)
        self.assertIn("**excludes 0** (dynamic loses fewer words)", section)
        three = next(line for line in section.splitlines() if line.startswith("- 3 Hz"))
        self.assertTrue(three.startswith("- 3 Hz (10 files): Whisper WER +0.0 points ("), three)
        self.assertIn("spans 0;", three)
        self.assertEqual(met(target_rows(summary(results)))["3 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0"], "**no**")
        # fixed better with an interval above 0: excludes 0, but for the fixed rate, so not met
        results = replaced(results, condition("FlexiCodec dynamic 3 Hz", 350.0, 0.75, dropped=1), condition("FlexiCodec fixed 3 Hz", 350.0, 0.75))
        report = render_report(summary(results))
        self.assertIn("**excludes 0** (fixed loses fewer words)", report)
        self.assertEqual(met(target_rows(summary(results)))["3 Hz: dynamic beats fixed on Whisper WER, paired 95% interval excludes 0"], "**no**")

    def test_every_table_row_has_its_headers_cells(self):
        for results in (every_target_met(), [r for r in every_target_met() if r["name"] != "FlexiCodec fixed 3 Hz"], []):
            width = None
            for line in render_report(summary(results)).splitlines():
                if not line.startswith("|"):
                    width = None
                    continue
                width = width or line.count("|")
                self.assertEqual(line.count("|"), width, line)


if __name__ == "__main__":
    unittest.main()
