"""nbgrader's feedback exporter, made cheap to run once per student.

``nbgrader generate_feedback`` renders each graded notebook to HTML with nbconvert's
``HTMLExporter`` and a fresh Jinja environment: every call compiles the templates again, and
every cell's Markdown and syntax highlighting is rendered again, although from one student to
the next almost every cell is the same (the course text, the locked and test cells).
:class:`FeedbackExporter` is that exporter with three caches, shared by all its instances in a
process:

* the compiled templates (Jinja's bytecode cache, in memory);
* Markdown cells rendered to HTML, by source text (cells with attachments are not cached);
* code highlighted to HTML, by source text, language and cell metadata.

``HTMLExporter`` also re-parses every page it renders with BeautifulSoup, to give images an
``alt`` text and JupyterLab-style cells a ``tabindex``, and writes the parsed tree back out:
half of what is left of the cost. The feedback template is the classic one, which has no such
cells, so when a page has no image either there is nothing to add; :class:`FeedbackExporter`
then keeps the page as rendered. It differs from ``HTMLExporter``'s only in how the same
document is spelled (BeautifulSoup rewrites ``<br>`` as ``<br/>``, for instance): a test
checks that parsing it gives exactly ``HTMLExporter``'s page. Pages with images go through
``HTMLExporter`` unchanged.

Two things it adds to nbgrader's page, for students:

* **Equations without the network.** nbgrader's page loads MathJax from a CDN, so offline (and on
  many campus networks) students see raw LaTeX. Here every ``$...$`` and ``$$...$$`` of the
  Markdown is rendered to MathML when the page is made (``latex2mathml``), which browsers draw
  themselves, and the MathJax scripts are left out.
* **A table of contents with names.** nbgrader lists the graded cells as "Test cell", "Written
  response", ... ; here each item names its exercise or question.

``coursekit grade`` selects it with ``GenerateFeedback.exporter_class``.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections import OrderedDict
from typing import Any

import latex2mathml.converter
from jinja2 import BytecodeCache, pass_context
from jinja2.bccache import Bucket
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from coursekit.grading.course import exercise_of

__all__ = ["FeedbackExporter", "finish_page", "math_to_mathml"]

#: Entries kept in each of the Markdown and highlighting caches (a course has a few thousand cells).
CACHE_SIZE = 20_000


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled Jinja templates kept in memory, keyed by template name and source checksum."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


class _Memo:
    """A bounded least-recently-used cache of strings."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, str] = OrderedDict()

    def get(self, key: Any) -> str | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: str) -> str:
        self._items[key] = value
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value


_BYTECODE = _MemoryBytecodeCache()
_MARKDOWN = _Memo(CACHE_SIZE)
_HIGHLIGHT = _Memo(CACHE_SIZE)


class _CachedHighlight:
    """Wraps nbconvert's ``highlight_code`` filter (one per notebook, for its Pygments lexer)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, source: str, language: str | None = None, metadata: Any = None) -> str:
        key = (
            getattr(self.inner, "pygments_lexer", None),
            source,
            language,
            json.dumps(metadata, sort_keys=True, default=str),
        )
        cached = _HIGHLIGHT.get(key)
        if cached is not None:
            return cached
        return _HIGHLIGHT.put(key, self.inner(source, language=language, metadata=metadata))


class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` whose template compilation, Markdown and highlighting are cached."""

    def _create_environment(self) -> Any:
        environment = super()._create_environment()
        environment.bytecode_cache = _BYTECODE
        return environment

    def register_filter(self, name: str, jinja_filter: Any) -> Any:
        if name == "highlight_code" and not isinstance(jinja_filter, _CachedHighlight):
            jinja_filter = _CachedHighlight(jinja_filter)
        return super().register_filter(name, jinja_filter)

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        cell = context.get("cell", {})
        if cell.get("attachments"):
            return math_to_mathml(super().markdown2html(context, source))
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        key = (
            source,
            path,
            self.embed_images,
            self.anchor_link_text,
            self.exclude_anchor_links,
            json.dumps(self.lexer_options, sort_keys=True, default=str),
        )
        cached = _MARKDOWN.get(key)
        if cached is not None:
            return cached
        return _MARKDOWN.put(key, math_to_mathml(super().markdown2html(context, source)))

    def from_notebook_node(  # type: ignore[override]  # HTML exporters return (html, resources), not a notebook
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, Any]:
        if self.template_name != "feedback" or _has_images(nb):
            html, resources = super().from_notebook_node(nb, resources, **kw)
            return finish_page(html), resources
        # HTMLExporter.from_notebook_node up to its BeautifulSoup pass, which has nothing to do here.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if "<img" in html or "jp-Cell-inputWrapper" in html or "jp-OutputArea-output" in html:
            html, resources = super().from_notebook_node(nb, resources, **kw)  # the pass has work after all
        return finish_page(html), resources


