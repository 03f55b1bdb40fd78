"""The GPU pack (training/gpu/pack.py): within its size cap, 'train' rows only, nothing reserved,
readable by training.dataset.Corpus, the same for the same seed; the soundfile stand-in that
run_on_device.sh uses reads what soundfile reads; the script refuses a budget over 9 minutes."""
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import soundfile as sf

from training.dataset import Corpus, read_manifest
from training.gpu import pack
from training.tests.synthetic_corpus import write_corpus

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_shim():
    spec = importlib.util.spec_from_file_location('soundfile_shim', os.path.join(ROOT, 'training', 'gpu', 'shim', 'soundfile.py'))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


class GpuPackTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.corpus = os.path.join(self.dir, 'corpus')
        rows = write_corpus(self.corpus, utterances=10)
        for r in rows[5:]:  # a second speaker, so the sample has speakers to spread over
            r['speaker'] = 'synth2'
        extra = []  # rows that must never enter the pack, each with its own audio
        for name, change in [('valid', {'split': 'valid'}), ('ast', {'speaker': 'ast-fr-june'}),
                             ('sphinx', {'speaker': 'pocketsphinx-testdata'}), ('short', {'duration_s': 0.3})]:
            r = dict(rows[0], file=f'wav/other/{name}.wav', **change)
            os.makedirs(os.path.join(self.corpus, 'wav', 'other'), exist_ok=True)
            shutil.copy(os.path.join(self.corpus, rows[0]['file']), os.path.join(self.corpus, r['file']))
            extra.append(r)
        with open(os.path.join(self.corpus, 'manifest.jsonl'), 'w') as f:
            for r in extra[:2] + rows + extra[2:]:
                f.write(json.dumps(r) + '\n')
        self.rows = rows
        self.out = os.path.join(self.dir, 'pack')

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_pack(self):
        corpus_bytes = sum(os.path.getsize(os.path.join(self.corpus, r['file'])) for r in self.rows)
        cap = corpus_bytes // 2
        s = pack.build_pack(self.corpus, self.out, cap, seed=3)
        self.assertLessEqual(pack.dir_bytes(self.out), cap)
        self.assertEqual(s['bytes'], pack.dir_bytes(self.out))
        manifest = read_manifest(self.out)
        self.assertTrue(3 <= len(manifest) < len(self.rows), len(manifest))
        self.assertEqual({r['split'] for r in manifest}, {'train'})
        self.assertEqual({r['speaker'] for r in manifest}, {'synth', 'synth2'})
        self.assertEqual(set(manifest[0]), set(self.rows[0]))  # the corpus's row fields, unchanged
        self.assertEqual(s['corpus_rows'], {'asterisk voice': 1, 'kept': 10, 'not train': 1, 'reserved': 1, 'short': 1})
        self.assertEqual(sorted(os.listdir(self.out)), ['manifest.jsonl', 'pack.json', 'wav'])
        corpus = Corpus(self.out, read_manifest(self.out, 'train'))
        self.assertEqual(len(corpus.rows), len(manifest))
        self.assertAlmostEqual(corpus.hours * 3600, sum(r['duration_s'] for r in manifest), delta=0.01)
        shim = load_shim()
        for r in manifest:
            path = os.path.join(self.out, r['file'])
            info = sf.info(path)
            self.assertEqual((info.samplerate, info.channels, info.subtype), (16000, 1, 'PCM_16'))
            a, sr = sf.read(path, dtype='int16')
            b, sr2 = shim.read(path, dtype='int16')
            self.assertEqual((sr, b.dtype), (sr2, np.int16))
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(sf.read(os.path.join(self.corpus, r['file']), dtype='int16')[0], a)
        # the same seed gives the same pack; a rebuild replaces the old one
        pack.build_pack(self.corpus, self.out, cap, seed=3)
        self.assertEqual(read_manifest(self.out), manifest)
        big = pack.build_pack(self.corpus, self.out, 10 * corpus_bytes, seed=3)
        self.assertEqual(big['utterances'], len(self.rows))
        with_ast = pack.build_pack(self.corpus, self.out, 10 * corpus_bytes, seed=3, with_asterisk=True)
        self.assertEqual(with_ast['utterances'], len(self.rows) + 1)

    def test_refuses_to_replace_other_folders(self):
        os.makedirs(self.out)
        with self.assertRaises(SystemExit):
            pack.build_pack(self.corpus, self.out, 10 ** 7)

    def test_shim_write_round_trip(self):
        shim = load_shim()
        x = (np.sin(np.arange(800) / 7) * 20000).astype(np.int16)
        path = os.path.join(self.dir, 'x.wav')
        shim.write(path, x, 16000)
        np.testing.assert_array_equal(sf.read(path, dtype='int16')[0], x)
        y, _ = shim.read(path, dtype='float32')
        np.testing.assert_allclose(y, sf.read(path, dtype='float32')[0])

    def test_script_refuses_over_nine_minutes(self):
        for minutes in ['9.5', '10', 'x', '0']:
            p = subprocess.run(['bash', os.path.join(ROOT, 'training', 'gpu', 'run_on_device.sh'), minutes],
                               capture_output=True, text=True, env=dict(os.environ, OUT=self.dir))
            self.assertEqual(p.returncode, 2, (minutes, p.stderr))


if __name__ == '__main__':
    unittest.main()


class GpuPackV3Test(unittest.TestCase):
    """training/gpu/pack_v3.py: a feature pack under its byte cap, in the layout FeatureCache reads."""

    def test_pack_fits_and_loads(self):
        import numpy as np

        from training.v3.data import FeatureCache
        from training.gpu import pack_v3

        rng = np.random.default_rng(0)
        with tempfile.TemporaryDirectory() as d:
            cache, out = os.path.join(d, 'cache'), os.path.join(d, 'pack')
            os.makedirs(cache)
            for split, n in (('train', 40), ('valid', 3)):
                frames = rng.integers(32, 80, n)
                offsets = np.concatenate([[0], np.cumsum(frames)])
                np.savez(os.path.join(cache, f'{split}.npz'), offsets=offsets, speech_frames=frames * 0.9,
                         merge=np.zeros((offsets[-1], 80), np.float16), pooled=np.zeros((offsets[-1], 4), np.float16),
                         f0=rng.uniform(0, 300, 8 * offsets[-1]).astype(np.float32),
                         lpcnet=rng.standard_normal((8 * offsets[-1], 20)).astype(np.float32))
            s = pack_v3.build(cache, out, 300_000)
            self.assertLessEqual(s['bytes'], 300_000)
            self.assertGreater(s['train_utterances'], 3)
            self.assertLess(s['train_utterances'], 40)
            c = FeatureCache(os.path.join(out, 'train.npz'))
            merge, pooled, f0, lpc = c.batch(np.random.default_rng(1), 2, 32)
            self.assertIsNone(merge)
            self.assertEqual(tuple(lpc.shape), (2, 256, 20))
            self.assertEqual(f0.shape, (2, 256))
            with self.assertRaises(SystemExit):  # never replaces a folder that is not a pack
                pack_v3.build(cache, cache, 300_000)
