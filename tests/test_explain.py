"""mg.explain: the backward of a recorded graph as numpy code, executed, gives backward()'s
gradients: for every op case of the op tables, and for the lecture's chunked graph."""

import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from helpers import _input_array
from test_ops import (BROADCAST, ELEMENTWISE, FUNCTIONAL, INDEXING, JOINS, MATMUL, REDUCTIONS, REUSE, SCALARS,
                      SHAPES, TIES)
from test_ops_math import ACTIVATIONS, BINARY, CLAMP, SELECTION, UNARY
from test_ops_shape import INDEX_OPS, REDUCTION_OPS, SHAPE_OPS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
import lecture  # noqa: E402

CASES = (ELEMENTWISE + SCALARS + BROADCAST + MATMUL + REDUCTIONS + TIES + SHAPES + INDEXING + JOINS + FUNCTIONAL
         + REUSE + UNARY + CLAMP + SELECTION + BINARY + ACTIVATIONS + SHAPE_OPS + INDEX_OPS + REDUCTION_OPS)


def check_explained(fn, inputs, seed=0):
    """The explained backward of ``fn``'s output, weighted by random numbers, executed as
    printed, against backward()'s gradients of every input."""
    rng = np.random.default_rng(seed)
    tensors = [mg.tensor(a, requires_grad=a.dtype.kind == "f") for a in (_input_array(s, rng) for s in inputs)]
    out = fn(mg, *tensors)
    if not out.requires_grad:
        pytest.skip("no gradient: the output is not floating")
    loss = (out * mg.tensor(rng.standard_normal(out.shape))).sum()
    code = mg.explain(loss)
    namespace = dict(code.arrays)
    exec(str(code), namespace)
    loss.backward()
    for name, tensor in code.gradients.items():
        if tensor.grad is not None:
            np.testing.assert_allclose(namespace[name], tensor.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("fn, inputs, options", CASES)
def test_explained_backward_gives_backwards_gradients(fn, inputs, options):
    check_explained(fn, inputs)


@pytest.fixture
def chunked():
    g = np.random.default_rng(1)
    model = lecture.MLP(27, generator=g)
    params = lecture.lecture_parameters(model)
    Xb, Yb = g.integers(0, 27, (32, 3)), g.integers(0, 27, 32)
    return params, Xb, Yb, lecture.chunked_forward(params, Xb, Yb)


def test_the_lectures_chunked_graph_reads_as_the_lecture_and_gives_its_gradients(chunked):
    params, Xb, Yb, t = chunked
    code = mg.explain(t["loss"], names={**params, "Xb": Xb, "Yb": Yb})
    for line in ["dprobs = dlogprobs / probs", "dcounts_sum_inv = (counts * dprobs).sum(1, keepdims=True)",
                 "dcounts += dcounts_sum", "dlogits = dnorm_logits.copy()", "dhpreact = (1 - h ** 2) * dh",
                 "dbndiff += 2 * bndiff * dbndiff2", "db1 = dhprebn.sum(0)", "np.add.at(dC, Xb, demb)"]:
        assert line + "\n" in code, line
    namespace = dict(code.arrays)
    exec(str(code), namespace)
    t["loss"].backward()
    for name, tensor in {**t, **params}.items():
        np.testing.assert_allclose(namespace["d" + name], tensor.grad.numpy(), rtol=1e-5, atol=1e-7, err_msg=name)


def test_the_fused_model_calls_the_rules_it_has_no_template_for():
    g = np.random.default_rng(2)
    model = lecture.MLP(27, generator=g)
    Xb, Yb = g.integers(0, 27, (32, 3)), g.integers(0, 27, 32)
    loss = F.cross_entropy(model(Xb), Yb)
    running_mean = model.batchnorm.running_mean.numpy().copy()
    code = mg.explain(loss, names=dict(model.named_parameters()))
    assert "no template for batch_norm" in code and "no template for cross_entropy" in code
    gradients = code.run()
    assert np.array_equal(model.batchnorm.running_mean.numpy(), running_mean)  # the rule ran on a copy
    loss.backward()
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(gradients["d" + name.replace(".", "_")], parameter.grad.numpy(), rtol=1e-5,
                                   atol=1e-7, err_msg=name)


def test_explain_says_what_it_cannot_explain(chunked):
    params, Xb, Yb, t = chunked
    with pytest.raises(RuntimeError, match="one element"):
        mg.explain(t["logits"])
    with pytest.raises(RuntimeError, match="not made by ops that require grad"):
        mg.explain(mg.tensor(1.0))
    t["loss"].backward()
    with pytest.raises(RuntimeError, match="before loss.backward"):
        mg.explain(t["loss"])
