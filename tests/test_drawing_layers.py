"""minigrad.drawing is a tool beside debug, not above it: it takes an AnomalyError by
its attributes and reads the graph through the tensor's public properties."""

import ast
from pathlib import Path

import minigrad as mg
from minigrad import drawing


def test_highlight_takes_any_error_that_names_a_tensor():
    # drawing does not know debug's AnomalyError (the tools do not import each other):
    # it reads .tensor and .summary
    class Found(Exception):
        def __init__(self, tensor):
            super().__init__("a message for the tooltip")
            self.tensor, self.summary = tensor, "odd value"

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).tanh()
    source = mg.draw_graph(y.sum(), highlight=Found(y)).source
    assert "odd value" in source and "a message for the tooltip" in source


def test_drawing_imports_neither_debug_nor_private_graph_attributes():
    package = Path(drawing.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not any("debug" in name for name in imported), module.name
        private = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not private & {"_inputs", "_op", "_params", "_scope"}, module.name
