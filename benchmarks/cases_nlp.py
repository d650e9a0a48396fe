"""Side-by-side cases: attention and word2vec, forward + backward.

* ``one_step_attention``: Bahdanau energies, softmax over t', context vector,
  and the backward pass to (a, s_prev, W, U, v) (:mod:`dlnotes.nlp.attention`).
  Sizes like the course's date-translation model (T_x = 30, n_a = 2 x 32,
  n_s = 64, 10 energy units) and a larger batch.  PyTorch: the same ops with
  autograd.  Returns ``(context, da, ds_prev, dW, dU, dv)``.
* ``sgns``: the skip-gram negative-sampling cost of a mini-batch and the dense
  gradients of both embedding matrices (:func:`dlnotes.nlp.word2vec.sgns_loss`).
  Returns ``(J, dW_in, dW_out)``.
"""
import numpy as np

ATT = [(64, 30, 64, 64, 10), (512, 30, 128, 128, 32)]     # m, T_x, n_a, n_s, n_e
SGNS = [(10000, 100, 4096, 5)]                             # V, d, B, K


def _attention_cases(dtype, torch, rng, att):
    out = []
    for m, T_x, n_a, n_s, n_e in ATT:
        a = rng.standard_normal((n_a, m, T_x)).astype(dtype)
        s = rng.standard_normal((n_s, m)).astype(dtype)
        W = (rng.standard_normal((n_e, n_s)) * 0.2).astype(dtype)
        U = (rng.standard_normal((n_e, n_a)) * 0.2).astype(dtype)
        v = rng.standard_normal((n_e, 1)).astype(dtype)
        dc = rng.standard_normal((n_a, m)).astype(dtype)

        def dl(a=a, s=s, W=W, U=U, v=v, dc=dc):
            c, _, cache = att.one_step_attention(a, s, W, U, v)
            da, ds, g = att.one_step_attention_backward(dc, cache)
            return c, da, ds, g["dW"], g["dU"], g["dv"]

        def npy(a=a, s=s, W=W, U=U, v=v, dc=dc):
            # the formulas with matmuls on a (T_x, m, n) layout
            aT = a.transpose(2, 1, 0)                      # (T_x, m, n_a)
            h = np.tanh((s.T @ W.T)[None] + aT @ U.T)      # (T_x, m, n_e)
            e = (h @ v)[..., 0]                            # (T_x, m)
            al = np.exp(e - e.max(0))
            al /= al.sum(0)
            c = np.einsum("tm,tmn->nm", al, aT)
            dal = np.einsum("nm,tmn->tm", dc, aT)
            de = al * (dal - (al * dal).sum(0))
            dp = de[..., None] * v[:, 0] * (1 - h * h)     # (T_x, m, n_e)
            dsum = dp.sum(0)                               # (m, n_e)
            daT = al[..., None] * dc.T[None] + dp @ U
            return (c, daT.transpose(2, 1, 0), W.T @ dsum.T, dsum.T @ s.T,
                    np.einsum("tme,tmn->en", dp, aT), np.einsum("tm,tme->e", de, h)[:, None])

        impls = {"dlnotes": dl, "numpy": npy, "torch": None}
        if torch is not None:
            T = {k: torch.from_numpy(x.copy()) for k, x in dict(a=a, s=s, W=W, U=U, v=v).items()}
            tdc = torch.from_numpy(dc)

            def trun(T=T, tdc=tdc):
                p = {k: x.detach().requires_grad_(True) for k, x in T.items()}
                pre = (p["W"] @ p["s"])[:, :, None] + torch.einsum("en,nmt->emt", p["U"], p["a"])
                e = torch.einsum("e,emt->mt", p["v"][:, 0], torch.tanh(pre))
                al = torch.softmax(e, dim=1)
                c = torch.einsum("mt,nmt->nm", al, p["a"])
                c.backward(tdc)
                return (c.detach().numpy(),) + tuple(p[k].grad.numpy()
                                                     for k in ("a", "s", "W", "U", "v"))
            impls["torch"] = trun
        flops = 2.0 * m * T_x * n_e * (n_a + 1) * 3 + 2.0 * n_e * n_s * m * 2 + 6.0 * m * T_x * n_a
        out.append({"name": f"one_step_attention m={m} T_x={T_x} n_a={n_a}", "flops": flops,
                    "impls": impls})
    return out


def _sgns_cases(dtype, torch, rng, w2v):
    out = []
    for V, d, B, K in SGNS:
        W_in = (rng.standard_normal((V, d)) * 0.1).astype(dtype)
        W_out = (rng.standard_normal((V, d)) * 0.1).astype(dtype)
        c, o, n = rng.integers(0, V, B), rng.integers(0, V, B), rng.integers(0, V, (B, K))

        def dl(W_in=W_in, W_out=W_out, c=c, o=o, n=n):
            J, g = w2v.sgns_loss(W_in, W_out, c, o, n)
            return np.array(J), g["dW_in"], g["dW_out"]

        impls = {"dlnotes": dl, "numpy": None, "torch": None}
        if torch is not None:
            tin, tout = torch.from_numpy(W_in.copy()), torch.from_numpy(W_out.copy())
            tc, to, tn = (torch.from_numpy(x) for x in (c, o, n))
            F = torch.nn.functional

            def trun(tin=tin, tout=tout, tc=tc, to=to, tn=tn):
                wi = tin.detach().requires_grad_(True)
                wo = tout.detach().requires_grad_(True)
                v = wi[tc]
                J = -(F.logsigmoid((wo[to] * v).sum(-1))
                      + F.logsigmoid(-(wo[tn] * v[:, None]).sum(-1)).sum(-1)).mean()
                J.backward()
                return np.array(J.item()), wi.grad.numpy(), wo.grad.numpy()
            impls["torch"] = trun
        out.append({"name": f"sgns_loss V={V} d={d} B={B} K={K}", "flops": 4.0 * B * (K + 1) * d,
                    "impls": impls})
    return out


def cases(dtype, torch):
    from dlnotes.nlp import attention as att
    from dlnotes.nlp import word2vec as w2v

    rng = np.random.default_rng(13)
    return _attention_cases(dtype, torch, rng, att) + _sgns_cases(dtype, torch, rng, w2v)
