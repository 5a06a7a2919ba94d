"""Labels that Graphviz cannot take as they are, and graphs too big for the in-process
renderer: drawn as written where that can be done (escapes a reader can see), else a
clear error that says what to do."""

import re
import xml.etree.ElementTree as ET

import graphviz
import pytest

import minigrad as mg
from minigrad import drawing

from test_drawing import SVG, renderer, svg_texts, without_dot  # noqa: F401  (fixtures)


def labelled(text):
    x = mg.tensor([1.0, 2.0], requires_grad=True, label=text)
    return (x * 2).sum()


@pytest.mark.parametrize("text, shown", [("bad \ud800 label", "bad \\ud800 label"),
                                         ("nul\x00byte", "nul\\x00byte"),
                                         ("bell\x07 and\ttab", "bell\\x07 and tab")])
def test_unencodable_and_control_characters_are_drawn_as_their_escapes(renderer, text, shown):
    graph = mg.draw_graph(labelled(text))
    assert shown in svg_texts(drawing.render_svg(graph))
    assert drawing.render_png(graph).startswith(b"\x89PNG")


@pytest.mark.parametrize("text, message", [("\ud800", "lone surrogate that UTF-8 cannot encode"),
                                           ("a\x00b", "NUL character at position")])
def test_a_graph_made_by_hand_with_such_characters_is_refused_clearly(renderer, text, message):
    graph = graphviz.Digraph()
    graph.node("a", label=text)
    with pytest.raises(ValueError, match=message):
        drawing.render_svg(graph)


def test_tooltips_show_backslashes_as_written(renderer):
    class Found(Exception):  # what draw_graph's highlight reads of an AnomalyError
        def __init__(self, tensor):
            super().__init__("at C:\\Names\\Graphs: \\N \\G \\L \\ end\\")
            self.tensor, self.summary = tensor, "odd \\N value"

    loss = labelled("w")
    svg = drawing.render_svg(mg.draw_graph(loss, highlight=Found(loss)))
    titles = [a.get("{http://www.w3.org/1999/xlink}title") for a in ET.fromstring(svg).iter(f"{SVG}a")]
    assert "at C:\\Names\\Graphs: \\N \\G \\L \\ end\\" in titles
    assert "odd \\N value" in svg_texts(svg)


def test_a_chain_too_long_for_the_in_process_renderer_is_refused_clearly(without_dot):
    t = mg.tensor([1.0], requires_grad=True)
    for _ in range(6000):
        t = t * 1.0
    graph = mg.draw_graph(t, max_nodes=20000)
    assert len(re.findall(r"^\t(?:t|op)\d+ \[", graph.source, re.M)) == 12001
    with pytest.raises(RuntimeError, match=r"ran out of its WebAssembly stack .* of 12001 nodes.*apt-get install "
                                           r"graphviz"):
        drawing.render_svg(graph)
    assert "w" in svg_texts(drawing.render_svg(mg.draw_graph(labelled("w"))))  # and it still renders
