"""The documentation cannot rot: its code runs, its printed figures are real, and the
package's public names are documented.

- Every ```python block of README.md and docs/*.md runs, each file's blocks in order in
  one namespace, from the project root. A ```output block right after a ```python block
  must be what that block printed: the same text, and the same numbers to the precision
  the page prints them (floats differ in their last digits between CPUs and BLAS
  libraries). Blocks that should not run are ```text or ```sh.
- Each page runs a second time with its matrix products moved by a few ulps, as another
  CPU's BLAS would round them, and must then print the same numbers to their last printed
  digit: a page shows only what every CPU prints. No page prints a float to all its digits.
- Every public function, class and method of the package has a docstring.
- docs/api.md names every public name of ``minigrad``; docs/derivatives.md has a section
  for every primitive op, and the rules it quotes are the code's.
"""

import contextlib
import inspect
import io
import os
import re
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import engine

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PYTHON = {"python", "py", "python3"}
OUTPUT = "output"


# ----- the code blocks -----

def fenced_blocks(text):
    """``(line, language, code)`` for each fenced block of a Markdown text; ``line`` is
    the 1-based number of the block's first code line."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)", lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, language = len(opening.group(1)), opening.group(2), opening.group(3).lower()
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and not re.match(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[i]):
            line = lines[i]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))):])
            i += 1
        if i == len(lines):
            raise AssertionError(f"a code block opened at line {start} is never closed")
        i += 1
        blocks.append((start + 1, language, "\n".join(body) + "\n"))
    return blocks


def doc_files():
    return [ROOT / "README.md"] + sorted(DOCS.glob("*.md"))


def _normalise(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def _unit(shown):
    """One unit in the last place a number is printed to: 0.0001 for 21.8994, 1e-10 for 7.45e-09."""
    mantissa, _, exponent = shown.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def _same_number(printed, shown, strict=False):
    """Integers (counts, shapes) exactly; floats to a relative 1e-3 or to the page's last
    printed digit, whichever is looser; ``strict``, to the last printed digit alone."""
    if not re.search(r"[.eE]", shown):
        return printed == shown
    # 1.01: the unit itself, with room for the rounding of the subtraction
    allowed = 1.01 * _unit(shown) if strict else max(1e-3 * abs(float(shown)), 1.01 * _unit(shown))
    return abs(float(printed) - float(shown)) <= allowed


def same_output(printed, shown, strict=False):
    """True when ``printed`` is the page's ``shown`` output: the same text around the
    numbers, and each number the same as _same_number allows."""
    printed, shown = _normalise(printed), _normalise(shown)
    if NUMBER.sub("#", printed) != NUMBER.sub("#", shown):
        return False
    return all(_same_number(a, b, strict) for a, b in zip(NUMBER.findall(printed), NUMBER.findall(shown)))


@pytest.fixture
def restore_global_state(monkeypatch):
    dtype, grad_enabled = mg.get_default_dtype(), mg.is_grad_enabled()
    monkeypatch.setattr(sys, "path", list(sys.path))  # a page may add examples/ to it
    yield
    mg.set_default_dtype(dtype)
    assert mg.is_grad_enabled() == grad_enabled, "a code block left grad mode switched"


def _files_in(directory):
    return {path.name for path in directory.iterdir() if path.is_file()}


# Another CPU's BLAS rounds a matrix product differently (OpenBLAS picks its kernels by CPU,
# and a dot product summed in another order differs by a few ulps). A page must print only
# what survives that: each page runs a second time with every element of every matmul's
# result moved by up to ULPS ulps, up or down at random, and each number it shows must then
# still match to its last printed digit (a chaotic run, or a float32 printed to all of a
# float64's digits, fails here on the developer's own machine).
BLAS_OPS = ("matmul", "linear")
ULPS = 4


def _a_few_ulps_off(op, directions):
    def nudged(*args, **kwargs):
        out = op(*args, **kwargs)
        if np.issubdtype(out.dtype, np.floating):
            steps = directions.integers(-ULPS, ULPS + 1, out.shape)
            out.array *= (1 + steps * np.finfo(out.dtype).eps).astype(out.dtype)
        return out
    return nudged


@pytest.fixture(params=[False, True], ids=["as written", "matmuls a few ulps off"])
def nudged(request, monkeypatch):
    if request.param:
        directions = np.random.default_rng(0)
        for name in BLAS_OPS:
            monkeypatch.setattr(engine.ops, name, _a_few_ulps_off(getattr(engine.ops, name), directions))
    return request.param


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_code_blocks_run_and_print_what_the_page_shows(path, nudged, monkeypatch, restore_global_state):
    monkeypatch.chdir(ROOT)
    page = path.read_text(encoding="utf-8")
    blocks = fenced_blocks(page)
    before = {directory: _files_in(directory) for directory in (ROOT, DOCS)}
    namespace = {"__name__": "__docs__"}
    printed = None  # what the previous block printed, if it was a python block
    for line, language, code in blocks:
        where = f"{path.relative_to(ROOT)}, the block at line {line}"
        if language in PYTHON:
            stdout = io.StringIO()
            # the code sits at its own line numbers, so a traceback points into the page
            compiled = compile("\n" * (line - 1) + code, str(path), "exec")
            with contextlib.redirect_stdout(stdout), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                exec(compiled, namespace)
            # a numpy warning printed by a page's code is stray output, unless the page tells
            # the reader to expect it (names its category, as `RuntimeWarning`)
            unexpected = [str(w.message) for w in caught if f"`{w.category.__name__}" not in page]
            assert not unexpected, f"{where} printed warnings: {unexpected}"
            printed = stdout.getvalue()
            continue
        if language == OUTPUT:
            assert printed is not None, f"{where}: an output block must follow a python block"
            assert same_output(_deterministic(printed), _deterministic(code), strict=nudged), (
                f"{where} shows an output that the python block before it no longer prints"
                f"{' once its matrix products move by a few ulps (it depends on the CPU)' if nudged else ''}; "
                f"it prints:\n{printed}")
        printed = None
    for directory, names in before.items():
        made = _files_in(directory) - names
        assert not made, f"{path.name}'s code blocks left files in {directory}: {sorted(made)} (write to a temporary directory)"


def test_printed_numbers_are_compared_to_their_printed_precision():
    assert same_output("loss 21.8994\n", "loss 21.8993")                 # another CPU's last digit
    assert same_output("maxdiff: 7.46e-09", "maxdiff: 7.45e-09")
    assert same_output("value 1000.4", "value 1000.0")                    # relative 1e-3
    assert not same_output("loss 21.9394", "loss 21.8993")
    assert not same_output("(32, 27) float32", "(32, 28) float32")     # integers exactly
    assert not same_output("exact: True", "exact: False")
    assert not same_output("loss 2.1 2.2", "loss 2.1")
    assert not same_output("value 1000.4", "value 1000.0", strict=True)   # a nudged run: the last digit only
    assert same_output("loss 16.82", "loss 16.81", strict=True)


def _significant_digits(shown):
    return len(shown.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0"))


def test_no_page_shows_a_float_to_all_its_digits():
    # a float32 holds 7 to 9 significant digits; a page that prints 16 (a float32 turned into
    # a Python float, printed whole) shows its rounding noise, which differs between CPUs
    too_long = [(path.name, line, number) for path in doc_files()
                for line, language, code in fenced_blocks(path.read_text(encoding="utf-8")) if language == OUTPUT
                for number in NUMBER.findall(code) if _significant_digits(number) > 10]
    assert not too_long, f"round these numbers to what they mean: {too_long}"


def test_the_block_parser():
    text = "a\n```python\nx = 1\n```\nprose\n```output\n1\n```\n  ```sh\n  ls\n  ```\n````text\n```\n````\n"
    assert fenced_blocks(text) == [(3, "python", "x = 1\n"), (7, "output", "1\n"), (10, "sh", "ls\n"),
                                   (13, "text", "```\n")]


# ----- docstrings -----

def _public(module):
    names = getattr(module, "__all__", None) or [name for name in dir(module) if not name.startswith("_")]
    for name in names:
        value = getattr(module, name)
        if (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__.startswith("minigrad"):
            yield f"{module.__name__}.{name}", value


def public_objects():
    """(qualified name, object) for every public function and class of minigrad,
    minigrad.functional, minigrad.nn, minigrad.nn.functional and minigrad.optim, and
    every public method and property defined in those classes."""
    found = {}
    for module in (mg, mg.functional, mg.nn, mg.nn.functional, mg.optim):
        for name, value in _public(module):
            found.setdefault(id(value), (name, value))
    for name, value in list(found.values()):
        if not inspect.isclass(value):
            continue
        for attribute, member in vars(value).items():
            if attribute.startswith("_"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, (types.FunctionType, property)):
                found.setdefault(id(member), (f"{name}.{attribute}", member))
    return sorted(found.values(), key=lambda item: item[0])


def test_every_public_function_class_and_method_has_a_docstring():
    objects = public_objects()
    names = {name for name, _ in objects}
    # the walk reaches what it must: the Tensor's methods, Module's, the layers' forward
    assert {"minigrad.Tensor.backward", "minigrad.nn.Module.parameters", "minigrad.nn.Linear.forward",
            "minigrad.optim.SGD", "minigrad.functional.cross_entropy"} <= names
    missing = [name for name, value in objects if not (value.__doc__ or "").strip()]
    assert not missing, f"no docstring: {missing}"


# ----- the API page -----

def public_names():
    """The public names of ``minigrad``: not starting with '_', and not a submodule."""
    return sorted(name for name, value in vars(mg).items()
                  if not name.startswith("_") and not isinstance(value, types.ModuleType))


def documented(name, page):
    """True when the page has a code span or a code line starting with the name, alone
    or as ``mg.name``, followed by nothing, a call, an attribute or a separator."""
    pattern = rf"(?<![\w.])(?:mg\.|minigrad\.)?{re.escape(name)}(?![\w])"
    spans = re.findall(r"`([^`\n]+)`", page)
    return any(re.match(pattern, span.strip()) or re.search(rf"\bmg\.{re.escape(name)}\b", span) for span in spans)


def test_the_api_page_names_every_public_name():
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    names = public_names()
    assert {"Tensor", "tensor", "no_grad", "gradcheck", "float32"} <= set(names)
    missing = [name for name in names if not documented(name, page)]
    assert not missing, f"docs/api.md does not document: {missing}"


# ----- the derivatives page -----

def primitive_names():
    """The primitive ops: every rule of minigrad/rules/, made an op by the engine."""
    return sorted(vars(engine.ops))


def _code(line):
    """A line of code without its comment and with its spaces collapsed."""
    return " ".join(line.split("#")[0].split())


def test_the_derivatives_page_has_every_primitive_and_quotes_the_code():
    page = (DOCS / "derivatives.md").read_text(encoding="utf-8")
    names = primitive_names()
    assert {"add", "mul", "matmul", "getitem", "cross_entropy", "batch_norm"} <= set(names)
    headings = [line for line in page.splitlines() if line.startswith("#")]
    table_rows = [line.split("|")[1].strip() for line in page.splitlines() if line.startswith("| ")]
    missing = [name for name in names
               if not any(re.search(rf"\b{name}\b", heading) for heading in headings) and name not in table_rows]
    assert not missing, f"docs/derivatives.md has no section for the primitives {missing}"

    source = [_code(line) for path in sorted((ROOT / "minigrad" / "rules").glob("*.py"))
              for line in path.read_text(encoding="utf-8").splitlines()]
    quoted = [span for span in re.findall(r"`([^`\n]+)`", page) if span.startswith("lambda grad:")]
    quoted += [line for _, language, code in fenced_blocks(page) if language == "text"
               for line in code.splitlines()]
    stale = [quote for quote in map(_code, quoted) if quote and not any(quote in line for line in source)]
    assert len(quoted) > 30
    assert not stale, f"docs/derivatives.md quotes code that minigrad/rules/ does not have: {stale}"


# ----- the table of backprop-ninja.md -----

CHECK_COMMAND = "python examples/makemore.py --check"
# W1 and W2: the hand derivation computes dhprebnᵀ · embcat where the engine computes
# (embcatᵀ · dhprebn)ᵀ, a matrix product in another order. Whether its last float32 bits
# agree depends on the BLAS and the CPU (the page shows False, other machines print True),
# so for these rows only `approximate` is compared. Every other row is the same numpy
# arithmetic on the same arrays on both sides, bit for bit on any machine.
REORDERED_PRODUCTS = ("W1", "W2")


def _deterministic(table):
    """A comparison table with the exact and maxdiff columns of REORDERED_PRODUCTS left out."""
    lines = table.strip().splitlines()
    for i, line in enumerate(lines):
        if line.split(" ")[0] in REORDERED_PRODUCTS:
            lines[i] = re.sub(r"\| (exact|maxdiff): \S+\s*", "", line)
    return "\n".join(lines)


def test_the_comparison_table_of_backprop_ninja_is_what_makemore_check_prints():
    page = (DOCS / "backprop-ninja.md").read_text(encoding="utf-8")
    assert CHECK_COMMAND in page
    table = page.split(CHECK_COMMAND, 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    # the script imports this checkout's minigrad, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    printed = subprocess.run([sys.executable, *CHECK_COMMAND.split()[1:]], cwd=ROOT, capture_output=True,
                             text=True, check=True, env=env).stdout
    assert _deterministic(table) != table.strip()  # the rows are there to be left out
    assert same_output(_deterministic(printed), _deterministic(table))


def test_the_small_graph_picture_is_drawn_from_the_example_of_index_md():
    # docs/make_graph_pictures.py repeats the first example of index.md to draw it
    example = next(code for _, language, code in fenced_blocks((DOCS / "index.md").read_text(encoding="utf-8"))
                   if language in PYTHON)
    script = (DOCS / "make_graph_pictures.py").read_text(encoding="utf-8")
    lines = [_code(line) for line in example.splitlines() if line.strip() and not line.startswith(("import", "print"))]
    assert lines and all(line in map(_code, script.splitlines()) for line in lines)
    assert (DOCS / "images" / "small_graph.svg").exists()
