#!/usr/bin/env python3
"""Turn the manual page's Markdown (docs/ags.1.md) into roff (man macros).

usage: md2man.py [--source TEXT] IN.md OUT

The Markdown is the subset docs/ags.1.md uses (pandoc's man-page style):
  % NAME(SECTION) SOURCE | MANUAL   the title line (first line)
  # HEADING, ## SUBHEADING
  paragraphs; definition lists (a term line, then ": body", the body's
  further lines and paragraphs indented by two spaces); "1." and "-" lists
  inline **bold**, *italic*, `code` (set in bold), backslash escapes
Anything else (code fences, tables, indented code, HTML) is an error naming
IN:LINE, so the page never silently loses text.  --source replaces the
title line's SOURCE (the build passes "ags VERSION").  Hyphenation is off:
the page is full of flags and paths that must read as typed.
"""
import argparse
import re
import sys


class MdError(Exception):
    pass


ORDERED = re.compile(r"(\d+)\.\s+")
BULLET = re.compile(r"[-*]\s+")


def escape(text):
    """Plain text as roff: backslash, minus and anything not ASCII."""
    out = []
    for c in text:
        if c == "\\":
            out.append("\\e")
        elif c == "-":
            out.append("\\-")
        elif ord(c) > 126:
            out.append("\\[u%04X]" % ord(c))
        else:
            out.append(c)
    return "".join(out)


