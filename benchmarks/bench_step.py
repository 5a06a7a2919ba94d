"""Time one training step of the lecture's MLP six ways, interleaved in one process.

    python benchmarks/bench_step.py [--batch 32] [--hidden 200] [--threads 1] [--rounds 15]

(a) minigrad, the nn model with loss.backward(); (b) minigrad, the lecture's chunked
forward pass (about 20 small ops); (c) the hand-derived numpy backward, no graph (the
floor for any engine that runs numpy op by op); (d) PyTorch eager autograd on the same
model, when torch is installed; (e) and (f): (a) and (b) as steps compiled by mg.compile;
(g) JAX's jit of the same step (forward, jax.grad, the SGD update), when jax is installed
(``pip install ".[benchmark]"``).
All start from the same parameters and see the same batches; their losses are checked
to agree over the first steps. Prints the median microseconds per step and the ratio to
(c); then, for the compiled steps, the time of the first call (trace and code generation)
and, for every contender, the memory a step's arrays take at their peak (tracemalloc).
"""

import os
import statistics
import sys
import time
import tracemalloc

import bench_common

HERE = os.path.dirname(os.path.abspath(__file__))
# makemore's names.txt, shipped with the example
DEFAULT_DATA = os.path.join(HERE, "..", "examples", "data", "names.txt")


def parse_args():
    parser = bench_common.parser(__doc__)
    parser.add_argument("--data", default=DEFAULT_DATA, help="names file (default: examples/data/names.txt)")
    parser.add_argument("--batch", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("--hidden", type=int, default=200, help="hidden layer size (default 200)")
    bench_common.add_threads(parser)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--steps", type=int, default=0,
                        help="steps per round and contender (default: about 0.1 s of the floor's work)")
    return bench_common.parse_args(parser)


args = parse_args()

import numpy as np  # noqa: E402  (after the thread settings)

bench_common.import_from("examples")
import lecture  # noqa: E402
import makemore_data  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402

torch = bench_common.import_torch(args.threads)
jax = bench_common.import_jax(args.threads)


def minigrad_contender(model, params, step_fn):
    optimizer = mg.optim.SGD(params.values(), lr=0.1)

    def step(Xb, Yb):
        optimizer.zero_grad()
        loss = step_fn(params, model, Xb, Yb)
        optimizer.step()
        return loss

    return step


def compiled_contender(model, params, forward):
    """A step written as for eager mode (``forward`` gives the loss), compiled; the time of
    its first call, which traces it, is kept in ``first_call``."""
    optimizer = mg.optim.SGD(params.values(), lr=0.1)

    def step(Xb, Yb):
        optimizer.zero_grad()
        loss = forward(params, model, Xb, Yb)
        loss.backward()
        optimizer.step()
        return loss

    compiled = mg.compile(step)

    def run(Xb, Yb):
        if not compiled.traces:
            start = time.perf_counter()
            loss = compiled(Xb, Yb)
            run.first_call = time.perf_counter() - start
            return loss.item()
        return compiled(Xb, Yb).item()

    return run


def peak_bytes(step, X, Y, batches):
    """The most memory that Python objects (arrays included) took during one step, above
    what was held before it, as tracemalloc sees it: the median over a few steps."""
    tracemalloc.start()
    peaks = []
    for ix in batches:
        Xb, Yb = X[ix], Y[ix]
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step(Xb, Yb)
        peaks.append(tracemalloc.get_traced_memory()[1] - before)
    tracemalloc.stop()
    return statistics.median(peaks)


def chunked_step(params, model, Xb, Yb):
    loss = lecture.chunked_forward(params, Xb, Yb, retain=False)["loss"]
    loss.backward()
    return loss.item()


def torch_contender(params, n_embd, block_size):
    """The same model in torch eager. torch's batch_norm divides the batch variance by n;
    the lecture's by n - 1. With eps' = eps (n-1)/n and the gain times sqrt((n-1)/n) it
    computes exactly the lecture's function."""
    p = {name: torch.tensor(t.numpy().copy(), requires_grad=True) for name, t in params.items()}
    optimizer = torch.optim.SGD(p.values(), lr=0.1)

    def step(Xb, Yb):
        n = Xb.shape[0]
        Xb, Yb = torch.from_numpy(Xb), torch.from_numpy(Yb)
        optimizer.zero_grad(set_to_none=True)
        embcat = p["C"][Xb].view(n, -1)
        hprebn = torch.nn.functional.linear(embcat, p["W1"], p["b1"])
        hpreact = torch.nn.functional.batch_norm(hprebn, None, None, p["bngain"] * ((n - 1) / n) ** 0.5,
                                                 p["bnbias"], training=True, eps=1e-5 * (n - 1) / n)
        logits = torch.nn.functional.linear(torch.tanh(hpreact), p["W2"], p["b2"])
        loss = torch.nn.functional.cross_entropy(logits, Yb)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def jax_contender(params):
    """The same step as one function jitted by JAX: the loss of the lecture's graph (its
    Bessel-corrected batch variance), its gradients by jax.grad, and the SGD update."""
    jnp = jax.numpy
    state = {"p": {name: jnp.asarray(t.numpy()) for name, t in params.items()}}

    def loss_of(p, Xb, Yb):
        n = Xb.shape[0]
        hprebn = p["C"][Xb].reshape(n, -1) @ p["W1"].T + p["b1"]
        bndiff = hprebn - hprebn.mean(0, keepdims=True)
        bnvar = (bndiff * bndiff).sum(0, keepdims=True) / (n - 1)
        h = jnp.tanh(p["bngain"] * bndiff * (bnvar + 1e-5) ** -0.5 + p["bnbias"])
        logits = h @ p["W2"].T + p["b2"]
        return -jax.nn.log_softmax(logits, axis=1)[jnp.arange(n), Yb].mean()

    @jax.jit
    def update(p, Xb, Yb):
        loss, grads = jax.value_and_grad(loss_of)(p, Xb, Yb)
        return jax.tree_util.tree_map(lambda value, grad: value - 0.1 * grad, p, grads), loss

    def step(Xb, Yb):
        state["p"], loss = update(state["p"], Xb, Yb)
        return float(loss)

    return step


