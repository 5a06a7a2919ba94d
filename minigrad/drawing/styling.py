"""How a drawing looks: the style of each kind of node, and the DOT graph made from a
layout Plan, with its labels and module clusters."""

import graphviz

from ..released import Released
from ..tensor import Tensor
from .labels import op_lines, plain_label, record_label, shape_text, tooltip_text, value_lines
from .render import FONT, Drawing

__all__ = ["CLUSTER_FILLS", "HIGHLIGHT", "NAMED", "NODE_DEFAULTS", "STYLES", "UNNAMED", "emit"]

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


def emit(plan, show_data, show_grad, rankdir, highlights):
    """The DOT graph of a Plan, as a Drawing: its nodes styled and labelled, inside their
    module clusters; ``highlights`` as from ``Plan.highlights``."""
    graph = Drawing(
        graph_attr=dict(rankdir=rankdir, fontname=FONT, fontsize="11", nodesep="0.2", ranksep="0.3"),
        node_attr=NODE_DEFAULTS,
        edge_attr=dict(color="#555555", arrowsize="0.7"))
    clusters = {(): graph}
    for node in plan.nodes.values():
        for depth in range(1, len(node.cluster) + 1):
            scope = node.cluster[:depth]
            if scope not in clusters:
                clusters[scope] = graphviz.Digraph(name=f"cluster_{len(clusters) - 1}", graph_attr=dict(
                    label=plain_label([scope[-1]]), labeljust="l", fontsize="12", fontcolor="#2c3e60",
                    style="rounded,filled", color="#a8b3c7", fillcolor=CLUSTER_FILLS[(depth - 1) % 2]))
        look = _look(plan, node, show_data, show_grad, rankdir, highlights.get(node.node_id))
        clusters[node.cluster].node(node.node_id, **look)
    # a cluster goes into its parent once complete: deepest first, in order of appearance
    for scope in sorted(clusters, key=len, reverse=True)[:-1]:
        clusters[scope[:-1]].subgraph(clusters[scope])
    for source, target in plan.edges:
        graph.edge(source, target)
    return graph


def _look(plan, node, show_data, show_grad, rankdir, mark=None):
    """The label and style of a node; ``mark``, a (summary, tooltip) pair from
    ``highlights``, draws it red with the summary as one more line."""
    look = dict(STYLES[node.kind])
    if node.kind in ("tensor", "op") and not node.subject.requires_grad:
        look["style"] = look.get("style", NODE_DEFAULTS["style"]) + ",dashed"
    summary, tooltip = mark or (None, None)
    extra = [summary] if summary else []
    if node.kind == "op":
        label = plain_label(op_lines(node.subject) + extra)
    elif node.kind == "module":
        label = plain_label(_module_lines(plan, node) + extra)
    else:
        subject = node.subject
        name = _name(plan, subject, node.name)
        # names are what a learner looks for: large; an unnamed intermediate recedes
        look.update(NAMED if name else UNNAMED if node.kind == "tensor" else {})
        fields = ([name] if name else []) + [shape_text(subject)] + value_lines(subject, show_data, show_grad)
        label = record_label(fields + extra, rankdir)
    if mark:
        look.update(HIGHLIGHT)
    if tooltip:
        look["tooltip"] = tooltip_text(tooltip)
    return dict(look, label=label)


def _name(plan, subject, fallback=None):
    label = subject.label if isinstance(subject, (Tensor, Released)) else None
    return plan.names.get(id(subject)) or label or fallback


def _module_lines(plan, node):
    lines = [node.subject[-1], f"{node.ops} op{'s' if node.ops != 1 else ''}"]
    return lines + [f"{_name(plan, p, 'parameter')} {shape_text(p)}" for p in node.parameters]
