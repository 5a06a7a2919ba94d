"""Drawing after backward(): the graph's structure outlives the arrays backward frees, so
the picture is the one drawn before it, with every value still held and every gradient
kept; what is not kept says so. And the pictures' text stays inside its boxes."""

import copy
import gc
import io
import pickle
import re
import sys
import weakref
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import drawing, nn

import lecture  # examples/lecture.py, on sys.path through conftest.py
from test_drawing import SVG, edges, label, nodes, renderer  # noqa: F401  (renderer: a fixture)

DOCS = Path(__file__).resolve().parent.parent / "docs"
sys.path.insert(0, str(DOCS))
import make_graph_pictures  # noqa: E402  (docs/make_graph_pictures.py)


def neuron():
    """micrograd's neuron, the tensors kept by the caller as a notebook keeps them."""
    return make_graph_pictures.micrograd_neuron()


def mlp_loss():
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 4))
    return F.cross_entropy(model(mg.randn(16, 3)), mg.tensor(np.arange(16) % 4)), list(model.parameters())


def lecture_loss():
    rng = np.random.default_rng(0)
    params = lecture.lecture_parameters(lecture.MLP(27, generator=rng))
    loss = lecture.chunked_forward(params, rng.integers(0, 27, (32, 3)), rng.integers(0, 27, 32), retain=False)["loss"]
    return loss, list(params.values())


@pytest.mark.parametrize("make", [neuron, mlp_loss, lecture_loss])
def test_backward_keeps_the_structure_so_the_same_graph_is_drawn(make):
    root, kept = make()
    before = mg.draw_graph(root).source
    root.backward()
    after = mg.draw_graph(root).source
    assert (len(nodes(after)), len(edges(after))) == (len(nodes(before)), len(edges(before)))
    assert after == before
    with pytest.raises(RuntimeError, match="already freed by an earlier backward"):
        root.backward()
    # every leaf that requires grad shows its gradient
    shown = mg.draw_graph(root, show_grad=True).source
    leaves = [tensor for tensor in kept if tensor.is_leaf and tensor.requires_grad]
    assert leaves and all(t.grad is not None for t in leaves)
    grads = [attributes for attributes in nodes(shown).values() if re.search(r"\|grad[: ]", attributes)]
    assert len(grads) >= len(leaves)


def test_a_tensor_after_backward_pickles_and_copies_with_its_structure():
    w = mg.tensor([0.5, -1.0, 2.0], requires_grad=True, label="w")
    loss = (w * 2).tanh()[np.array([0, 2])].sum()
    loss.backward()
    before = mg.draw_graph(loss).source
    for copied in (pickle.loads(pickle.dumps(loss)), copy.deepcopy(loss)):
        assert mg.draw_graph(copied).source == before
        assert copied.inputs[0].op_params["index"].shape == (2,) and copied.inputs[0].inputs[0].tensor is None


def test_tensors_print_the_same_grad_fn_after_backward():
    x = mg.randn(3, 4)
    h = nn.Linear(4, 5)(x)
    kept = [h, h - h.sum(), (h - h.sum()) ** 2, (x @ h[:, :4].T)[0, 1:]]
    loss = sum(t.sum() for t in kept)
    before = [repr(t) for t in kept + [loss]]
    loss.backward()
    assert [repr(t) for t in kept + [loss]] == before


def test_the_same_graph_once_the_intermediates_are_dropped_and_freed():
    root, kept = neuron()
    before = mg.draw_graph(root).source
    arrays = [weakref.ref(tensor.array) for tensor in kept if not tensor.is_leaf]
    root.backward()
    del kept
    gc.collect()
    assert [array() for array in arrays] == [None] * 4  # x1*w1, x2*w2, their sum, n
    assert mg.draw_graph(root).source == before
    source = mg.draw_graph(root, show_data=True, show_grad=True).source
    assert label(source, "t8") == "n|() float32|data not kept|grad not kept"
    assert label(source, "t0") == "x1|() float32|data 2.0000|grad -1.5000"


def test_one_element_tensors_show_their_values_as_micrograd_does():
    with mg.retain_grads():
        root, kept = neuron()
    root.backward()
    source = mg.draw_graph(root, show_data=True, show_grad=True).source
    assert label(source, "t8") == "n|() float32|data 0.8814|grad 0.5000"
    assert label(source, "t9") == "o|() float32|data 0.7071|grad 1.0000"
    assert label(source, "t6") == "x1*w1 + x2*w2|() float32|data -6.0000|grad 0.5000"


def test_a_kept_gradient_is_drawn_after_its_tensor_is_dropped():
    w = mg.tensor([1.0, -1.0], requires_grad=True, label="w")
    with mg.retain_grads():
        loss = (w * 3).tanh().sum()
    loss.backward()
    source = mg.draw_graph(loss, show_data=True, show_grad=True).source
    assert label(source, "t2") == "(2,) float32|data not kept|grad: mean 1, std 0, max abs 1"
    assert label(source, "t3") == "() float32|data 0.0000|grad 1.0000"


def test_what_is_not_kept_says_so():
    x = mg.tensor([1.0, 2.0], label="x")
    w = mg.tensor([3.0, 4.0], requires_grad=True, label="w")
    loss = (x * w).sum()
    before = mg.draw_graph(loss, show_data=True, show_grad=True).source
    assert label(before, "t0").endswith("|no grad") and label(before, "t1").endswith("|no grad yet")
    assert label(before, "t2").endswith("|data: mean 5.5, std 2.5, max abs 8|grad not kept")
    loss.backward()
    after = mg.draw_graph(loss, show_data=True, show_grad=True).source
    assert label(after, "t1") == "w|(2,) float32|data: mean 3.5, std 0.5, max abs 4|grad: mean 1.5, std 0.5, max abs 2"
    assert label(after, "t2") == "(2,) float32|data not kept|grad not kept"


