"""Time a training step of two checkouts of minigrad in one process, in turn.

    python benchmarks/bench_pair.py OLD_TREE NEW_TREE [--contender b] [--rounds 200]

Each tree is a directory holding minigrad/ and examples/ (a git worktree of another
commit, say). Both are imported into this one process under the same names, one after
the other, and their steps run in alternation, 20 at a time, the order swapped every
round. Separate runs of bench_step.py on a shared machine drift by 5 to 10 %; here both
trees see the same machine state: a tree against itself gives 1.000 to 1.007, so a
difference of 1 to 2 % shows. The contenders are bench_step.py's: (a) the nn model,
(b) the lecture's chunked graph, (c) the numpy floor. Prints the median microseconds
per step of each tree and their ratio.
"""

import argparse
import importlib
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("old", help="the tree measured first (holding minigrad/ and examples/)")
parser.add_argument("new", help="the tree compared with it")
parser.add_argument("--contender", choices="abc", default="b", help="(a) nn model, (b) chunked graph, (c) floor")
parser.add_argument("--rounds", type=int, default=200, help="rounds of 20 steps per tree (default 200)")
parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
args = parser.parse_args()
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(args.threads)

import numpy as np  # noqa: E402  (after the thread settings)

OWN_MODULES = ("lecture", "makemore_data", "makemore")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data", "names.txt")
STEPS_PER_TURN = 20


def _is_tree_module(name):
    return name == "minigrad" or name.startswith("minigrad.") or name in OWN_MODULES


def import_tree(tree):
    """minigrad and the lecture's module of ``tree``, imported afresh."""
    for name in [name for name in sys.modules if _is_tree_module(name)]:
        del sys.modules[name]
    paths = [os.path.join(tree, "examples"), tree]
    sys.path[:0] = paths
    try:
        mg = importlib.import_module("minigrad")
        try:
            return mg, importlib.import_module("lecture"), importlib.import_module("makemore_data")
        except ImportError:  # a tree from before examples/lecture.py: makemore.py held it all
            makemore = importlib.import_module("makemore")
            return mg, makemore, makemore
    finally:
        del sys.path[:len(paths)]


def make_step(tree):
    """One training step of the chosen contender on ``tree``'s minigrad, and its data."""
    mg, lecture, data = import_tree(tree)
    words = data.read_words(DATA)
    vocab = data.build_vocab(words)
    X, Y = data.build_dataset(words, {ch: i for i, ch in enumerate(vocab)}, 3)
    model = lecture.MLP(len(vocab), 3, 10, 200, generator=np.random.default_rng(42))
    params = lecture.lecture_parameters(model)
    optimizer = mg.optim.SGD(params.values(), lr=0.1)
    forward_backward = {"a": lecture.engine_step, "c": lecture.manual_step,
                        "b": lambda p, m, Xb, Yb: lecture.chunked_forward(p, Xb, Yb, retain=False)["loss"].backward()}
    run = forward_backward[args.contender]

    def step(ix):
        optimizer.zero_grad()
        run(params, model, X[ix], Y[ix])
        optimizer.step()

    return step, len(X)


def main():
    steps = [make_step(tree) for tree in (args.old, args.new)]
    batches = np.random.default_rng(0).integers(0, min(size for _, size in steps), (4096, 32))
    times = ([], [])
    for turn in range(args.rounds):
        chosen = [batches[(turn * STEPS_PER_TURN + i) % len(batches)] for i in range(STEPS_PER_TURN)]
        for which in ((0, 1) if turn % 2 == 0 else (1, 0)):
            step = steps[which][0]
            start = time.process_time()
            for ix in chosen:
                step(ix)
            times[which].append((time.process_time() - start) / STEPS_PER_TURN * 1e6)
    old, new = (statistics.median(t) for t in times)
    print(f"({args.contender}) median cpu us per step: old {old:.1f}, new {new:.1f}, new/old {new / old:.4f}")


if __name__ == "__main__":
    main()
