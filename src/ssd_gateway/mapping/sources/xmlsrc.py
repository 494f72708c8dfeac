"""XML exports, read with ``lxml.etree.iterparse`` one record element at a time.

Options (``source:`` in the mapping): ``namespaces`` (prefix → URI), ``record`` (the
repeated record element: ``/p:Root/p:Record``, ``//p:Record`` or ``p:Record``),
``year_pivot``. Field paths are XPath 1.0 relative to the record element; plain child steps
(``p:Barn/p:CprNr``, ``p:Vurdering/@dato``) take a fast ElementPath route.

Hardened: a document with a DOCTYPE or ENTITY declaration is refused before parsing, and
the parser never resolves entities, loads a DTD or touches the network. Each record element
is cleared, with its preceding siblings, once it has been mapped, so memory stays flat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from lxml import etree

from ssd_gateway.mapping.outcome import SourceLocation
from ssd_gateway.mapping.sources import Items, Located, SourceFailure, SourceRecord

_QNAME = r"(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*"
_SIMPLE = re.compile(rf"^(?:{_QNAME})(?:/{_QNAME})*(?:/(?:@{_QNAME}|text\(\)))?$|^@{_QNAME}$")
_UNSAFE = (b"<!DOCTYPE", b"<!ENTITY")
_HEAD = 65536


def _clark(qname: str, namespaces: dict[str, str]) -> str:
    prefix, _, local = qname.rpartition(":")
    if not prefix:
        return local
    if prefix not in namespaces:
        raise ValueError(f"namespace prefix '{prefix}' is not declared in source.namespaces")
    return f"{{{namespaces[prefix]}}}{local}"


def element_text(element: Any) -> str:
    """The text of an element and its descendants."""
    if len(element) == 0:
        return element.text or ""
    return "".join(element.itertext())


def has_text(element: Any) -> bool:
    """Whether ``element_text(element)`` is not blank, without joining the text: the first
    non-blank piece (text, a descendant's text or tail; not comments') decides."""
    text = element.text
    if text and not text.isspace():
        return True
    for child in element:
        if child.tag.__class__ is str and has_text(child):
            return True
        tail = child.tail
        if tail and not tail.isspace():
            return True
    return False


#: a node: the element, its XPath text and the record's child index (shared by its nodes)
Kids = dict[Any, dict[str, list[Any]]]
#: the (never mutated) result of a path that matches nothing
_NONE: list[Any] = []


def _children(element: Any, kids: Kids) -> dict[str, list[Any]]:
    """The element's child elements by tag, built once per element and record."""
    found = kids.get(element)
    if found is None:
        found = {}
        for child in element:
            tag = child.tag
            if tag.__class__ is str:  # not a comment or processing instruction
                same = found.get(tag)
                if same is None:
                    found[tag] = [child]
                else:
                    same.append(child)
        kids[element] = found
    return found


