"""Hardened parsing: XXE, billion laughs, external DTDs and oversize input are refused, and
nothing is read from disk or the network while refusing them."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from ssd_gateway.exceptions import RecordInvalid, UnsafeInput
from ssd_gateway.xml import (
    UnsafeXml,
    parse_secure,
    read_acknowledgement_xml,
    validate_xml,
    xml_to_message,
)
from ssd_gateway.xml.secure import _parse_hardened

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def xxe_file(path: Path) -> bytes:
    """An external entity that pulls in a local file."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{path}">]>\n'
            f"<r>&x;</r>").encode()


def xxe_network(port: int) -> bytes:
    """An external entity fetched over HTTP."""
    return (f'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/secret">]>'
            f"<r>&x;</r>").encode()


def external_dtd(url: str) -> bytes:
    """A document that names an external DTD."""
    return f'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "{url}">\n<r/>'.encode()


def parameter_entity(port: int) -> bytes:
    """A parameter entity that would load a DTD from the network (out-of-band XXE)."""
    return (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]>'
            f"<r/>").encode()


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe: opening it for reading blocks until a writer comes, so an open shows."""
    path = tmp_path / "secret.fifo"
    os.mkfifo(path)
    return path


def opens_fifo(action: Callable[[], object], fifo: Path) -> bool:
    """Return True if ``action`` tried to open ``fifo`` (it then blocks in open())."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=2.0)
    if not worker.is_alive():
        return False
    writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # unblock the reader
    os.close(writer)
    worker.join(timeout=5.0)
    return True


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP server that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                seen.append(conn.recv(4096) or b"<connected>")
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n<!ENTITY y 'pwned'>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(timeout=2)
    server.close()


def refused(data: bytes) -> UnsafeXml:
    """Parse ``data`` and return the UnsafeXml it must raise."""
    with pytest.raises(UnsafeXml) as info:
        parse_secure(data)
    return info.value


def test_ordinary_document_parses() -> None:
    """A plain document with namespaces, comments and CDATA parses."""
    data = b"<?xml version='1.0'?><a xmlns='urn:x'><!-- c --><b><![CDATA[x<y]]></b></a>"
    root = parse_secure(data)
    assert root[0].text == " c " and root[1].text == "x<y"


def test_xxe_file_entity_is_refused_without_opening_the_file(fifo: Path) -> None:
    """An entity pointing at a local file is refused with a clear error; the file is not opened."""
    error: list[UnsafeXml] = []
    assert not opens_fifo(lambda: error.append(refused(xxe_file(fifo))), fifo)
    assert error and error[0].problem.code == "xml_doctype_forbidden"
    assert "Document refused" in str(error[0]) and "Dokument afvist" in str(error[0])
    assert "DOCTYPE" in str(error[0])


