"""Debugging a backward pass: comparing gradients you derived with the engine's (as the
lecture's ``cmp`` does), keeping every gradient, and finding the op that made a NaN."""

import linecache
import os
import sys
from collections import namedtuple

import numpy as np

from .drawing import draw_graph
from .state import Mode
from .tensor import Tensor

__all__ = ["Comparison", "compare", "compare_table", "retain_grads", "AnomalyError", "detect_anomaly"]

Comparison = namedtuple("Comparison", ["name", "shape", "exact", "approximate", "max_diff", "problem"])
Comparison.__doc__ = """One row of ``compare``: ``problem`` says why no numbers could be compared
(shapes differ, no gradient), or is None."""


def _format(row):
    if row.problem:
        return f"{row.name:15s} | {str(row.shape):12s} | {row.problem}"
    return (f"{row.name:15s} | {str(row.shape):12s} | exact: {str(row.exact):5s} | "
            f"approximate: {str(row.approximate):5s} | maxdiff: {row.max_diff:.3g}")


Comparison.__str__ = _format


def compare(name, mine, tensor, rtol=1e-5, atol=1e-8):
    """Compare ``mine`` (an array you computed) with ``tensor.grad``: exactly equal,
    equal within tolerances (numpy's allclose), and the largest absolute difference.
    Pass an array instead of a tensor to compare two arrays."""
    mine = np.asarray(mine.array if isinstance(mine, Tensor) else mine)
    theirs = tensor._grad if isinstance(tensor, Tensor) else np.asarray(tensor)
    if theirs is None:
        return Comparison(name, tuple(tensor.shape), False, False, None,
                          "the tensor has no .grad (call retain_grad() before backward, or use retain_grads())")
    if mine.shape != theirs.shape:
        return Comparison(name, tuple(theirs.shape), False, False, None,
                          f"shapes differ: yours is {mine.shape}, the gradient's is {theirs.shape}")
    difference = np.abs(mine.astype(np.float64) - theirs.astype(np.float64))
    return Comparison(name, tuple(theirs.shape), bool(np.array_equal(mine, theirs)),
                      bool(np.allclose(mine, theirs, rtol=rtol, atol=atol)),
                      float(difference.max()) if difference.size else 0.0, None)


def compare_table(pairs, rtol=1e-5, atol=1e-8):
    """``compare`` over ``(name, mine, tensor)`` triples: the rows, printable one per line."""
    return [compare(name, mine, tensor, rtol=rtol, atol=atol) for name, mine, tensor in pairs]


class retain_grads(Mode):
    """Inside it, every tensor an op makes keeps its ``.grad`` after backward, as if
    ``retain_grad()`` had been called on each (the lecture calls it on 19 by hand)."""

    def _changes(self, modes):
        return {"watchers": modes.watchers + (_retain,)}


def _retain(out):
    if out.requires_grad:
        out.retain_grad()


class AnomalyError(FloatingPointError):
    """Raised by ``detect_anomaly`` at the first NaN or Inf. ``tensor`` is the tensor
    the failing op made (forward) or whose op's backward failed; ``origin`` is the
    user code that made it, "file:line in function", or None; ``summary`` is what
    was found in a few words ("Inf in forward"), for a drawing."""

    def __init__(self, message, tensor, origin, summary=None):
        super().__init__(message)
        self.tensor, self.origin, self.summary = tensor, origin, summary

    def __reduce__(self):
        # the tensor holds the graph, whose backward closures cannot be pickled (an error
        # sent from a worker process): a copy keeps everything else
        return type(self), (str(self), None, self.origin, self.summary)

    def draw(self, root=None, **options):
        """The graph up to ``tensor`` (or the graph of ``root``) with the failing op
        drawn red; ``options`` as for ``minigrad.draw_graph``."""
        return draw_graph(self.tensor if root is None else root, highlight=self, **options)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_frame():
    """The innermost stack frame outside minigrad: where the user made the tensor."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        frame = frame.f_back
    return frame


def _describe_origin(frame):
    if frame is None:
        return None
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}" + (f": {line}" if line else "")


def _bad_values(array):
    """'NaN', 'Inf', 'NaN and Inf' or None for an all-finite array."""
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    nan, inf = bool(np.isnan(array).any()), bool(np.isinf(array).any())
    return " and ".join(word for word, present in (("NaN", nan), ("Inf", inf)) if present)


def _name(tensor):
    return f"'{tensor.label}' " if tensor.label else ""


def _inside(tensor):
    return f" inside {' > '.join(tensor.scope)}" if tensor.scope else ""


class detect_anomaly(Mode):
    """Inside it, every op's output in the forward and every gradient in the backward
    is checked for NaN and Inf, and AnomalyError is raised at the first one, naming
    the op, the shapes, the tensor's label and the line of user code that made the
    tensor. The line is captured only in this mode, so the normal path pays nothing.
    Run both the forward and ``backward()`` inside it."""

    def _changes(self, modes):
        return {"watchers": modes.watchers + (_check_output,),
                "gradient_checks": modes.gradient_checks + (_check_gradient,)}


def _check_output(out):
    """Called with every op's output: remember where the user made it, and fail on NaN or Inf."""
    out._origin = _describe_origin(_user_frame())
    bad = _bad_values(out.array)
    if not bad:
        return
    inputs = [t for t in out.inputs if isinstance(t, Tensor)]
    already = [f"input {i} {_name(t)}of shape {t.shape} already holds {_bad_values(t.array)}"
               for i, t in enumerate(inputs) if _bad_values(t.array)]
    cause = "; ".join(already) if already else "its inputs are all finite, so this op made it"
    # the output has no label yet (it is set after the op returns): name the inputs
    raise AnomalyError(
        f"detect_anomaly: forward of {out.op}{_inside(out)} made {bad} in its output of shape {out.shape} "
        f"(inputs: {', '.join(f'{_name(t)}{t.shape}' for t in inputs)}); {cause}. "
        f"Made at {out._origin or 'an unknown place'}", out, out._origin, f"{bad} in forward")


def _check_gradient(node, inp, grad):
    """Called by backward with each gradient an op's backward gives (``node`` made by
    that op), and with ``node`` None for the gradient summed over every use of ``inp``
    (after its hooks)."""
    bad = _bad_values(np.asarray(grad))
    if not bad:
        return
    if node is None:
        origin = inp.origin
        raise AnomalyError(
            f"detect_anomaly: the gradient reaching {_name(inp)}of shape {inp.shape}, summed over its uses "
            f"and after its hooks, holds {bad}" + (f"; it was made at {origin}" if origin else ""),
            inp, origin, f"{bad} in backward")
    origin = node.origin
    raise AnomalyError(
        f"detect_anomaly: backward of {node.op}{_inside(node)} (output {_name(node)}of shape {node.shape}) gave {bad} "
        f"in the gradient of its input {_name(inp)}of shape {inp.shape}. The op was made at "
        f"{origin or 'an unknown place (run the forward inside detect_anomaly too)'}", node, origin,
        f"{bad} in backward")