class XmlPath:
    """A compiled XPath below a record element.

    Plain child steps (``p:Barn/p:CprNr``, ``p:Vurdering/@dato``, ``.``) are walked through a
    per-record index of children by tag, which is many times faster than ElementPath; any
    other XPath 1.0 expression is compiled once by lxml.
    """

    def __init__(self, text: str, namespaces: dict[str, str]) -> None:
        self.text = text
        self._attr: str | None = None
        self._xpath: Callable[[Any], Any] | None = None
        self._tags: list[str] = []
        if text == ".":
            pass
        elif _SIMPLE.match(text):
            self._compile_simple(text, namespaces)
        else:
            self._compile_xpath(text, namespaces)
        #: ``first(node)[0]``, specialised for this path (the mapping's fast path)
        self.first_value: Callable[[tuple[Any, str, Kids]], Any] = self._first_value()

    def _compile_simple(self, text: str, namespaces: dict[str, str]) -> None:
        steps = text.split("/")
        if steps[-1] == "text()":
            steps.pop()
        elif steps[-1].startswith("@"):
            self._attr = _clark(steps.pop()[1:], namespaces)
        self._tags = [_clark(s, namespaces) for s in steps]

    def _compile_xpath(self, text: str, namespaces: dict[str, str]) -> None:
        try:
            compiled = etree.XPath(text, namespaces=namespaces)
            compiled(etree.Element("probe"))
        except etree.XPathSyntaxError as exc:
            raise ValueError(f"invalid XPath: {exc}") from None
        except etree.XPathEvalError as exc:
            raise ValueError(f"XPath cannot be evaluated: {exc}") from None
        self._xpath = compiled

    def _found(self, node: tuple[Any, str, Kids]) -> list[Any]:
        element, _, kids = node
        if self._xpath is not None:
            result = self._xpath(element)
            return result if isinstance(result, list) else [result]
        current = [element]
        for tag in self._tags:
            if len(current) == 1:
                one = current[0]
                found = kids.get(one)
                if found is None:
                    found = _children(one, kids)
                current = found.get(tag, _NONE)
            else:
                current = [c for e in current for c in _children(e, kids).get(tag, ())]
        return current

    def values(self, node: tuple[Any, str, Kids]) -> list[Any]:
        """Text of the matched elements, or the attribute, or the XPath's results."""
        found = self._found(node)
        if not found:
            return []
        attr = self._attr
        if attr is not None:
            return [e.get(attr) for e in found]
        if self._xpath is None:
            return [(e.text or "") if len(e) == 0 else "".join(e.itertext()) for e in found]
        return [element_text(e) if isinstance(e, etree._Element) else
                (str(e) if isinstance(e, str) else e) for e in found]

    def first(self, node: tuple[Any, str, Kids]) -> tuple[Any, int]:
        """The first value that is not missing (blank text is), stripped, and its index.

        The same as the first such item of ``values`` without building the list: the hot
        path of a single-valued field. ``(None, -1)`` if there is none.
        """
        if self._xpath is not None:
            return _first_of(self.values(node))
        found = self._found(node)
        attr = self._attr
        for i, e in enumerate(found):
            if attr is not None:
                value = e.get(attr)
                if value is None:
                    continue
            else:
                value = (e.text or "") if len(e) == 0 else "".join(e.itertext())
            value = value.strip()
            if value:
                return value, i
        return None, -1

    def _first_value(self) -> Callable[[tuple[Any, str, Kids]], Any]:
        if self._xpath is not None or len(self._tags) > 1:
            def general(node: tuple[Any, str, Kids]) -> Any:
                return self.first(node)[0]

            return general
        tag, attr = (self._tags[0] if self._tags else None), self._attr

        def one_step(node: tuple[Any, str, Kids]) -> Any:
            element, _, kids = node
            if tag is None:
                found = [element]
            else:
                children = kids.get(element)
                if children is None:
                    children = _children(element, kids)
                found = children.get(tag, _NONE)
            for e in found:
                if attr is not None:
                    value = e.get(attr)
                    if value is None:
                        continue
                else:
                    value = (e.text or "") if len(e) == 0 else "".join(e.itertext())
                value = value.strip()
                if value:
                    return value
            return None

        return one_step

    def child_steps(self) -> tuple[tuple[str, ...], str | None] | None:
        """(child tags, attribute or None) of a plain child path; None for other XPath."""
        if self._xpath is not None:
            return None
        return tuple(self._tags), self._attr

    def locate(self, node: tuple[Any, str, Kids], index: int) -> SourceLocation:
        """``record-xpath/path[i]`` and the line of the matched element."""
        found = self._found(node)
        where = f"{node[1]}/{self.text}" + (f"[{index + 1}]" if len(found) > 1 else "")
        item = found[index] if index < len(found) else node[0]
        if not isinstance(item, etree._Element):
            item = item.getparent() if hasattr(item, "getparent") else None
        return SourceLocation(where, item.sourceline if item is not None else node[0].sourceline)

    def nodes(self, node: tuple[Any, str, Kids]) -> list[Located]:
        """The matched elements as group entries (``base/path[i]``)."""
        out: list[Located] = []
        elements = [e for e in self._found(node) if isinstance(e, etree._Element)]
        for i, item in enumerate(elements):
            where = f"{node[1]}/{self.text}[{i + 1}]"
            out.append(((item, where, node[2]), SourceLocation(where, item.sourceline)))
        return out


