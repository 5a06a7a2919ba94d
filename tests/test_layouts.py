"""The variants of check_op (layouts.py) are not hollow: each layout reaches minigrad as
the view it makes, keeps the values, and a rule that is right only on C-contiguous arrays
fails the layouts that break it; where torch refuses an input, minigrad accepting it or
letting numpy's error escape fails the check."""

import numpy as np
import pytest

import minigrad as mg
from helpers import check_op, requires_torch
from layouts import CONTIGUOUS, LAYOUTS, variants_of


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (5,), ()])
def test_a_layout_keeps_shape_and_values_and_reaches_minigrad_as_a_view(layout, shape):
    array = np.random.default_rng(0).standard_normal(shape)
    view = layout.view(array)
    assert view.shape == array.shape
    if layout.name == "expanded":
        array = np.broadcast_to(array[:1], shape) if shape and shape[0] > 1 else array
    np.testing.assert_array_equal(view, array)
    tensor = mg.Tensor(view)
    assert tensor.numpy().strides == view.strides
    if len(shape) >= 2 or (shape and layout.name in ("negative strides", "strided", "expanded")):
        assert not view.flags.c_contiguous or 0 in view.strides


def test_every_layout_of_a_matrix_and_only_shape_variants_of_an_explicit_array():
    names = [variant.name for variant in variants_of([(3, 4), np.array([0, 1])])]
    assert names == ["contiguous", "transposed", "permuted", "F-ordered", "negative strides",
                     "strided", "expanded", "0-d", "empty 3", "empty 4"]
    assert [v.name for v in variants_of([np.array(1.0)])] == ["contiguous"]


def _doubles_through_a_flat_view(self):
    # right only where reshape(-1) is a view: on any other layout it doubles a copy
    result = self * 1.0
    flat = result.reshape(-1)
    flat *= 2.0
    return result, lambda grad: 2.0 * grad


double = mg.engine.primitive("double", _doubles_through_a_flat_view)


# the layouts whose element-wise results keep their order (numpy makes the others' C-contiguous)
@pytest.mark.parametrize("layout", [layout for layout in LAYOUTS if layout.name in ("transposed", "permuted", "F-ordered")],
                         ids=lambda layout: layout.name)
def test_a_rule_right_only_on_contiguous_arrays_fails_the_layouts(layout):
    def fn(lib, x):
        return double(x) if lib is mg else x * 2.0

    check_op(fn, (3, 4), variant=CONTIGUOUS)
    with pytest.raises(AssertionError):
        check_op(fn, (3, 4), variant=layout)


@requires_torch
def test_where_torch_refuses_an_error_escaping_from_numpy_is_not_a_clear_refusal():
    def fn(lib, x):
        if lib is mg:
            np.broadcast_shapes(x.shape, (3,))  # numpy's own error, not minigrad's
        return x.expand(3)

    with pytest.raises(AssertionError, match="torch raised"):
        check_op(fn, (2,))


@requires_torch
def test_where_torch_refuses_minigrad_must_refuse_too():
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        check_op(lambda lib, x: x.expand(3) if lib is not mg else x * 1.0, (2,))
