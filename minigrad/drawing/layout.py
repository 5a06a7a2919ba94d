"""Which nodes and edges a drawing has, and in which module cluster: decided from the
graph's public surface (``Tensor.inputs``, ``op``, ``op_params``, ``scope``) before any
label is made, so that a graph over max_nodes is refused quickly.

After backward() the graph holds stand-ins for the tensors and arrays it released
(released.py): each is drawn as the tensor or array it stands for while that is still
alive (a user's variable), else as itself, so the drawing is the same as before."""

import numpy as np

from ..nn.modules import Parameter
from ..released import Released, ReleasedArray
from ..tensor import Tensor

__all__ = ["ARRAYS", "DATA_PARAMS", "GRAPH_TENSORS", "Node", "Plan", "data_arrays", "resolve", "tensor_inputs", "walk"]

# Arrays among an op's params that carry a batch's data rather than a setting (the
# rows picked by getitem, the classes of cross_entropy): drawn as input nodes.
DATA_PARAMS = ("index", "target")
GRAPH_TENSORS = (Tensor, Released)  # what an op's inputs hold for a tensor
ARRAYS = (np.ndarray, ReleasedArray)  # ... and its params for an array


def resolve(value):
    """A stand-in's tensor or array while it is alive, else the stand-in; anything else as it is."""
    if isinstance(value, Released):
        alive = value.tensor
    elif isinstance(value, ReleasedArray):
        alive = value.array
    else:
        return value
    return value if alive is None else alive


def tensor_inputs(tensor):
    """The tensors (or their stand-ins) among ``tensor``'s inputs, in order."""
    return [resolve(inp) for inp in tensor.inputs if isinstance(inp, GRAPH_TENSORS)]


def walk(root):
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
        stack.extend((inp, False) for inp in reversed(tensor_inputs(tensor)) if id(inp) not in expanded)
    return order


def data_arrays(params):
    """The arrays among ``params`` drawn as input nodes (see DATA_PARAMS), in order."""
    found = []
    for name in DATA_PARAMS:
        value = params.get(name)
        parts = value if isinstance(value, tuple) else (value,)
        found += [(name, resolve(part)) for part in parts if isinstance(part, ARRAYS)]
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


class Node:
    """One node to draw: ``subject`` is a tensor, an array or a collapsed module."""

    def __init__(self, node_id, kind, cluster, subject, name=None):
        self.node_id, self.kind, self.cluster, self.subject, self.name = node_id, kind, cluster, subject, name
        self.ops = 0            # for a collapsed module: the ops it holds
        self.parameters = []    # ... and the parameters


class Plan:
    """Which nodes and edges to draw and in which cluster, decided before any label
    is made, so that a graph over max_nodes is refused quickly."""

    def __init__(self, root, names, cluster_modules, collapse):
        self.root, self.names, self.cluster_modules = root, names, cluster_modules
        self.collapse = tuple(collapse)
        order = walk(root)
        self.modules = list(dict.fromkeys(module for tensor in order for module in tensor.scope))
        for entry in self.collapse:
            if not any(_matches(entry, module) for module in self.modules):
                raise ValueError(f"draw_graph: collapse={entry!r} names no module of this graph; "
                                 f"its modules are {self.modules}")
        consumer_scopes = {}
        for tensor in order:
            for inp in tensor_inputs(tensor):
                consumer_scopes.setdefault(id(inp), []).append(tensor.scope)
        self.nodes = {}         # node id -> Node, in the order made
        self.edges = []
        self.boxes = {}         # collapsed module scope -> its Node
        self.stands_for = {}    # id of a tensor or array -> the id of the node drawn for it
        self.made_by = {}       # id of a tensor -> the node of the op that made it (a leaf: its own)
        self.arrays = 0         # input arrays drawn so far
        for number, tensor in enumerate(order):
            consumers = consumer_scopes.get(id(tensor), [])
            if tensor.op is None:
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
        self.nodes[node_id] = Node(node_id, kind, self._cluster(scope), subject, name)
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
        box = self._box_for(tensor.scope)
        if box is None:
            op = self._add_node(f"op{number}", "op", tensor.scope, tensor)
        else:
            op = self._box(box)
            self.boxes[box].ops += 1
        self.made_by[id(tensor)] = op
        for name, array in data_arrays(tensor.op_params or {}):
            if id(array) not in self.stands_for:
                self.stands_for[id(array)] = self._add_node(f"x{self.arrays}", "input", (), array, name)
                self.arrays += 1
            self._edge(self.stands_for[id(array)], op)
        for inp in tensor_inputs(tensor):
            self._edge(self.stands_for[id(inp)], op)
        # inside a collapsed module, only the tensors that leave it are drawn
        if box is not None and tensor is not self.root and all(self._box_for(s) == box for s in consumers):
            self.stands_for[id(tensor)] = op
            return
        kind = "root" if tensor is self.root else "tensor"
        scope = tensor.scope if box is None else box[:-1]
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
        # an error that names a tensor (AnomalyError), taken by its attributes: drawing
        # is a tool below debug and does not import it
        if hasattr(highlight, "tensor") and hasattr(highlight, "summary"):
            tensors, summary, tooltip = [highlight.tensor], highlight.summary, str(highlight)
        else:
            tensors = [highlight] if isinstance(highlight, Tensor) else list(highlight)
            summary = tooltip = None
        marked = {}
        for tensor in tensors:
            if not isinstance(tensor, Tensor):
                raise TypeError("draw_graph: highlight takes tensors or an error with .tensor and .summary "
                                f"(an AnomalyError), got {type(tensor).__name__}")
            if id(tensor) not in self.made_by:
                raise ValueError(f"draw_graph: highlight: the {tensor.op or 'leaf'} tensor of shape {tensor.shape} "
                                 "is not in the graph of root; draw from it instead (AnomalyError.draw() does)")
            marked[self.made_by[id(tensor)]] = (summary, tooltip)
        return marked