def _first_of(values: list[Any]) -> tuple[Any, int]:
    for i, value in enumerate(values):
        if value.__class__ is str:
            value = value.strip()
            if value:
                return value, i
        elif value is not None:
            return value, i
    return None, -1


def _parser_options() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "load_dtd": False,
            "dtd_validation": False, "huge_tree": False}


class XmlFormat:
    """Reads XML exports; see the module docstring for the options."""

    content_type = "application/xml"

    def __init__(self, namespaces: dict[str, str], record: str) -> None:
        self.namespaces = namespaces
        self.record = record
        anywhere = record.startswith("//") or not record.startswith("/")
        steps = record.lstrip("/").split("/")
        if not all(re.fullmatch(_QNAME, s) for s in steps):
            raise ValueError("source.record must be element names: /p:Root/p:Record or //p:Record")
        self._tags = [_clark(s, namespaces) for s in steps]
        self._anywhere = anywhere

    def compile(self, path: str) -> XmlPath:
        """Compile an XPath relative to a record element."""
        return XmlPath(path, self.namespaces)

    def join(self, base: SourceLocation, rel: str) -> SourceLocation:
        """``base/rel`` at the base element's line."""
        return SourceLocation(f"{base.path}/{rel}", base.line)

    def _matches(self, element: Any) -> bool:
        if self._anywhere:
            return True
        node = element
        for tag in reversed(self._tags):
            if node is None or node.tag != tag:
                return False
            node = node.getparent()
        return node is None

    def _record_path(self, n: int) -> str:
        if self._anywhere:
            return f"(//{self.record.lstrip('/')})[{n}]"
        return f"{self.record}[{n}]"

    def read(self, stream: IO[bytes], single: bool = False) -> Items:
        """Yield each record element; clear it once the consumer has mapped it."""
        whole = _whole(stream)
        head = stream.read(_HEAD)
        stream.seek(0)
        if any(marker in head for marker in _UNSAFE):
            yield SourceFailure(SourceLocation("(dokument)", 1), "xml_unsafe", {}, whole)
            return
        if single:
            yield from self._read_single(stream, whole)
            return
        yield from self._stream(stream, whole)

    def _read_single(self, stream: IO[bytes], whole: Callable[[], bytes]) -> Items:
        try:
            root = etree.fromstring(stream.read(), etree.XMLParser(**_parser_options()))
        except etree.XMLSyntaxError as exc:
            yield _syntax_failure(exc, whole)
            return
        base = self._record_path(1)
        yield SourceRecord(1, (root, base, {}), SourceLocation(base, root.sourceline), whole)

    def _stream(self, stream: IO[bytes], whole: Callable[[], bytes]) -> Items:
        context = etree.iterparse(stream, events=("end",), tag=self._tags[-1], **_parser_options())
        count = 0
        try:
            for _event, element in context:
                if not self._matches(element):
                    continue
                count += 1
                base = self._record_path(count)
                yield SourceRecord(count, (element, base, {}),
                                   SourceLocation(base, element.sourceline), _serialise(element))
                _release(element)
        except etree.XMLSyntaxError as exc:
            yield _syntax_failure(exc, whole)


def _serialise(element: Any) -> Callable[[], bytes]:
    return lambda: etree.tostring(element, encoding="utf-8", xml_declaration=True)


def _release(element: Any) -> None:
    """Free a mapped record element and everything before it."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _whole(stream: IO[bytes]) -> Callable[[], bytes]:
    def read_all() -> bytes:
        position = stream.tell()
        stream.seek(0)
        data = stream.read()
        stream.seek(position)
        return data

    return read_all


def _syntax_failure(exc: etree.XMLSyntaxError, whole: Callable[[], bytes]) -> SourceFailure:
    line, column = exc.position if exc.position else (exc.lineno, None)
    detail = str(exc.msg).split(", line ")[0]
    return SourceFailure(SourceLocation("(dokument)", line, column), "xml_syntax",
                         {"detail": detail}, whole)
