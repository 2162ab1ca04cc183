"""The demo report, in Markdown and in HTML: each figure beside the slide formulas it
illustrates.

A section is ``(title, blocks, seconds)``; a block is ``("text", markdown)`` or
``("figure", file name, caption)``.  The caption's bracketed IDs (``[C9]``, ``[V1, V4]``)
name the formulas; their slide section and formula come from the formula map
(:mod:`nnunsup.demos._formula_map`).  The HTML is one self-contained page (the figures are
linked, not embedded) and understands the small part of Markdown the demos write:
paragraphs, pipe tables, ``**bold**``, ``*italic*`` and ``code``.
"""
import html
import re

__all__ = ["write_markdown", "write_html"]


def _formulas_of(caption):
    """[(ID, slide, formula)] for the IDs a caption cites; unknown IDs get empty text."""
    from ._formula_map import cited_ids, formula   # not at import: the map runs as a script
    return [(ID, *(formula(ID) or ("", ""))) for ID in cited_ids(caption)]


def write_markdown(path, header, sections):
    """report.md: the text, each figure with its caption and the formulas it shows."""
    lines = list(header)
    for title, blocks, seconds in sections:
        lines += ["", f"## {title}", ""]
        for block in blocks:
            if block[0] == "text":
                lines += [block[1], ""]
                continue
            _, name, caption = block
            lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
            for ID, slide, text in _formulas_of(caption):
                lines += [f"> **[{ID}]** {text} — slides: {slide}", ">"]
            if lines[-1] == ">":
                lines[-1] = ""
        lines.append(f"_({seconds:.1f} s)_")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- a small Markdown → HTML for what the demos write -------------------------------------------

def _inline(text):
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)


def _table(rows):
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    head, body = cells[0], [r for r in cells[1:] if not all(set(c) <= set("-: ") for c in r)]
    out = ["<table>", "<tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body]
    return "\n".join(out + ["</table>"])


def _markdown(text):
    out = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        rows = chunk.splitlines()
        if rows and all(r.lstrip().startswith("|") for r in rows):
            out.append(_table(rows))
        else:
            out.append(f"<p>{_inline(' '.join(rows))}</p>")
    return "\n".join(out)


STYLE = """
body { font-family: sans-serif; max-width: 78rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #222; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
.figure { display: flex; gap: 1.5rem; align-items: flex-start; margin: 1.5rem 0;
          flex-wrap: wrap; }
.figure figure { margin: 0; flex: 1 1 32rem; }
.figure img { max-width: 100%; }
figcaption { font-size: .9rem; color: #444; }
.formulas { flex: 1 1 22rem; background: #f6f6f3; border-left: 3px solid #8a8; padding: .6rem 1rem;
            font-size: .92rem; }
.formulas .id { font-weight: bold; }
.formulas .slide { color: #555; font-size: .85rem; }
table { border-collapse: collapse; margin: .8rem 0; }
td, th { border: 1px solid #ccc; padding: .2rem .6rem; }
code { background: #f0f0f0; padding: 0 .2rem; }
nav li { margin: .1rem 0; }
"""


def write_html(path, title, intro, sections):
    """report.html: one page, a contents list, each figure beside its formulas."""
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
           f"<h1>{html.escape(title)}</h1>", _markdown(intro), "<nav><ol>"]
    out += [f'<li><a href="#section-{i}">{html.escape(name)}</a></li>'
            for i, (name, _, _) in enumerate(sections, 1)]
    out.append("</ol></nav>")
    for i, (name, blocks, seconds) in enumerate(sections, 1):
        out.append(f'<h2 id="section-{i}">{html.escape(name)}</h2>')
        for block in blocks:
            if block[0] == "text":
                out.append(_markdown(block[1]))
                continue
            _, file, caption = block
            out += ['<div class="figure">', "<figure>",
                    f'<img src="{html.escape(file)}" alt="{html.escape(caption)}">',
                    f"<figcaption>{_inline(caption)}</figcaption>", "</figure>"]
            shown = _formulas_of(caption)
            if shown:
                out.append('<div class="formulas">')
                for ID, slide, text in shown:
                    out += [f'<p><span class="id">[{ID}]</span> {_inline(text)}<br>',
                            f'<span class="slide">slides: {_inline(slide)}</span></p>']
                out.append("</div>")
            out.append("</div>")
        out.append(f"<p><em>({seconds:.1f} s)</em></p>")
    out += ["</body>", "</html>"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path
