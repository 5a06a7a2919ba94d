"""Drawing the graph behind a tensor: what backward() will walk through.

``draw_graph(root)`` walks from ``root`` back to the leaves and returns a
``graphviz.Digraph`` with one node per tensor and one per op, edges in the direction
data flows, and the nodes made inside each ``nn.Module`` call grouped in a cluster
named after the module. Its DOT text (``.source``) needs nothing else.

After backward() the graph is drawn as before it: backward frees the arrays saved for
it but keeps the graph's structure (minigrad/released.py).

Turning it into a picture needs Graphviz's layout. ``save_graph``, ``render_svg``,
``render_png`` and the inline display in Jupyter all use the system ``dot`` when it is
on PATH, and otherwise Graphviz compiled to WebAssembly, run in-process
(``pip install "minigrad[viz]"``), so that drawing works after a pip install alone.

The modules: layout (which nodes, edges and clusters), labels (their text), styling
(their look, the DOT graph), render (the pictures).
"""

from pathlib import Path

import graphviz

from ..tensor import Tensor
from .layout import Plan
from .render import Drawing, RendererNotFound, render_png, render_svg
from .styling import emit

__all__ = ["Drawing", "RendererNotFound", "draw_graph", "render_png", "render_svg", "save_graph"]


def draw_graph(root, *, show_data=False, show_grad=False, names=None, max_nodes=500,
               cluster_modules=True, collapse=(), rankdir="LR", highlight=None):
    """The graph that made ``root``, as a ``graphviz.Digraph`` (a ``Drawing``).

    Tensors are boxes showing their label, shape and dtype: parameters blue, inputs
    green, ``root`` gold, and intermediates white (dashed when they do not require
    grad, so backward does not go through them). Ops are grey ellipses showing their
    arguments, as ``sum(dim=1, keepdim)`` or ``pow(-0.5)``; an index or target array an
    op received is drawn as an input node.

    show_data, show_grad: add each tensor's value and gradient: the number itself for
        one element (``data 0.7071``), else the mean, std and largest absolute value.
        Where there is none a note says why, in small grey text: ``data not kept`` (an
        intermediate backward() released, held by nothing else), ``grad not kept`` (an
        intermediate without ``retain_grad()``), ``no grad yet``, ``no grad``.
    names: ``{"Xb": Xb, "C": C, ...}``, names to show for arrays and tensors of the
        graph, over their labels.
    max_nodes: refuse to draw more nodes than this (a graph that big is unreadable).
    cluster_modules: group the nodes made inside each ``nn.Module`` call.
    collapse: modules to draw as one box each, by attribute name (``"hidden"``),
        class name (``"Linear"``) or both (``"hidden: Linear"``); the box lists the
        parameters it holds, and the tensors leaving it stay drawn.
    rankdir: "LR" draws data flowing left to right, "TB" top to bottom.
    highlight: a tensor, a list of tensors, or an error that names a tensor, such as
        the ``AnomalyError`` of ``detect_anomaly`` (any object with ``.tensor`` and
        ``.summary``): the op that made each is drawn red (a leaf: its box). For an
        error, the op also shows its summary ("NaN in backward") and the whole
        message as its tooltip.

    Node ids follow the walk from the leaves, so the same graph always gives the same
    DOT text: ``t<n>`` is the n-th tensor (each after its inputs), ``op<n>`` the op that
    made it, ``x<k>`` an input array and ``m<k>`` a collapsed module.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: root must be a Tensor, got {type(root).__name__}")
    plan = Plan(root, {id(value): name for name, value in (names or {}).items()},
                 cluster_modules, collapse)
    if len(plan.nodes) > max_nodes:
        raise ValueError(plan.too_big_message(max_nodes))
    return emit(plan, show_data, show_grad, rankdir, plan.highlights(highlight))


def save_graph(root, path, **options):
    """Draw ``root`` (``options`` as for draw_graph), or take a graph draw_graph made,
    and write exactly the file ``path``: SVG or PNG by its extension, or the DOT text
    for .gv and .dot."""
    if isinstance(root, graphviz.Digraph):
        if options:
            raise TypeError(f"save_graph: {sorted(options)} are options of draw_graph, but this graph is drawn already")
        graph = root
    else:
        graph = draw_graph(root, **options)
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        content = render_svg(graph).encode("utf-8")
    elif suffix == ".png":
        content = render_png(graph)
    elif suffix in (".gv", ".dot"):
        content = graph.source.encode("utf-8")
    else:
        raise ValueError(f"save_graph: cannot tell the format of {str(path)!r} from its extension; "
                         "use .svg, .png, or .gv/.dot for the DOT text")
    Path(path).write_bytes(content)
