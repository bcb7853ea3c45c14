"""File types judged by content, not only by name (the `filetype` library's signatures).

A file whose first bytes contradict the type its name (or its sender) declares is
refused: an HTML document named fake.png is not a picture, and a program renamed
notes.txt is not text. The web form and email intake both ask `content_matches`.
"""

import filetype

HEAD_BYTES = 8192
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What the content may be detected as, for each declared type we can judge.
EXPECTED = {
    "image/png": {"image/png"},
    "image/jpeg": {"image/jpeg"},
    "image/gif": {"image/gif"},
    "image/webp": {"image/webp"},
    "application/pdf": {"application/pdf"},
    ZIP: {ZIP, DOCX, XLSX},
    DOCX: {ZIP, DOCX},
    XLSX: {ZIP, XLSX},
    "application/gzip": {"application/gzip"},
    "application/x-tar": {"application/x-tar"},
}
TEXT_TYPES = {"application/json", "application/xml"}


def head(data):
    """The first bytes of bytes, a file or an upload, leaving a file where it was."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:HEAD_BYTES])
    position = data.tell() if hasattr(data, "tell") else None
    if hasattr(data, "seek"):
        data.seek(0)
    sample = data.read(HEAD_BYTES)
    if position is not None:
        data.seek(position)
    return sample


def content_matches(declared_type, data):
    """False when the content is evidently not of `declared_type`."""
    detected = filetype.guess_mime(head(data))
    if declared_type in EXPECTED:
        return detected in EXPECTED[declared_type]
    if declared_type.startswith("text/") or declared_type in TEXT_TYPES:
        return detected is None  # no binary signature in a text file
    return True  # a type we have no signature for: the name decides