def _has_images(nb: Any) -> bool:
    for cell in nb.cells:
        if cell.get("attachments"):
            return True
        for out in cell.get("outputs", []):
            if any(mime.startswith("image/") for mime in out.get("data", {})):
                return True
    return False


_TAG = re.compile(r"(<[^>]*>)")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.S)
_VERBATIM = {"code", "pre", "script", "style", "textarea"}


def math_to_mathml(rendered: str) -> str:
    """Rendered Markdown with every ``$$...$$`` (display) and ``$...$`` (inline) turned into MathML.

    Only text between tags is looked at, and never inside ``<code>`` or ``<pre>``; an expression that
    cannot be converted is left as it was.
    """
    out, verbatim = [], 0
    for piece in _TAG.split(rendered):
        if piece.startswith("<"):
            name = re.match(r"</?\s*(\w+)", piece)
            if name and name.group(1).lower() in _VERBATIM and not piece.endswith("/>"):
                verbatim += -1 if piece.startswith("</") else 1
            out.append(piece)
        else:
            out.append(piece if verbatim > 0 else _MATH.sub(_mathml, piece))
    return "".join(out)


def _mathml(match: re.Match[str]) -> str:
    display = match.group(1) is not None
    tex = html_lib.unescape(match.group(1) if display else match.group(2)).strip()
    try:
        return str(latex2mathml.converter.convert(tex, display="block" if display else "inline"))
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds; the LaTeX then stays as written
        return match.group(0)


_MATHJAX = re.compile(r"\s*<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*", re.S)
_TOC_ITEM = re.compile(r'<a href="#([^"]+)">(Test cell|Coding free-response|Written response|Task|Comment)</a>')


# An error output whose message is a diagnosis (coursekit.diagnosis): "...</span> Likely mistake in x: why"
_DIAGNOSED = re.compile(
    r'(<div class="output_subarea output_text output_error">)(\s*<pre>)(?=(?:(?!</pre>).)*?'
    r"Likely mistake in (\w+): ([^\n<]+))",
    re.S,
)


def finish_page(page: str) -> str:
    """nbgrader's feedback page without MathJax (the equations are MathML already), with named contents,
    and with each diagnosed mistake said in a box above its test's error output."""
    page = _TOC_ITEM.sub(_named, _MATHJAX.sub("\n", page, count=1))
    return _DIAGNOSED.sub(_boxed, page)


def _boxed(match: re.Match[str]) -> str:
    box = (
        '<div class="coursekit-diagnosis" style="border-left: 4px solid #c60; background: #fff6ee; '
        f'padding: .4rem .7rem; margin: .3rem 0;"><strong>Likely mistake in {match.group(3)}:</strong> '
        f"{match.group(4)}</div>"
    )
    return match.group(1) + box + match.group(2)


def _named(match: re.Match[str]) -> str:
    target, kind = match.group(1), match.group(2)
    grade_id = target.removeprefix("comment-")
    label = {
        "Test cell": f"Exercise {exercise_of(grade_id)}: tests",
        "Coding free-response": f"{grade_id}: code graded by hand",
        "Written response": f"Question {grade_id}: your answer",
        "Task": f"Task {grade_id}",
        "Comment": f"Comment on {exercise_of(grade_id)}",
    }[kind]
    return f'<a href="#{target}">{html_lib.escape(label)}</a>'
