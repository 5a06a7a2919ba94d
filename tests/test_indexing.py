"""Indexing against numpy and PyTorch on indices Hypothesis makes up: ints (negative too),
slices with steps, None, Ellipsis, lists, tuples, int arrays and tensors, bool masks, for
reading ``x[key]``, for the gradient of a read (repeated elements add up) and for index
assignment ``x[key] = value``, on a leaf and inside the graph.

The reference without torch is numpy under PyTorch's rule for an index that mixes ints
with arrays: the ints select first, then numpy's rule applies to the rest (``x[0, :, [0, 2]]``
is ``x[0][:, [0, 2]]``). Where torch is installed, this reference is checked against its
answers too."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import minigrad as mg
from helpers import torch
from layouts import CONTIGUOUS, LAYOUTS

WRITABLE = [layout for layout in LAYOUTS if layout.name != "expanded"]  # a stride-0 view is read-only

SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


@st.composite
def advanced(draw, size, length):
    """An integer index of ``length`` elements into a dim of ``size``, in one of its forms."""
    values = draw(st.lists(st.integers(-size, size - 1), min_size=length, max_size=length))
    form = draw(st.sampled_from(["list", "tuple", "array", "tensor", "2-D array"]))
    if form == "2-D array" and length % 2 == 0 and length:
        return ("array", np.array(values).reshape(2, -1))
    return (form if form != "2-D array" else "array", values if form in ("list", "tuple") else np.array(values))


@st.composite
def part_for(draw, size, length):
    """One part of an index that takes one dim of ``size``."""
    kind = draw(st.sampled_from(["int", "int", "slice", "slice", "advanced", "mask"]))
    if kind == "int":  # a 0-d integer tensor is an int to PyTorch
        return (draw(st.sampled_from(["int", "int", "0-d tensor"])), draw(st.integers(-size, size - 1)))
    if kind == "slice":
        bound = st.none() | st.integers(-size - 2, size + 2)
        return ("slice", slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3]))))
    if kind == "advanced":
        return draw(advanced(size, length))
    mask = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    form = draw(st.sampled_from(["list", "array", "tensor"]))
    return (form, mask if form == "list" else np.array(mask))


@st.composite
def keys(draw):
    """A shape and an index into it, as a list of (form, value) parts, and whether the
    parts go in a tuple."""
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    length = draw(st.integers(1, 3))  # every advanced part has this length: they broadcast
    taken = draw(st.integers(0, len(shape)))
    parts = [draw(part_for(size, length)) for size in shape[:taken]]
    if taken >= 2 and draw(st.integers(0, 5)) == 0:  # a 2-D mask over the first two dims
        mask = draw(st.lists(st.booleans(), min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]))
        parts[:2] = [("array", np.array(mask).reshape(shape[:2]))]
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), ("ellipsis", Ellipsis))
    for _ in range(draw(st.integers(0, 2))):
        parts.insert(draw(st.integers(0, len(parts))), ("none", None))
    bare = len(parts) == 1 and parts[0][0] != "tuple" and draw(st.booleans())  # a bare tuple is the key itself
    return shape, parts, bare


def realize(parts, bare, lib):
    """The index for ``lib`` (minigrad or torch): tensors made by that library."""
    made = []
    for form, value in parts:
        if form in ("tensor", "0-d tensor"):
            made.append(lib.tensor(np.asarray(value)))
        elif form == "tuple":
            made.append(tuple(value))
        else:
            made.append(value)
    return made[0] if bare else tuple(made)


def _is_array(form, value):
    return form in ("list", "tuple", "array", "tensor")


def numpy_under_torchs_rule(array, parts):
    """``array[key]`` by numpy, its ints taken first when the key also holds arrays."""
    has_int = any(form in ("int", "0-d tensor") for form, _ in parts)
    has_array = any(_is_array(form, value) for form, value in parts)
    values = [np.asarray(value) if _is_array(form, value) else value for form, value in parts]
    if not (has_int and has_array):
        return array[tuple(values)]
    first, second = [], []
    for (form, _), value in zip(parts, values):
        if form in ("int", "0-d tensor"):
            first.append(value)
        elif _is_array(form, None) and value.dtype == bool:
            first.extend([slice(None)] * value.ndim)
            second.append(value)
        elif form == "none":
            second.append(None)
        elif form == "ellipsis":
            first.append(Ellipsis)
            second.append(Ellipsis)
        else:
            first.append(slice(None))
            second.append(value)
    return array[tuple(first)][tuple(second)]


def expected(array, parts, bare):
    """numpy's answer (an exception where it refuses the key), checked against torch's where
    installed, and whether torch reads the key."""
    try:
        ours = numpy_under_torchs_rule(array, parts)
    except (IndexError, ValueError) as error:
        ours = error
    if torch is None:
        return ours, False
    try:
        theirs = torch.from_numpy(array.copy(order="C"))[realize(parts, bare, torch)].numpy()
    except (IndexError, ValueError, RuntimeError, TypeError) as error:
        theirs = error
    # torch refuses a few keys numpy reads (an Ellipsis of no dims before a 2-D mask): those
    # keep numpy's answer; a key torch reads, numpy under torch's rule must read alike
    if not isinstance(theirs, Exception):
        assert not isinstance(ours, Exception), (ours, theirs)
        np.testing.assert_array_equal(ours, theirs)
    return ours, not isinstance(theirs, Exception)


def _refused(call):
    with pytest.raises((IndexError, ValueError, TypeError)):
        call()


# issue 22's tuple inside an index: x[0, (2, 1), [0, 1]] reads two elements
TUPLE_INSIDE = ((2, 3, 4), [("int", 0), ("tuple", [2, 1]), ("list", [0, 1])], False)


@SETTINGS
@given(keys(), st.sampled_from([CONTIGUOUS, *LAYOUTS]))
@example(TUPLE_INSIDE, CONTIGUOUS)
def test_reading_and_its_gradient(case, layout):
    shape, parts, bare = case
    array = layout.view(np.random.default_rng(0).standard_normal(shape))
    answer, torch_reads = expected(array, parts, bare)
    x = mg.Tensor(array, requires_grad=True)  # the view itself, not a contiguous copy
    if isinstance(answer, Exception):
        return _refused(lambda: x[realize(parts, bare, mg)])
    out = x[realize(parts, bare, mg)]
    assert out.shape == answer.shape
    np.testing.assert_array_equal(out.numpy(), answer)
    # the gradient adds the upstream gradient into every element read, once per read
    upstream = np.random.default_rng(1).standard_normal(answer.shape)
    out.backward(upstream)
    positions = numpy_under_torchs_rule(np.arange(array.size).reshape(shape), parts)
    scattered = np.bincount(positions.ravel(), upstream.ravel(), minlength=array.size).reshape(shape)
    np.testing.assert_allclose(x.grad.numpy(), scattered, rtol=1e-12, atol=1e-15)


def _assigned(array, positions, value):
    flat = array.copy().reshape(-1)
    flat[positions.ravel()] = np.broadcast_to(value, positions.shape).ravel()
    return flat.reshape(array.shape)


@SETTINGS
@given(keys(), st.sampled_from(["number", "same shape", "leading 1"]), st.sampled_from([CONTIGUOUS, *WRITABLE]))
@example(TUPLE_INSIDE, "same shape", CONTIGUOUS)
@example(((3,), [("int", 0)], True), "leading 1", CONTIGUOUS)
@example(((2, 3), [("0-d tensor", 1), ("list", [0, 2])], False), "same shape", CONTIGUOUS)
@example(((2, 3, 4), [("int", 0), ("slice", slice(None)), ("list", [0, 2])], False), "same shape", CONTIGUOUS)
def test_index_assignment(case, form, layout):
    shape, parts, bare = case
    array = np.random.default_rng(0).standard_normal(shape)
    answer, torch_reads = expected(array, parts, bare)
    x = mg.Tensor(layout.view(array.copy()))  # writes go into the view
    if isinstance(answer, Exception):
        return _refused(lambda: x.__setitem__(realize(parts, bare, mg), 0.5))
    positions = numpy_under_torchs_rule(np.arange(array.size).reshape(shape), parts)
    if len(np.unique(positions)) < positions.size:
        form = "number"  # a repeated element gets one of its values: only a number says which
    value = np.asarray(np.random.default_rng(2).standard_normal(answer.shape))
    # PyTorch drops a value's leading dims of size 1 (x[0] = t of shape (1,) fills one element)
    given_value = {"number": 0.5, "same shape": value, "leading 1": value[None]}[form]
    value = 0.5 if form == "number" else value
    x[realize(parts, bare, mg)] = given_value if form == "number" else mg.tensor(given_value)
    np.testing.assert_array_equal(x.numpy(), _assigned(array, positions, value))
    if torch_reads:
        theirs = torch.from_numpy(array.copy())
        theirs[realize(parts, bare, torch)] = given_value if form == "number" else torch.from_numpy(given_value)
        np.testing.assert_array_equal(x.numpy(), theirs.numpy())


@SETTINGS
@given(keys())
@example(TUPLE_INSIDE)
@example(((2, 3, 4), [("int", 0), ("slice", slice(None)), ("list", [0, 2])], False))
@example(((2, 3), [("0-d tensor", 1), ("list", [0, 2])], False))
def test_index_assignment_inside_the_graph(case):
    shape, parts, bare = case
    array = np.random.default_rng(0).standard_normal(shape)
    answer, torch_reads = expected(array, parts, bare)
    if isinstance(answer, Exception):
        return
    positions = numpy_under_torchs_rule(np.arange(array.size).reshape(shape), parts)
    if len(np.unique(positions)) < positions.size:
        return  # which of a repeated element's values wins is not defined
    x = mg.tensor(array, requires_grad=True)
    value = mg.tensor(np.random.default_rng(2).standard_normal(answer.shape), requires_grad=True)
    y = x * 1.0
    y[realize(parts, bare, mg)] = value
    np.testing.assert_array_equal(y.numpy(), _assigned(array, positions, value.numpy()))
    upstream = np.random.default_rng(1).standard_normal(shape)
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad.numpy(), _assigned(upstream, positions, 0.0))
    np.testing.assert_array_equal(value.grad.numpy(), upstream.reshape(-1)[positions])
