"""A resumable run's clock and checkpoints: the cosine learning rate over a wall-clock budget, this
process's deadline, and the weights-only fp16 file a new machine starts from (`--init`)."""
import calendar
import math
import time

import torch


def learning_rate(a, frac):
    """A cosine from a.lr to a.lr_final over the schedule (frac in [0, 1] of its wall-clock budget)."""
    return a.lr_final + (a.lr - a.lr_final) * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))


def deadline(a, t_process):
    """Unix time this process must stop by (--process-minutes, --until HH:MM UTC today)."""
    ends = [math.inf]
    if a.process_minutes:
        ends.append(t_process + 60 * a.process_minutes)
    if a.until:
        h, m = map(int, a.until.split(':'))
        now = time.gmtime()
        ends.append(calendar.timegm((now.tm_year, now.tm_mon, now.tm_mday, h, m, 0)))
    return min(ends)


def compact_run(ckpt_path, out_path):
    """A run checkpoint ({'model', 'config', 'step', 'seconds', ...}) as weights only in fp16, without
    the optimiser: what a new machine resumes from with `--init`."""
    ck = torch.load(ckpt_path, map_location='cpu')
    model = {k: v.half() if v.is_floating_point() else v for k, v in ck['model'].items()}
    torch.save({'model': model, 'config': ck['config'], 'step': ck['step'], 'seconds': ck['seconds']}, out_path)
