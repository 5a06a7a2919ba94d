"""Time the "Let's build GPT" lecture's small GPT on minigrad and on PyTorch eager, in turn.

    python benchmarks/bench_gpt.py [--rounds 15] [--steps 10] [--dropout 0.2] [--threads 1]

The model is examples/gpt_lecture.py's (batch 16, block 32, 4 heads, 2 layers, n_embd 64),
built in both libraries from the same seed, so both hold the same weights and see the
same batches. Two measurements per library: (train) one training step, the lecture's
forward pass with targets, zero_grad, backward and an AdamW step; (eval) one evaluation
pass, the forward pass with targets in eval mode under no_grad, as estimate_loss runs it.
The two libraries run in alternation, --steps at a time, for --rounds rounds, so both see
the same machine state; prints the median microseconds (CPU time of this process) of each
and minigrad's ratio to PyTorch. Their first losses are checked to agree.
"""

import statistics
import time

import bench_common

parser = bench_common.parser(__doc__)
parser.add_argument("--rounds", type=int, default=15, help="alternating rounds (default 15)")
parser.add_argument("--steps", type=int, default=10, help="steps per round and library (default 10)")
parser.add_argument("--dropout", type=float, default=0.2, help="the model's dropout (default 0.2, the lecture's)")
bench_common.add_threads(parser)
args = bench_common.parse_args(parser)

bench_common.import_from("examples")
import gpt_lecture  # noqa: E402

import minigrad  # noqa: E402

torch = bench_common.import_torch(args.threads)


def contender(lib, text):
    """(train step, eval pass, first loss) for ``lib``, its model built from the lecture's seed."""
    lib.manual_seed(1337)
    vocab_size, train_data, _, _ = gpt_lecture._data(lib, text)
    settings = gpt_lecture.GPT_SETTINGS
    model = gpt_lecture.make_gpt(lib, vocab_size, dropout=args.dropout)
    optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)
    get_batch = gpt_lecture._batches(lib, train_data, train_data, settings["batch_size"], settings["block_size"], "cpu")
    xb, yb = get_batch("train")

    def train():
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    @lib.no_grad()
    def evaluate():
        model.eval()
        model(xb, yb)
        model.train()

    return train, evaluate, model(xb, yb)[1].item()


def main():
    text = gpt_lecture.read_text()
    libraries = {"minigrad": minigrad, **({"torch": torch} if torch is not None else {})}
    contenders = {name: contender(lib, text) for name, lib in libraries.items()}
    if torch is not None:
        first = {name: c[2] for name, c in contenders.items()}
        assert abs(first["minigrad"] / first["torch"] - 1) < 1e-5, f"the first losses differ: {first}"
    times = {(name, kind): [] for name in contenders for kind in ("train", "eval")}
    for round_ in range(args.rounds):
        order = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
        for name in order:
            for kind, run in zip(("train", "eval"), contenders[name][:2]):
                start = time.process_time()
                for _ in range(args.steps):
                    run()
                times[name, kind].append((time.process_time() - start) / args.steps * 1e6)
    print(f"small GPT (batch 16, block 32, 4 heads, 2 layers, n_embd 64, dropout {args.dropout}), "
          f"{args.threads} thread(s), median CPU microseconds of {args.rounds} rounds of {args.steps}:")
    for kind in ("train", "eval"):
        figures = {name: statistics.median(times[name, kind]) for name in contenders}
        ratio = f", minigrad/torch {figures['minigrad'] / figures['torch']:.2f}" if "torch" in figures else ""
        print(f"  {kind:5}  " + ", ".join(f"{name} {value:,.0f} us" for name, value in figures.items()) + ratio)


if __name__ == "__main__":
    main()