def inline(text, where):
    """Inline Markdown (one block, newlines kept) to roff text."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and not text[i + 1].isalnum() and text[i + 1] != "\n":
            out.append(escape(text[i + 1]))
            i += 2
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise MdError("%s: unclosed `" % where)
            out.append("\\fB" + escape(text[i + 1:j]) + "\\fR")
            i = j + 1
        elif text.startswith("**", i):
            j = text.find("**", i + 2)
            if j < 0:
                raise MdError("%s: unclosed **" % where)
            out.append("\\fB" + escape(text[i + 2:j]) + "\\fR")
            i = j + 2
        elif c == "*" and i + 1 < len(text) and not text[i + 1].isspace():
            j = text.find("*", i + 1)
            if j < 0:
                raise MdError("%s: unclosed *" % where)
            out.append("\\fI" + escape(text[i + 1:j]) + "\\fR")
            i = j + 1
        else:
            out.append(escape(c))
            i += 1
    return "".join(out)


def text_lines(rendered):
    """Roff text lines: no leading blanks, no empty line, and a line that
    would start with a control character made plain text."""
    out = []
    for line in rendered.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line[0] in ".'":
            line = "\\&" + line
        out.append(line)
    return out


def dedent(lines, n):
    """Removes up to n leading spaces from each (lineno, text)."""
    out = []
    for no, t in lines:
        k = len(t) - len(t.lstrip(" "))
        out.append((no, t[min(k, n):]))
    return out


def blank(line):
    return not line[1].strip()


def indented_body(lines, j):
    """The lines from j on that belong to an indented body: indented ones,
    and blank ones followed by an indented one.  Returns the end index."""
    n = len(lines)
    while j < n:
        if blank(lines[j]):
            k = j
            while k < n and blank(lines[k]):
                k += 1
            if k < n and lines[k][1].startswith(" "):
                j = k
                continue
            return j
        if not lines[j][1].startswith(" "):
            return j
        j += 1
    return j


def parse(lines, src):
    """Lines (lineno, text) to blocks:
    ("heading", level, text), ("para", text), ("def", term, blocks),
    ("item", label, blocks)."""
    blocks = []
    i, n = 0, len(lines)
    while i < n:
        no, t = lines[i]
        where = "%s:%d" % (src, no)
        if not t.strip():
            i += 1
            continue
        if t.startswith("```") or t.startswith("~~~") or t.lstrip().startswith("|") or \
                t.startswith("    ") or t.lstrip().startswith("<"):
            raise MdError("%s: not supported by tools/md2man.py (code block, table or HTML)"
                          % where)
        if t.startswith("#"):
            level = len(t) - len(t.lstrip("#"))
            if level > 2:
                raise MdError("%s: only # and ## headings" % where)
            blocks.append(("heading", level, t[level:].strip(), where))
            i += 1
            continue
        if i + 1 < n and lines[i + 1][1].startswith(": "):
            first = [(lines[i + 1][0], lines[i + 1][1][2:])]
            end = indented_body(lines, i + 2)
            body = first + dedent(lines[i + 2:end], 2)
            blocks.append(("def", t.strip(), parse(body, src), where))
            i = end
            continue
        m = ORDERED.match(t) or BULLET.match(t)
        if m:
            label = (m.group(1) + ".") if m.re is ORDERED else "\\(bu"
            first = [(no, t[m.end():])]
            j = i + 1
            while j < n and not blank(lines[j]) and not ORDERED.match(lines[j][1]) and \
                    not BULLET.match(lines[j][1]):
                j += 1
            end = indented_body(lines, j) if j < n and blank(lines[j]) else j
            body = first + dedent(lines[i + 1:end], m.end())
            blocks.append(("item", label, parse(body, src), where))
            i = end
            continue
        j = i
        while j < n and not blank(lines[j]):
            j += 1
        blocks.append(("para", "\n".join(x[1] for x in lines[i:j]), where))
        i = j
    return blocks


def render(blocks, out, first_is_body=False):
    """Appends roff lines for blocks to out.  first_is_body: the first
    paragraph continues a .TP or .IP already started (no .PP)."""
    for idx, b in enumerate(blocks):
        kind = b[0]
        if kind == "heading":
            macro = ".SH" if b[1] == 1 else ".SS"
            out.append("%s %s" % (macro, inline(b[2], b[3])))
        elif kind == "para":
            if not (first_is_body and idx == 0):
                out.append(".PP")
            out.extend(text_lines(inline(b[1], b[2])))
        elif kind == "def":
            out.append(".TP")
            out.extend(text_lines(inline(b[1], b[3])))
            render_body(b[2], out)
        elif kind == "item":
            out.append('.IP "%s" 4' % b[1])
            render_body(b[2], out)


def render_body(blocks, out):
    """The body of a .TP or .IP: its first paragraph right there, the rest
    indented as far (.RS/.RE)."""
    head = 1 if blocks and blocks[0][0] == "para" else 0
    if head:
        out.extend(text_lines(inline(blocks[0][1], blocks[0][2])))
    if blocks[head:]:
        out.append(".RS")
        render(blocks[head:], out)
        out.append(".RE")


def convert(text, src, source=None):
    raw = text.split("\n")
    if not raw or not raw[0].startswith("% "):
        raise MdError("%s:1: the first line must be '%% NAME(SECTION) SOURCE | MANUAL'" % src)
    m = re.match(r"%\s+(\S+)\((\w+)\)\s+(.*?)\s*\|\s*(.*?)\s*$", raw[0])
    if not m:
        raise MdError("%s:1: the title line must read '%% NAME(SECTION) SOURCE | MANUAL'" % src)
    name, section, title_source, manual = m.groups()
    if source:
        title_source = source
    out = ['.\\" Generated from %s by tools/md2man.py; edit that file.' % src.split("/")[-1],
           '.TH "%s" "%s" "" "%s" "%s"' % (name, section, escape(title_source), escape(manual)),
           ".nh"]
    lines = [(no + 1, t.rstrip()) for no, t in enumerate(raw)][1:]
    render(parse(lines, src), out)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args()
    with open(a.input, encoding="utf-8") as f:
        text = f.read()
    try:
        roff = convert(text, a.input, a.source)
    except MdError as e:
        print("md2man: %s" % e, file=sys.stderr)
        return 1
    data = roff.encode("ascii")
    with open(a.output, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
