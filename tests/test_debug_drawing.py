"""The drawing of an anomaly: the op where detect_anomaly stopped, drawn red."""

import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

from debug_helpers import (  # noqa: F401  (modes_off_after_each_test: an autouse fixture)
    leaf, lecture_setup, modes_off_after_each_test)

# numpy warns of the very overflows and divisions by zero these tests make on purpose
pytestmark = pytest.mark.filterwarnings("ignore:.* encountered in:RuntimeWarning")


# ----- the drawing of an anomaly -----

def dot_nodes(source):
    """{node id: its attribute text} of every node statement of DOT text."""
    found = re.findall(r"^\t+(\w+) \[(.*)\]$", source, re.M)
    return {node_id: attributes for node_id, attributes in found if node_id not in ("graph", "node", "edge")}


def red(attributes):
    return 'fillcolor="#f8cecc"' in attributes and 'color="#cc0000"' in attributes


def forward_anomaly():
    x = leaf(0.5, 0.0, label="p")
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        (x * 2.0).log()
    return info.value


def test_the_op_where_a_forward_anomaly_was_found_is_drawn_red_with_its_summary():
    error = forward_anomaly()
    source = error.draw().source
    drawn = dot_nodes(source)
    assert [node for node, attributes in drawn.items() if red(attributes)] == ["op2"]
    assert 'label="log\\nInf in forward"' in drawn["op2"]
    assert 'tooltip="detect_anomaly: forward of log made Inf' in drawn["op2"]
    assert "in test_the_op_where" not in drawn["op2"]  # made in forward_anomaly, so its line is there
    assert "in forward_anomaly: (x * 2.0).log()" in drawn["op2"]
    assert error.draw(rankdir="TB").source == mg.draw_graph(error.tensor, rankdir="TB", highlight=error).source


def test_the_op_where_a_backward_anomaly_was_found_is_drawn_red_in_the_graph_of_the_loss():
    x = leaf(0.0, 1.0, label="x")
    with mg.detect_anomaly():
        root = x.sqrt()
        loss = (root * 3.0).sum()
        with pytest.raises(mg.AnomalyError) as info:
            loss.backward()
    drawn = dot_nodes(info.value.draw(loss).source)
    assert [node for node, attributes in drawn.items() if red(attributes)] == ["op1"]
    assert 'label="sqrt\\nInf in backward"' in drawn["op1"]


def test_highlight_marks_any_tensors_op_or_a_leafs_box():
    x = leaf(1.0, 2.0, label="x")
    hidden = x * 2.0
    loss = hidden.sum()
    drawn = dot_nodes(mg.draw_graph(loss, highlight=[hidden, x]).source)
    assert sorted(node for node, attributes in drawn.items() if red(attributes)) == ["op1", "t0"]
    assert drawn["op1"].startswith('label="mul(2.0)" ') and "tooltip" not in drawn["op1"]
    assert dot_nodes(mg.draw_graph(loss, highlight=hidden).source)["op1"] == drawn["op1"]
    assert not any(red(attributes) for attributes in dot_nodes(mg.draw_graph(loss).source).values())


def test_a_highlighted_tensor_outside_the_graph_is_an_error():
    x = leaf(1.0, 2.0)
    with pytest.raises(ValueError, match="highlight: the mul tensor of shape \\(2,\\) is not in the graph of root"):
        mg.draw_graph(x.sum(), highlight=x * 2)
    with pytest.raises(TypeError, match=r"highlight takes tensors or an error with .tensor and .summary \(an AnomalyError\), got ndarray"):
        mg.draw_graph(x.sum(), highlight=[x.numpy()])


def test_an_anomaly_inside_a_collapsed_module_colours_its_box():
    model, params, Xb, Yb = lecture_setup()
    model.hidden.weight.numpy()[0, 0] = np.inf
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        F.cross_entropy(model(Xb), Yb)
    assert "input 1 'weight' of shape (64, 30) already holds Inf" in str(info.value)
    drawn = dot_nodes(info.value.draw(collapse=("hidden",)).source)
    assert [node for node, attributes in drawn.items() if red(attributes)] == ["m0"]
    assert 'label="hidden: Linear\\n1 op\\nweight (64, 30) float32\\nbias (64,) float32\\nInf in forward"' \
        in drawn["m0"]


def test_the_red_op_and_its_message_reach_the_svg():
    from minigrad import drawing

    svg = drawing.render_svg(forward_anomaly().draw())
    assert 'stroke="#cc0000"' in svg and 'fill="#f8cecc"' in svg
    assert "xlink:title=\"detect_anomaly: forward of log made Inf" in svg
    assert ">Inf in forward</text>" in svg
