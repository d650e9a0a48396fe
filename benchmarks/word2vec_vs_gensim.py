"""word2vec skip-gram: :func:`dlnotes.nlp.word2vec.train_skipgram` against gensim 4.x in the
same run, on the Wikipedia extract that ships in gensim's wheel.

Both train ``sg=1, negative=5, vector_size=100, window=5, min_count=5, sample=1e-3,
epochs=5`` (alpha 0.025 -> 0.0001) on the same token lists, with 1 and 2 threads, for 3
seeds, alternating which one runs first.  Reported per implementation and thread count
(means over the seeds):

* raw words per second: epochs x corpus tokens / wall time of vocabulary + training, and
  per CPU-second (process CPU time, all threads);
* analogy accuracy on ``questions-words.txt`` (3CosAdd over the vocabulary, questions with
  an out-of-vocabulary word skipped: gensim's protocol, scored by the same dlnotes code for
  both models) and the Spearman correlation with ``wordsim353.tsv``.

Run: ``python benchmarks/word2vec_vs_gensim.py [--seeds 3] [--threads 1 2]``.  Needs gensim
(``pip install "dlnotes[bench]"``).  Prints the CPU model and the load average.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")    # level-1 BLAS only: no BLAS threads

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _machine import cpu_model  # noqa: E402

from dlnotes.datasets.wiki import (load_questions_words, load_wiki_sentences,  # noqa: E402
                                   load_wordsim353)
from dlnotes.nlp.word2vec import train_skipgram  # noqa: E402
from dlnotes.nlp.word_vectors import (WordVectors, evaluate_word_analogies,  # noqa: E402
                                      evaluate_word_pairs)

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5,
              alpha=0.025, min_alpha=1e-4)


def run_dlnotes(sents, threads, seed):
    m = train_skipgram(sents, workers=threads, seed=seed, **PARAMS)
    return WordVectors(m.words, m.W_in)


def run_gensim(sents, threads, seed):
    from gensim.models import Word2Vec

    m = Word2Vec(sents, sg=1, hs=0, workers=threads, seed=seed, **PARAMS)
    return WordVectors(m.wv.index_to_key, m.wv.vectors)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    import gensim

    sents = load_wiki_sentences()
    questions, pairs = load_questions_words(), load_wordsim353()
    n_tokens = sum(map(len, sents))
    raw = PARAMS["epochs"] * n_tokens
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; gensim {gensim.__version__}; "
          f"corpus: {len(sents)} articles, {n_tokens} tokens")
    loads = [os.getloadavg()[0]]
    impls = {"dlnotes": run_dlnotes, "gensim": run_gensim}
    res = {}
    for threads in args.threads:
        for s in range(args.seeds):
            order = list(impls) if s % 2 == 0 else list(impls)[::-1]
            for name in order:
                time.sleep(0.3)
                w0, c0 = time.perf_counter(), time.process_time()
                vecs = impls[name](sents, threads, seed=s + 1)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                acc, n_ok, n_q = evaluate_word_analogies(vecs, questions)
                rho, n_p = evaluate_word_pairs(vecs, pairs)
                loads.append(os.getloadavg()[0])
                res.setdefault((name, threads), []).append((raw / wall, raw / cpu, acc, rho))
                print(f"{name:8s} threads={threads} seed={s + 1}: {wall:6.1f} s "
                      f"({raw / wall:8.0f} words/s, {raw / cpu:8.0f} per CPU-s), vocab "
                      f"{len(vecs)}, analogies {acc:.4f} ({n_ok}/{n_q}), wordsim353 rho "
                      f"{rho:.4f} ({n_p} pairs), load {loads[-1]:.1f}", flush=True)
    print(f"\nload average (1 min) during the run: {min(loads):.1f} - {max(loads):.1f}")
    print(f"{'implementation':16s} {'threads':>7s} {'words/s':>10s} {'words/CPU-s':>12s} "
          f"{'analogy acc':>14s} {'wordsim rho':>14s}")
    for (name, threads), rows in res.items():
        a = np.array(rows)
        sd = a.std(axis=0, ddof=1) if len(a) > 1 else np.zeros(4)
        print(f"{name:16s} {threads:7d} {a[:, 0].mean():10.0f} {a[:, 1].mean():12.0f} "
              f"{a[:, 2].mean():8.4f}±{sd[2]:.4f} {a[:, 3].mean():8.4f}±{sd[3]:.4f}")
    for threads in args.threads:
        if ("dlnotes", threads) in res and ("gensim", threads) in res:
            d = np.array(res[("dlnotes", threads)])[:, 0].mean()
            g = np.array(res[("gensim", threads)])[:, 0].mean()
            print(f"speed ratio dlnotes/gensim at {threads} thread(s): {d / g:.2f}")


if __name__ == "__main__":
    main()
