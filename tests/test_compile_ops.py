"""mg.compile on the op table: each op case's function, its forward and backward compiled,
replayed on new values, gives the eager op's values and gradients (or, for the cases whose
result compile cannot replay, its error while tracing)."""

import numpy as np
import pytest

import minigrad as mg

from helpers import _input_array
from test_explain import CASES


def check_compiled(fn, inputs, seed=0):
    """``fn``'s forward and backward compiled, replayed on new values of the inputs: the
    values and gradients the eager op gives on them."""
    rng = np.random.default_rng(seed)
    arrays = [_input_array(spec, rng) for spec in inputs]
    tensors = [mg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    probe = fn(mg, *tensors)
    if not probe.requires_grad or probe.is_leaf:
        pytest.skip("no op with a gradient to compile")
    weight = mg.tensor(rng.standard_normal(probe.shape))

    def forward_backward(*ts):
        out = fn(mg, *ts)
        (out * weight).sum().backward()
        return out

    compiled = mg.compile(forward_backward)
    compiled(*tensors)  # traced
    again = np.random.default_rng(seed + 1)
    for t, spec in zip(tensors, inputs):  # new values of the same shapes and kinds (their order changes too)
        if t.requires_grad:
            t.data = _input_array(spec, again)
            t.grad = None
    replayed = compiled(*tensors).numpy()
    grads = [t.grad.numpy() if t.requires_grad and t.grad is not None else None for t in tensors]
    for t in tensors:
        t.grad = None
    expected = forward_backward(*tensors)
    assert compiled.traces == 1
    np.testing.assert_allclose(replayed, expected.numpy(), rtol=1e-10, atol=1e-12)
    for t, grad in zip(tensors, grads):
        if grad is not None:
            np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


# one_hot's table, log_softmax's and logsumexp's shift by the max, a comparison's or ~'s mask
# (where with a scalar input), max's and topk's indices, an index's array and a tensor of a list
# tell the tracer how to make them again; softmax is a primitive. These cases index with a numpy
# array the function makes itself, which compile refuses (its values could come from anything).
NUMPY_MADE = ("int ndarray", "negative rows", "rows of a 3-D table", "elements of a 1-D table",
              "rows of a large table", "gather repeats")


# These pick by a bool mask, whose count of True values sets the result's shape.
MASKED = ("bool mask", "masked_select", "masked_select broadcast", "int, slice, mask", "bool ndarray rows")


@pytest.mark.parametrize("fn, inputs, options", CASES)
def test_every_op_case_compiled_gives_the_eager_values_and_gradients(fn, inputs, options, request):
    refused = {**dict.fromkeys(NUMPY_MADE, "neither takes as an input nor reads by name"),
               **dict.fromkeys(MASKED, "picks elements by a bool mask")}.get(request.node.callspec.id)
    if refused is not None:
        with pytest.raises(mg.CompileError, match=refused):
            check_compiled(fn, inputs)
        return
    check_compiled(fn, inputs)


def test_a_comparison_mask_is_computed_again_on_every_call():
    check_compiled(lambda lib, x: x * (x > 0.1) + x.masked_fill(~(x < 0.3), 0.5), [(6, 5)])
