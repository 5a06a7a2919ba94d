"""Draw the pictures of docs/index.md, docs/graph.md and docs/debugging.md into docs/images/:

    python docs/make_graph_pictures.py

neuron.svg: micrograd's neuron after backward, every value and gradient (docs/graph.md's
first example: keep micrograd_neuron() below and the page alike).
neuron_retained.svg: the same neuron made inside mg.retain_grads(), so the intermediates'
gradients are kept too.
small_graph.svg: the small graph of docs/index.md, after backward (its code is repeated
in small_graph() below: keep the two alike).
lecture_graph.svg: the lecture's forward pass cut into its small steps (chunked_forward
of examples/lecture.py), every intermediate under the lecture's name.
mlp_step.svg: one training step of examples/lecture.py's MLP, grouped by layer, with
the gradient figures of the parameters after backward (what lecture.py --graph draws).
anomaly.svg (docs/debugging.md): the log of a zero probability, caught by detect_anomaly
and drawn red by AnomalyError.draw(), the model's layers collapsed.

The numbers inside do not matter, only the shapes: the model is the lecture's (27
characters, 3 of context, embeddings of 10, 64 hidden neurons) on a random batch of 32,
so no data set is needed.
"""

import os
import sys
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.functional as F

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "examples"))
import lecture  # noqa: E402  (examples/lecture.py, found through the path above)

VOCAB_SIZE, BLOCK_SIZE, N_EMBD, N_HIDDEN, BATCH_SIZE = 27, 3, 10, 64, 32


def small_graph():
    """The example of docs/index.md: one tanh neuron on two examples, a loss, backward."""
    x = mg.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]], label="x")   # 2 examples, 3 features
    w = mg.tensor([[0.2], [-0.1], [0.3]], requires_grad=True, label="w")
    b = mg.tensor([0.1], requires_grad=True, label="b")
    h = (x @ w + b).tanh()
    h.label = "h"
    loss = (h * h).mean()
    loss.label = "loss"
    loss.backward()
    return loss


def micrograd_neuron():
    """micrograd's neuron, as docs/graph.md builds it: o = tanh(x1*w1 + x2*w2 + b), every
    step a labelled tensor. Returns o and the others."""
    x1 = mg.tensor(2.0, requires_grad=True, label="x1")
    x2 = mg.tensor(0.0, requires_grad=True, label="x2")
    w1 = mg.tensor(-3.0, requires_grad=True, label="w1")
    w2 = mg.tensor(1.0, requires_grad=True, label="w2")
    b = mg.tensor(6.8813735870195432, requires_grad=True, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"  # noqa: E702  (micrograd's lines, as on the page)
    x2w2 = x2 * w2; x2w2.label = "x2*w2"  # noqa: E702
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = "x1*w1 + x2*w2"  # noqa: E702
    n = x1w1x2w2 + b; n.label = "n"  # noqa: E702
    o = n.tanh(); o.label = "o"  # noqa: E702
    return o, [x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n]


def pictures():
    """{file name: the Drawing written to docs/images/ under it}."""
    rng = np.random.default_rng(42)
    model = lecture.MLP(VOCAB_SIZE, BLOCK_SIZE, N_EMBD, N_HIDDEN, generator=rng)
    Xb = rng.integers(0, VOCAB_SIZE, (BATCH_SIZE, BLOCK_SIZE))
    Yb = rng.integers(0, VOCAB_SIZE, BATCH_SIZE)
    drawn = {}
    o, kept = micrograd_neuron()  # kept, as a notebook's variables are: their values are drawn
    o.backward()
    drawn["neuron.svg"] = mg.draw_graph(o, show_data=True, show_grad=True)
    with mg.retain_grads():
        o, kept = micrograd_neuron()
    o.backward()
    drawn["neuron_retained.svg"] = mg.draw_graph(o, show_data=True, show_grad=True)
    drawn["small_graph.svg"] = mg.draw_graph(small_graph(), show_grad=True)

    params = lecture.lecture_parameters(model)
    loss = lecture.chunked_forward(params, Xb, Yb, retain=False)["loss"]
    # top to bottom: a chain of 60 nodes drawn left to right is too wide to read
    drawn["lecture_graph.svg"] = mg.draw_graph(loss, names={**params, "Xb": Xb, "Yb": Yb}, rankdir="TB")

    loss = F.cross_entropy(model(Xb), Yb)
    loss.backward()
    drawn["mlp_step.svg"] = mg.draw_graph(loss, names={**params, "Xb": Xb, "Yb": Yb, "loss": loss}, show_grad=True)
    drawn["anomaly.svg"] = anomaly_graph()
    return drawn


def main():
    images = DOCS / "images"
    images.mkdir(exist_ok=True)
    drawn = pictures()
    for name, graph in drawn.items():
        mg.save_graph(graph, images / name)
    print(f"wrote {', '.join(drawn)} to {images}")


def anomaly_graph():
    """The failure of docs/debugging.md in one step: an output bias of -200 makes one
    character's probability exactly 0 in float32, and detect_anomaly stops at its log.
    Returns the error's drawing, the log in red."""
    rng = np.random.default_rng(0)
    model = lecture.MLP(VOCAB_SIZE, BLOCK_SIZE, N_EMBD, N_HIDDEN, generator=rng)
    Xb = rng.integers(0, VOCAB_SIZE, (BATCH_SIZE, BLOCK_SIZE))
    Yb = rng.integers(0, VOCAB_SIZE, BATCH_SIZE)
    model.output.bias.numpy()[Yb[0]] = -200.0
    try:
        # the log of 0 is the point here: numpy's warning about it would only repeat the error
        with mg.detect_anomaly(), np.errstate(divide="ignore"):
            probs = F.softmax(model(Xb), dim=1)
            -probs[np.arange(BATCH_SIZE), Yb].log().mean()
    except mg.AnomalyError as error:
        graph = error.draw(names={"Xb": Xb, "Yb": Yb}, rankdir="TB",
                           collapse=("embedding", "hidden", "batchnorm", "output"))
    else:
        raise AssertionError("the log of a zero probability did not raise")
    # the red op's tooltip names this file: relative to the project, as on any machine
    graph.body = [line.replace(str(DOCS.parent) + os.sep, "") for line in graph.body]
    return graph


if __name__ == "__main__":
    main()
