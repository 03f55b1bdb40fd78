"""Runs work items on a small thread pool until each stream has produced its audio budget."""

import sys
import traceback
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait


class Stream:
    """A named source of work items; each item is (callable returning seconds of audio made, estimated seconds)."""

    def __init__(self, key, budget_s, items):
        self.key = key
        self.budget_s = budget_s
        self.items = iter(items)
        self.done_s = 0.0
        self.inflight_s = 0.0
        self.exhausted = False

    def wants_more(self):
        """True while finished plus in-flight audio is below budget."""
        return not self.exhausted and self.done_s + self.inflight_s < self.budget_s


def run_streams(streams, jobs, label):
    """Interleave the streams' items on `jobs` threads, least-filled stream first; returns seconds per stream."""
    pending = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while True:
            while len(pending) < jobs:
                open_streams = [s for s in streams if s.wants_more()]
                if not open_streams:
                    break
                stream = min(open_streams, key=lambda s: (s.done_s + s.inflight_s) / max(s.budget_s, 1e-9))
                item = next(stream.items, None)
                if item is None:
                    stream.exhausted = True
                    continue
                work, est_s = item
                stream.inflight_s += est_s
                pending[pool.submit(work)] = (stream, est_s)
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                stream, est_s = pending.pop(fut)
                stream.inflight_s -= est_s
                try:
                    stream.done_s += fut.result()
                except Exception:  # one failed batch must not stop the build
                    traceback.print_exc()
            total_min = sum(s.done_s for s in streams) / 60
            budget_min = sum(s.budget_s for s in streams) / 60
            print(f"\r[{label}] {total_min:6.1f} / {budget_min:.1f} min", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return {s.key: s.done_s for s in streams}
