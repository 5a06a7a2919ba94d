"""Draw the pictures of docs/graph.md into docs/images/:

    python docs/make_graph_pictures.py

lecture_graph.svg: the lecture's forward pass cut into its small steps (chunked_forward
of examples/makemore.py), every intermediate under the lecture's name.
mlp_step.svg: one training step of examples/makemore.py's MLP, grouped by layer, with
the gradient figures of the parameters after backward (what makemore.py --graph draws).

The numbers inside do not matter, only the shapes: the model is the lecture's (27
characters, 3 of context, embeddings of 10, 64 hidden neurons) on a random batch of 32,
so no data set is needed.
"""

import sys
from pathlib import Path

import numpy as np

import minigrad as mg
import minigrad.functional as F

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "examples"))
import makemore  # noqa: E402  (found through the path above)

VOCAB_SIZE, BLOCK_SIZE, N_EMBD, N_HIDDEN, BATCH_SIZE = 27, 3, 10, 64, 32


def main():
    rng = np.random.default_rng(42)
    model = makemore.MLP(VOCAB_SIZE, BLOCK_SIZE, N_EMBD, N_HIDDEN, generator=rng)
    Xb = rng.integers(0, VOCAB_SIZE, (BATCH_SIZE, BLOCK_SIZE))
    Yb = rng.integers(0, VOCAB_SIZE, BATCH_SIZE)
    images = DOCS / "images"
    images.mkdir(exist_ok=True)

    params = makemore.lecture_parameters(model)
    loss = makemore.chunked_forward(params, Xb, Yb, retain=False)["loss"]
    # top to bottom: a chain of 60 nodes drawn left to right is too wide to read
    mg.save_graph(loss, images / "lecture_graph.svg", names={**params, "Xb": Xb, "Yb": Yb}, rankdir="TB")

    loss = F.cross_entropy(model(Xb), Yb)
    loss.backward()
    mg.save_graph(loss, images / "mlp_step.svg", names={**params, "Xb": Xb, "Yb": Yb, "loss": loss},
                  show_grad=True)
    print(f"wrote lecture_graph.svg and mlp_step.svg to {images}")


if __name__ == "__main__":
    main()