def test_notes_are_small_and_grey(renderer):
    loss = (mg.tensor([1.0, 2.0], requires_grad=True, label="w") * 2).sum()
    loss.backward()
    svg = drawing.render_svg(mg.draw_graph(loss, show_data=True, show_grad=True))
    texts = {text.text: text for text in ET.fromstring(svg).iter(f"{SVG}text")}
    note, value = texts["data not kept"], texts["data: mean 1.5, std 0.5, max abs 2"]
    assert note.get("fill") == "#888888" and float(note.get("font-size")) < float(value.get("font-size"))


def test_the_neuron_picture_is_drawn_from_the_example_of_graph_md():
    from test_docs import PYTHON, _code, fenced_blocks
    example = next(code for _, language, code in fenced_blocks((DOCS / "graph.md").read_text(encoding="utf-8"))
                   if language in PYTHON)
    script = set(map(_code, (DOCS / "make_graph_pictures.py").read_text(encoding="utf-8").splitlines()))
    lines = [_code(line) for line in example.splitlines() if _code(line) and not line.startswith(("import", "print", "graph"))]
    assert len(lines) == 11 and all(line in script for line in lines)


def test_the_docs_pictures_are_what_the_script_draws_now():
    drawn = make_graph_pictures.pictures()
    committed = {path.name for path in (DOCS / "images").glob("*.svg")} - {"makemore_loss.svg"}  # matplotlib's
    assert committed == set(drawn)
    for name, graph in drawn.items():
        groups = [g.get("class") for g in ET.parse(DOCS / "images" / name).getroot().iter(f"{SVG}g")]
        assert groups.count("node") == len(nodes(graph.source)), name
        assert groups.count("edge") == len(edges(graph.source)), name


# ----- text inside its boxes -----

def _shapes(svg):
    """Each node's outline in the SVG's own units: ("ellipse", cx, cy, rx, ry) or ("box", x0, y0, x1, y1)."""
    root = ET.fromstring(svg)
    transform = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph").get("transform")
    tx, ty = map(float, re.search(r"translate\(([-\d.]+) ([-\d.]+)\)", transform).groups())
    shapes = []
    for group in (g for g in root.iter(f"{SVG}g") if g.get("class") == "node"):
        ellipse = group.find(f"{SVG}ellipse")
        if ellipse is not None:
            shapes.append(("ellipse", float(ellipse.get("cx")) + tx, float(ellipse.get("cy")) + ty,
                           float(ellipse.get("rx")), float(ellipse.get("ry"))))
            continue
        outline = group.find(f"{SVG}path")
        points = outline.get("d") if outline is not None else group.find(f"{SVG}polygon").get("points")
        xs, ys = zip(*[(float(x), float(y)) for x, y in re.findall(r"([-\d.]+),([-\d.]+)", points)])
        shapes.append(("box", min(xs) + tx, min(ys) + ty, max(xs) + tx, max(ys) + ty))
    return shapes


def _inside(shape, x, y, margin):
    """Whether the point (x, y) lies inside ``shape`` by ``margin`` (the border's width)."""
    if shape[0] == "ellipse":
        _, cx, cy, rx, ry = shape
        return ((x - cx) / (rx - margin)) ** 2 + ((y - cy) / (ry - margin)) ** 2 <= 1
    _, x0, y0, x1, y1 = shape
    return x0 + margin <= x <= x1 - margin and y0 + margin <= y <= y1 - margin


def _pixels(png):
    image = pytest.importorskip("PIL.Image")  # Pillow comes with matplotlib, in the test extra
    return np.asarray(image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _without_text(graph):
    """The same DOT text with every label drawn transparent: the same layout, no text."""
    source = re.sub(r'fontcolor="?[#\w]+"?', "", graph.source)
    source = source.replace("node [", "node [fontcolor=transparent ", 1).replace("graph [", "graph [fontcolor=transparent ", 1)
    return _Source(source)


class _Source:
    """A DOT text standing in for a graph: what render_png and render_svg read of one."""
    engine = "dot"

    def __init__(self, source):
        self.source = source


@pytest.mark.parametrize("make", ["neuron", "mlp"])
def test_no_label_crosses_its_box_in_the_png(renderer, make):
    if make == "neuron":
        root, kept = neuron()
    else:
        root, kept = mlp_loss()
    root.backward()
    graph = mg.draw_graph(root, show_data=True, show_grad=True, cluster_modules=False)
    text = np.abs(_pixels(drawing.render_png(graph)) - _pixels(drawing.render_png(_without_text(graph)))).max(-1)
    svg = drawing.render_svg(graph)
    width = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg).group(1))
    scale = text.shape[1] / width  # pixels per SVG unit (96 dpi: 4/3)
    shapes = _shapes(svg)
    rows, columns = np.nonzero(text > 60)
    assert rows.size > 500, "no text was drawn"
    outside = [(x, y) for x, y in zip(columns / scale, rows / scale)
               if not any(_inside(shape, x, y, margin=0.5) for shape in shapes)]
    assert not outside, f"{len(outside)} pixels of text outside their boxes, as at {outside[:5]}"
