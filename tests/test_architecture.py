"""The layers of minigrad import one way (CONTRIBUTING.md describes the same table).

Every module of minigrad/ is read with ``ast``: imports at module level and inside
functions both count, since an import inside a function is still a dependency.
"""

import ast
import fnmatch
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "minigrad"

# The layer table of CONTRIBUTING.md, in the same order: a module may import modules of its own
# layer or of an earlier one, never of a later one. Patterns name modules inside minigrad/.
LAYERS = [
    ("rules", ["rules", "rules.*"]),
    ("state", ["state"]),
    ("engine", ["engine"]),
    ("backward", ["backward", "released"]),
    ("dtypes, arguments, printing, random, devices, size, selection", ["dtypes", "arguments", "printing", "random",
                                                                       "devices", "size", "selection"]),
    ("tensor mixins", ["tensor_*"]),
    ("tensor", ["tensor"]),
    ("creation, functional, functions", ["creation", "activations", "losses", "functional", "functions"]),
    ("nn, optim, utils.data", ["nn", "nn.*", "optim", "optim.*", "utils", "utils.data", "utils.data.*"]),
    ("tools", ["gradcheck", "serialization", "serialization_*", "drawing", "drawing.*", "debug", "utils.tensorboard",
               "compiler", "compiler.*"]),
    ("package", [""]),
]
TOOLS = [name for name, _ in LAYERS].index("tools")
MAX_LINES = 400


def module_name(path):
    """``minigrad/nn/modules.py`` -> ``nn.modules``; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_package(name):
    return MODULES[name].name == "__init__.py"


def layer_of(name):
    for index, (_, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return index
    raise AssertionError(f"minigrad/{MODULES[name].relative_to(PACKAGE)} is not in the layer table")


def with_packages(name):
    """``name`` and the packages Python runs to import it (not the top package, always running)."""
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts) + 1)}


def absolute(name, node):
    """The minigrad module (as in MODULES) an ``ImportFrom`` starts from, or None if outside."""
    if node.level == 0:
        if node.module != "minigrad" and not (node.module or "").startswith("minigrad."):
            return None
        return node.module[len("minigrad."):] if "." in node.module else ""
    base = (name.split(".") if is_package(name) else name.split(".")[:-1]) if name else []
    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def imports(name):
    """The minigrad modules that module ``name`` imports, anywhere in its code, with the packages
    Python runs to reach them (except its own packages, which are already running)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("minigrad."):
                    found |= with_packages(alias.name[len("minigrad."):])
        elif isinstance(node, ast.ImportFrom):
            start = absolute(name, node)
            if start is None:
                continue
            submodules = {f"{start}.{alias.name}".lstrip(".") for alias in node.names} & MODULES.keys()
            for submodule in submodules:
                found |= with_packages(submodule)
            if start and len(submodules) < len(node.names):  # names defined in the module ``start``
                found |= with_packages(start)
    return found - with_packages(name) - {""}  # the top package runs first whatever is imported


GRAPH = {name: imports(name) for name in MODULES}


def test_every_module_is_in_the_layer_table():
    for name in MODULES:
        layer_of(name)


@pytest.mark.parametrize("name", sorted(MODULES), ids=lambda name: name or "__init__")
def test_no_upward_import(name):
    upward = [imported for imported in GRAPH[name] if layer_of(imported) > layer_of(name)]
    assert not upward, f"{name or 'minigrad'} ({LAYERS[layer_of(name)][0]}) imports {upward} from a higher layer"


@pytest.mark.parametrize("name", sorted(MODULES), ids=lambda name: name or "__init__")
def test_the_core_imports_no_tool(name):
    if layer_of(name) < TOOLS:
        tools = [imported for imported in GRAPH[name] if layer_of(imported) >= TOOLS]
        assert not tools, f"the core module {name} imports the tool(s) {tools}"


def test_rules_import_nothing_outside_rules():
    for name in MODULES:
        if layer_of(name) == 0:
            assert all(layer_of(imported) == 0 for imported in GRAPH[name]), name


def find_cycle():
    """One import cycle as a list of modules, or None (depth-first search, three colours)."""
    state, path = {}, []

    def visit(name):
        state[name] = "open"
        path.append(name)
        for imported in sorted(GRAPH[name]):
            if state.get(imported) == "open":
                return path[path.index(imported):] + [imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        state[name] = "done"
        path.pop()
        return None

    for name in sorted(MODULES):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_no_import_cycle():
    cycle = find_cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_graph_finds_known_imports():
    """A check of the walker itself: imports it must see, including a package's submodule."""
    assert "engine" in GRAPH["tensor"] and "backward" in GRAPH["tensor"]
    assert "rules" in GRAPH["engine"]
    assert "functional" in GRAPH["nn.modules"] and "nn" not in GRAPH["nn.modules"]
    assert {"functional", "nn", "optim", "tensor", "debug"} <= GRAPH[""]


@pytest.mark.parametrize("name", sorted(MODULES), ids=lambda name: name or "__init__")
def test_every_module_lists_its_names(name):
    tree = ast.parse(MODULES[name].read_text())
    assigned = [target.id for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)]
    imported = [alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names]
    assert "__all__" in assigned + imported, f"minigrad/{MODULES[name].relative_to(PACKAGE)} has no __all__"
    module = importlib.import_module("minigrad." + name if name else "minigrad")
    missing = [listed for listed in module.__all__ if not hasattr(module, listed)]
    assert not missing, f"{name} lists names it does not define: {missing}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_file_over_the_line_limit(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"minigrad/{path.relative_to(PACKAGE)} has {lines} lines (limit {MAX_LINES})"
