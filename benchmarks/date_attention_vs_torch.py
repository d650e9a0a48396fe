#!/usr/bin/env python
"""Date-translation attention model: seconds per training epoch, dlnotes vs the same model in
PyTorch, same run.

Both: BiLSTM encoder (n_a=32 each way) over the one-hot characters (T_x=30, n_x=37), the
course's attention step (s<t-1> repeated, concatenated with the encoder states,
Dense(10, tanh), Dense(1, relu), softmax over t', weighted sum), post-attention LSTM n_s=64
fed the context (initial state zero), Dense(11) + softmax cross-entropy per output character
(T_y=10); Adam lr 0.005, batch 100, 10,000 generated dates, the same shuffling order, float32.
Epochs alternate between the frameworks (each started idle) so that a busy machine slows both
alike; the table reports the median seconds per epoch and the load average.

Usage::

    python benchmarks/date_attention_vs_torch.py [--epochs 3] [--dates 10000] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def torch_model(torch, n_x, n_y, T_y, n_a=32, n_s=64, n_e=10):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.LSTM(n_x, n_a, bidirectional=True, batch_first=True)
            self.d1 = nn.Linear(n_s + 2 * n_a, n_e)
            self.d2 = nn.Linear(n_e, 1)
            self.post = nn.LSTMCell(2 * n_a, n_s)
            self.out = nn.Linear(n_s, n_y)

        def forward(self, x):                        # x: (m, T_x, n_x)
            a, _ = self.enc(x)                       # (m, T_x, 2 n_a)
            m, T_x = a.shape[0], a.shape[1]
            s = a.new_zeros(m, n_s)
            c = a.new_zeros(m, n_s)
            outs = []
            for _ in range(T_y):
                rep = s.unsqueeze(1).expand(m, T_x, n_s)
                e = torch.relu(self.d2(torch.tanh(self.d1(torch.cat([rep, a], dim=2)))))
                alpha = torch.softmax(e, dim=1)      # over t'
                ctx = (alpha * a).sum(dim=1)
                s, c = self.post(ctx, (s, c))
                outs.append(self.out(s))
            return torch.stack(outs, dim=2)          # (m, n_y, T_y)

    return Net()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--dates", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import numpy as np
    import torch

    from benchmarks._machine import cpu_model
    from dlnotes.nlp.date_translation import DateTranslator
    from dlnotes.nlp.dates import make_date_dataset, preprocess_dates
    from dlnotes.optim.optimizers import Adam

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    _, Y, X, _ = preprocess_dates(make_date_dataset(args.dates, seed=args.seed))
    X = X.astype(np.float32)
    n_x, m, _ = X.shape
    n_y, T_y, bs, lr = 11, Y.shape[1], 100, 0.005
    net = DateTranslator(n_x=n_x, n_y=n_y, T_y=T_y, relu=True, seed=args.seed,
                         dtype=np.float32)
    opt = Adam(lr)
    tnet = torch_model(torch, n_x, n_y, T_y)
    topt = torch.optim.Adam(tnet.parameters(), lr=lr)
    tX = torch.from_numpy(np.ascontiguousarray(X.transpose(1, 2, 0)))   # (m, T_x, n_x)
    tY = torch.from_numpy(Y)
    lossf = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(args.seed)
    times = {"dlnotes": [], "torch": []}
    load0 = os.getloadavg()[0]
    print(f"date attention, {m} dates, batch {bs}, {args.threads} thread(s); CPU {cpu_model()}; "
          f"load average {load0:.2f}")
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(m)
        time.sleep(0.3)
        t0 = time.perf_counter()
        costs = []
        for i in range(0, m, bs):
            idx = perm[i:i + bs]
            costs.append(net.loss_and_grads(X[:, idx], Y[idx]))
            opt.step_layers(net)
        times["dlnotes"].append(time.perf_counter() - t0)
        tperm = torch.from_numpy(perm)
        time.sleep(0.3)
        t0 = time.perf_counter()
        tl = []
        for i in range(0, m, bs):
            idx = tperm[i:i + bs]
            topt.zero_grad(set_to_none=True)
            loss = lossf(tnet(tX[idx]), tY[idx])
            loss.backward()
            topt.step()
            tl.append(loss.item())
        times["torch"].append(time.perf_counter() - t0)
        print(f"epoch {epoch}  dlnotes {times['dlnotes'][-1]:6.2f} s  cost {np.mean(costs):.4f}"
              f"   |  torch {times['torch'][-1]:6.2f} s  cost {np.mean(tl):.4f}   "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    d, t = np.median(times["dlnotes"]), np.median(times["torch"])
    print(f"\nmedian seconds per epoch: dlnotes {d:.2f}, torch {t:.2f}, ratio {d / t:.2f}; "
          f"load average {load0:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