def test_xxe_file_entity_content_never_reaches_the_tree(tmp_path: Path) -> None:
    """Even past the byte scan, the parser leaves a file entity unexpanded and refuses it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    with pytest.raises(UnsafeXml) as info:
        _parse_hardened(xxe_file(secret))
    assert "TOP-SECRET" not in str(info.value)


def test_hardened_parser_does_not_open_files_even_past_the_scan(fifo: Path) -> None:
    """The parser layer alone (no byte scan) never opens a file entity or a file DTD."""
    assert not opens_fifo(lambda: _refuse_hardened(xxe_file(fifo)), fifo)
    assert not opens_fifo(lambda: _refuse_hardened(external_dtd(f"file://{fifo}")), fifo)


def _refuse_hardened(data: bytes) -> None:
    with pytest.raises(UnsafeInput):
        _parse_hardened(data)


def test_the_fifo_detector_sees_a_permissive_parser(fifo: Path) -> None:
    """Control: a parser that resolves entities does open the file, so the detector works."""
    permissive = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    assert opens_fifo(lambda: etree.fromstring(xxe_file(fifo), permissive), fifo)


def test_xxe_network_entity_is_refused_without_connecting(
    listener: tuple[int, list[bytes]],
) -> None:
    """An entity fetched over HTTP is refused, and no connection is made, by either layer."""
    port, seen = listener
    assert refused(xxe_network(port)).problem.code == "xml_doctype_forbidden"
    with pytest.raises(UnsafeInput):
        _parse_hardened(xxe_network(port))
    time.sleep(0.3)
    assert seen == []


def test_external_dtd_is_refused_without_connecting(listener: tuple[int, list[bytes]]) -> None:
    """A DOCTYPE naming an external DTD is refused, and the DTD is never fetched."""
    port, seen = listener
    data = external_dtd(f"http://127.0.0.1:{port}/evil.dtd")
    assert refused(data).problem.code == "xml_doctype_forbidden"
    with pytest.raises(UnsafeInput):
        _parse_hardened(data)
    time.sleep(0.3)
    assert seen == []


def test_parameter_entity_is_refused_without_connecting(
    listener: tuple[int, list[bytes]],
) -> None:
    """An out-of-band parameter entity is refused, and nothing is fetched."""
    port, seen = listener
    refused(parameter_entity(port))
    with pytest.raises(UnsafeInput):
        _parse_hardened(parameter_entity(port))
    time.sleep(0.3)
    assert seen == []


def test_billion_laughs_is_refused_quickly() -> None:
    """The billion-laughs bomb is refused in well under a second, by both layers."""
    started = time.perf_counter()
    error = refused(BILLION_LAUGHS)
    with pytest.raises(UnsafeInput):
        _parse_hardened(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0
    assert error.problem.code == "xml_doctype_forbidden"
    assert "entitetserklæring" in str(error) and "entity declaration" in str(error)


def test_doctype_in_utf16_is_refused() -> None:
    """A DOCTYPE cannot hide in UTF-16: the scan ignores NUL bytes."""
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'
    assert refused(data.encode("utf-16")).problem.code == "xml_doctype_forbidden"


def test_oversize_input_is_refused_before_parsing() -> None:
    """Input over the limit is refused by size alone (it is not even looked at as XML)."""
    error = refused(b"not xml at all " * 400_000)
    assert error.problem.code == "xml_too_large"
    assert "6000000" in str(error) and "5000000" in str(error)


def test_size_limit_is_configurable() -> None:
    """max_bytes lowers the limit; a document at the limit still parses."""
    data = b"<a>" + b"x" * 93 + b"</a>"
    assert len(data) == 100
    assert parse_secure(data, max_bytes=100).tag == "a"
    with pytest.raises(UnsafeXml):
        parse_secure(data, max_bytes=99)


def test_undeclared_entity_reference_is_refused() -> None:
    """An entity reference without a declaration is refused as an entity, with its line."""
    error = refused(b"<r>\n&x;</r>")
    assert error.problem.code == "xml_entity_forbidden"
    assert "line 2" in error.problem.message_en


def test_broken_xml_is_not_well_formed_with_its_line() -> None:
    """A tag mismatch is a RecordInvalid (not well-formed) naming the line."""
    with pytest.raises(RecordInvalid) as info:
        parse_secure(b"<a>\n<b>\n</a>")
    [problem] = info.value.problems
    assert problem.code == "xml_not_well_formed" and "line 3" in problem.message_en


def test_excessive_depth_is_refused() -> None:
    """Nesting beyond libxml2's safe depth is refused as unsafe (huge_tree is off)."""
    assert refused(b"<a>" * 5000 + b"</a>" * 5000).problem.code == "xml_resource_limit"


def test_text_is_not_accepted_in_place_of_bytes() -> None:
    """Only bytes are parsed; a str (whose encoding is unknown) is refused."""
    with pytest.raises(UnsafeXml):
        parse_secure("<a/>")  # type: ignore[arg-type]


def test_every_entry_point_refuses_xxe(tmp_path: Path) -> None:
    """validate_xml, xml_to_message and read_acknowledgement_xml all refuse an XXE document."""
    data = xxe_file(tmp_path / "secret.txt")
    for entry in (validate_xml, xml_to_message, read_acknowledgement_xml):
        with pytest.raises(UnsafeInput):
            entry(data)
