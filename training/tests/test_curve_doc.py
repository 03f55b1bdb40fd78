"""The learning-curve table survives a new machine: rows read back from the doc are the rows written."""
import os
import tempfile
import unittest

from training.curve import read_doc_rows, write_doc


class CurveDocTest(unittest.TestCase):
    def test_rows_round_trip_through_the_doc(self):
        rows = [
            {'snapshot': 'codec-step000714.pt', 'step': 714, 'hours': 0.499, 'files': 16, 'stoi': 0.4554,
             'log_mel': 1.3947, 'phone_agree': None, 'wer': 97.5, 'whisper_wer': None, 'pesq': None, 'gpe': None},
            {'snapshot': 'codec-step018479.pt', 'step': 18479, 'hours': 5.163, 'files': 16, 'stoi': 0.6002,
             'log_mel': 0.8757, 'phone_agree': 0.3633, 'wer': None, 'whisper_wer': 88.1, 'pesq': 1.071, 'gpe': 0.204},
        ]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'CURVE.md')
            with open(path, 'w') as f:
                f.write('# Learning curve\n\n## Notes\nkept by hand\n')
            write_doc(list(reversed(rows)), path)
            back = read_doc_rows(path)
            with open(path) as f:
                text = f.read()
        self.assertEqual(back, rows)
        self.assertIn('kept by hand', text)

    def test_rows_of_the_table_before_the_judge_are_read(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'CURVE.md')
            with open(path, 'w') as f:
                f.write('| snapshot | step | training hours | files | STOI | log-mel dist | phone agreement | WER % |\n'
                        '| codec-step027103.pt | 27103 | 7.0 | 16 | 0.61 | 0.85 | 0.37 | 90.2 |\n')
            (row,) = read_doc_rows(path)
        self.assertEqual((row['step'], row['wer'], row['whisper_wer']), (27103, 90.2, None))

    def test_a_missing_doc_has_no_rows(self):
        self.assertEqual(read_doc_rows('/nonexistent/CURVE.md'), [])


if __name__ == '__main__':
    unittest.main()