def main():
    words = makemore_data.read_words(args.data)
    vocab = makemore_data.build_vocab(words)
    X, Y = makemore_data.build_dataset(words, {ch: i for i, ch in enumerate(vocab)}, 3)
    batches = np.random.default_rng(0).integers(0, len(X), (4096, args.batch))

    def fresh_params():
        model = lecture.MLP(len(vocab), 3, 10, args.hidden, generator=np.random.default_rng(42))
        return model, lecture.lecture_parameters(model)

    contenders = {}
    for name, step_fn in (("(a) minigrad, nn layers", lecture.engine_step),
                          ("(b) minigrad, chunked lecture graph", chunked_step),
                          ("(c) numpy, hand-derived backward", lecture.manual_step)):
        model, params = fresh_params()
        contenders[name] = minigrad_contender(model, params, step_fn)
    if torch is not None:
        contenders["(d) PyTorch eager"] = torch_contender(fresh_params()[1], 10, 3)
    for name, forward in (("(e) minigrad compiled, nn layers", lambda p, model, Xb, Yb: F.cross_entropy(model(Xb), Yb)),
                          ("(f) minigrad compiled, chunked graph",
                           lambda p, model, Xb, Yb: lecture.chunked_forward(p, Xb, Yb, retain=False)["loss"])):
        model, params = fresh_params()
        contenders[name] = compiled_contender(model, params, forward)
    if jax is not None:
        contenders["(g) JAX jit"] = jax_contender(fresh_params()[1])

    # identical start and batches: the losses of the first steps must agree
    first_losses = {name: [step(X[ix], Y[ix]) for ix in batches[:20]] for name, step in contenders.items()}
    reference = first_losses["(c) numpy, hand-derived backward"]
    for name, losses in first_losses.items():
        worst = max(abs(a - b) for a, b in zip(losses, reference))
        print(f"{name:38s} loss over the first 20 steps agrees with (c) to {worst:.1e}")
        if worst > 1e-3:
            sys.exit(f"bench_step: {name} does not compute the same losses as (c)")

    floor = contenders["(c) numpy, hand-derived backward"]
    steps = args.steps
    if not steps:
        start = time.perf_counter()
        for ix in batches[:50]:
            floor(X[ix], Y[ix])
        steps = max(10, int(0.1 / ((time.perf_counter() - start) / 50)))
    # CPU time of this process as well as wall time: on a shared machine the wall clock
    # also counts the moments other processes had the core
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    cursor = 0
    for _ in range(args.rounds):
        for name, step in contenders.items():
            chosen = [batches[(cursor + i) % len(batches)] for i in range(steps)]
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            for ix in chosen:
                step(X[ix], Y[ix])
            cpu[name].append((time.process_time() - start_cpu) / steps * 1e6)
            wall[name].append((time.perf_counter() - start_wall) / steps * 1e6)
        cursor += steps

    print(f"\nbatch {args.batch}, hidden {args.hidden}, {args.threads} thread(s), {args.rounds} rounds of "
          f"{steps} steps; median microseconds per training step (forward, backward, SGD update)")
    floor = "(c) numpy, hand-derived backward"
    base_cpu, base_wall = statistics.median(cpu[floor]), statistics.median(wall[floor])
    print(f"{'':38s} {'cpu us':>8s} {'ratio':>7s} {'wall us':>9s} {'ratio':>7s}")
    for name in contenders:
        median_cpu, median_wall = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"{name:38s} {median_cpu:8.1f} {median_cpu / base_cpu:6.2f}x {median_wall:9.1f} "
              f"{median_wall / base_wall:6.2f}x")
    print()
    for name, step in contenders.items():
        first = getattr(step, "first_call", None)
        first = f"; first call (trace and code) {first * 1e3:.1f} ms" if first is not None else ""
        print(f"{name:38s} peak memory of a step's objects {peak_bytes(step, X, Y, batches[:20]) / 1024:7.1f} KiB"
              f"{first}")


if __name__ == "__main__":
    main()
