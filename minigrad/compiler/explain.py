"""``explain(loss)``: the backward of a recorded graph as numpy code a learner would write.

The code names every tensor by its label and its gradient ``d`` and the label, as the
"becoming a backprop ninja" lecture does (``dlogprobs = ...``), goes from the root back,
one op at a time with a comment giving the op's forward, and runs as printed given the
forward's arrays by those names (``Explanation.arrays``; ``Explanation.run()`` does it).
"""

import numpy as np

from ..tensor import Tensor
from .backward_code import BackwardWriter, graph_order
from .naming import Names

__all__ = ["explain", "Explanation"]


class Explanation(str):
    """The code (a str), with what it needs and what it makes: ``arrays`` (name -> the
    forward's array, or a copy of an array setting), ``gradients`` (name of a gradient ->
    the tensor it belongs to)."""

    arrays: dict
    gradients: dict

    def run(self):
        """Execute the code on ``arrays``: each gradient by name (as in ``gradients``)."""
        namespace = dict(self.arrays)
        exec(compile(self, "<minigrad.explain>", "exec"), namespace)  # noqa: S102 (our own generated code)
        return {name: namespace[name] for name in self.gradients}


def explain(root, names=None):
    """The backward of the graph that made ``root`` (a one-element tensor, before its
    ``backward()``) as numpy code. ``names`` maps names to tensors or arrays (the
    parameters, the batch ``Xb``) to call them by, where their labels would not do."""
    if not isinstance(root, Tensor):
        raise TypeError(f"explain: expected a Tensor, got {type(root).__name__}")
    if not root.requires_grad or root.is_leaf:
        raise RuntimeError(f"explain: this tensor (shape {root.shape}) was not made by ops that require grad, "
                           "so there is no backward to explain")
    if root.graph_freed:
        raise RuntimeError("explain: backward() already freed this graph; call explain(loss) before "
                           "loss.backward(), or backward(retain_graph=True)")
    if root.numel() != 1:
        raise RuntimeError(f"explain: the root must have one element (a loss); this one has shape {root.shape}")
    names = Names(names)
    order = graph_order(root)
    writer = BackwardWriter(names, order)
    writer.lines.append(f"{names.grad(root)} = np.ones_like({names.of(root)})")
    for node in reversed(order):
        if not node.is_leaf:
            writer.write(node)
    header = ["import numpy as np"]
    body = "\n".join(writer.lines)
    if "rules." in body:
        header.append("from minigrad import rules")
    if "reduce_to_shape(" in body:
        header.append("from minigrad.engine import reduce_to_shape")
    code = Explanation("\n".join(header + writer.lines) + "\n")
    code.arrays = {name: (value.numpy() if isinstance(value, Tensor) else np.array(value, copy=True)
                          if isinstance(value, np.ndarray) else value) for name, value in names.values.items()}
    code.gradients = {names.grad(tensor): tensor for tensor in order}
    return code
