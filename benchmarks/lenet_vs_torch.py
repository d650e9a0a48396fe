#!/usr/bin/env python
"""LeNet-5 on MNIST-5k (or digits): dlnotes vs an equivalent PyTorch model, same run.

Both models: 32x32x1 -> conv5x5x6 -> ReLU -> avg-pool 2/2 -> conv5x5x16 -> ReLU
-> avg-pool 2/2 -> 400 -> 120 -> 84 -> 10 (softmax cross-entropy), Adam
(lr 2e-3, halved every 5 epochs), batch 32, the same train/test split and the
same shuffling order.  PyTorch runs in channels-last memory format.  Epochs alternate between the two frameworks so that a busy machine
slows both alike; the table reports the median seconds per epoch.

Usage::

    python benchmarks/lenet_vs_torch.py [--dataset mnist|digits] [--epochs 12] [--threads 2]

``--threads N`` sets PyTorch's intra-op threads and, for dlnotes, the OpenMP
and OpenBLAS threads (environment variables set before NumPy loads).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def torch_lenet(torch, pooling="average"):
    nn = torch.nn
    Pool = nn.AvgPool2d if pooling == "average" else nn.MaxPool2d
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), Pool(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), Pool(2, 2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="mnist", choices=("mnist", "digits"))
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import numpy as np
    import torch

    from dlnotes.datasets.digits import one_hot
    from dlnotes.models.lenet import _make_adam, lenet5, load_lenet_data, predict
    from dlnotes.nn.losses import softmax_cross_entropy_with_logits

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    Xtr, Xte, ytr, yte = load_lenet_data(args.dataset, 0.2, seed=args.seed)
    m, bs = Xtr.shape[0], args.batch_size
    Ytr = one_hot(ytr, 10, dtype=np.float32)
    rng = np.random.default_rng(args.seed)

    net = lenet5(rng=np.random.default_rng(args.seed))
    opt = _make_adam(net, args.lr)

    tnet = torch_lenet(torch).to(memory_format=torch.channels_last)
    topt = torch.optim.Adam(tnet.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.StepLR(topt, step_size=5, gamma=0.5)
    # NHWC numpy memory viewed as NCHW tensors = channels-last, zero-copy
    tX = torch.from_numpy(Xtr).permute(0, 3, 1, 2)
    tXte = torch.from_numpy(Xte).permute(0, 3, 1, 2)
    ty = torch.from_numpy(ytr)
    lossf = torch.nn.CrossEntropyLoss()

    times = {"dlnotes": [], "torch": []}
    load0 = os.getloadavg()[0]
    print(f"LeNet-5 on {args.dataset}: {m} train / {Xte.shape[0]} test images, batch {bs}, "
          f"{args.epochs} epochs, {args.threads} thread(s); load average {load0:.2f}")
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(m)
        opt.set_epoch(epoch)
        t0 = time.perf_counter()
        for i in range(0, m, bs):
            idx = perm[i:i + bs]
            _, dZ = softmax_cross_entropy_with_logits(net.forward(Xtr[idx]), Ytr[:, idx])
            net.backward(dZ)
            opt.step(net.grads)
        times["dlnotes"].append(time.perf_counter() - t0)

        tperm = torch.from_numpy(perm)
        t0 = time.perf_counter()
        tnet.train()
        for i in range(0, m, bs):
            idx = tperm[i:i + bs]
            topt.zero_grad(set_to_none=True)
            loss = lossf(tnet(tX[idx]), ty[idx])
            loss.backward()
            topt.step()
        times["torch"].append(time.perf_counter() - t0)
        sched.step()

        acc = 100 * np.mean(predict(net, Xte) == yte)
        tnet.eval()
        with torch.no_grad():
            tacc = 100 * float((tnet(tXte).argmax(1).numpy() == yte).mean())
        print(f"epoch {epoch:3d}  dlnotes {times['dlnotes'][-1]:6.2f} s  test {acc:6.2f} %   |  "
              f"torch {times['torch'][-1]:6.2f} s  test {tacc:6.2f} %")
    d, t = np.median(times["dlnotes"]), np.median(times["torch"])
    print(f"\nmedian seconds per epoch: dlnotes {d:.3f}, torch {t:.3f}, ratio {d / t:.2f}; "
          f"final test accuracy dlnotes {acc:.2f} %, torch {tacc:.2f} %; "
          f"load average {load0:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
