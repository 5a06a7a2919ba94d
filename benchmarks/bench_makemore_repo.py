"""Time a training step of each of makemore.py's six models on minigrad and on PyTorch eager.

    python benchmarks/bench_makemore_repo.py [--rounds 7] [--steps 10] [--threads 1] [--only transformer]

The models are tests/makemore_repo_code.py's, written in makemore.py's idioms, at makemore.py's
default sizes (4 layers, 4 heads, n_embd 64, n_embd2 64, batch 32, block 16, 27 characters),
built from one seed in both libraries, so both hold the same weights and see the same batch.
A step is makemore.py's: the forward pass with targets (cross_entropy with ignore_index=-1),
zero_grad(set_to_none=True), backward, an AdamW step. For each model the two libraries take
turns, --steps steps at a time, for --rounds rounds; prints the median CPU microseconds per
step and minigrad's ratio to PyTorch, after checking that their first losses agree.
"""

import statistics
import time

import bench_common

parser = bench_common.parser(__doc__)
parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per model (default 7)")
parser.add_argument("--steps", type=int, default=10, help="steps per round and library (default 10)")
bench_common.add_threads(parser)
parser.add_argument("--only", choices=["bigram", "mlp", "rnn", "gru", "bow", "transformer"], help="one model only")
args = bench_common.parse_args(parser)

bench_common.import_from("tests")
from makemore_repo_code import MODEL_TYPES, Config, models  # noqa: E402

import minigrad  # noqa: E402

torch = bench_common.import_torch(args.threads)

CONFIG = dict(vocab_size=27, block_size=16, n_layer=4, n_embd=64, n_embd2=64, n_head=4)


def training_step(lib, kind):
    """(one training step of ``kind`` on ``lib``, its first loss)."""
    lib.manual_seed(3407)
    model = models(lib, None).make_model(kind, Config(**CONFIG))
    optimizer = lib.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    X = lib.randint(0, 27, (32, 16))
    Y = lib.cat([X[:, 1:], lib.full((32, 1), -1, dtype=lib.long)], dim=1)

    def step():
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step, model(X, Y)[1].item()


def median_times(steps):
    """Median CPU microseconds per step of each library's step, taking turns round by round."""
    times = {name: [] for name in steps}
    for round_ in range(args.rounds):
        for name in list(steps) if round_ % 2 == 0 else list(reversed(steps)):
            start = time.process_time()
            for _ in range(args.steps):
                steps[name]()
            times[name].append((time.process_time() - start) / args.steps * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    libraries = {"minigrad": minigrad, **({"torch": torch} if torch is not None else {})}
    print(f"makemore.py's models (batch 32, block 16, n_embd 64, n_embd2 64, 4 layers, 4 heads), a training "
          f"step, {args.threads} thread(s), median CPU microseconds of {args.rounds} rounds of {args.steps}:")
    for kind in [args.only] if args.only else MODEL_TYPES:
        contenders = {name: training_step(lib, kind) for name, lib in libraries.items()}
        if torch is not None:
            first = {name: loss for name, (_, loss) in contenders.items()}
            assert abs(first["minigrad"] / first["torch"] - 1) < 1e-5, f"{kind}: the first losses differ: {first}"
        figures = median_times({name: step for name, (step, _) in contenders.items()})
        ratio = f", minigrad/torch {figures['minigrad'] / figures['torch']:.2f}" if "torch" in figures else ""
        print(f"  {kind:11}  " + ", ".join(f"{name} {value:,.0f} us" for name, value in figures.items()) + ratio)


if __name__ == "__main__":
    main()
