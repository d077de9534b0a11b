"""Large files pass through in bounded memory: the upload to S3, the download in the job and
the PDF text extraction hold a few parts or a page at a time, never the whole file.

Memory is counted with tracemalloc (Python's own allocations, where bytes objects live), so the
checks do not depend on timing or on the machine. `make bench` (bench/uploads.py) measures the
same at 1 GB and 200 MB in real gunicorn and RQ processes.
"""
from __future__ import annotations

import tempfile
import tracemalloc

from bench.uploads import write_pdf
from portal.documents import storage
from portal.documents.extraction import extract

MB = 1024 * 1024


class Generated:
    """A non-seekable stream of ``size`` bytes made on demand (as a request body is read)."""

    def __init__(self, size: int):
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= size
        return b"e" * size


def traced_peak(work) -> tuple[object, float]:
    tracemalloc.start()
    try:
        result = work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / MB


def test_a_long_upload_and_its_download_hold_a_few_parts_not_the_file(ctx):
    size = 96 * MB
    key = storage.new_key(1)
    stored, upload_peak = traced_peak(lambda: storage.upload_stream(Generated(size), key, limit=size))
    try:
        assert stored == size
        with tempfile.TemporaryFile() as fh:
            _none, download_peak = traced_peak(lambda: storage.download_to(key, fh))
            fh.seek(0, 2)
            assert fh.tell() == size
    finally:
        storage.delete_object(key)
    # Parts of 8 MB: a couple in flight, whatever the size of the file.
    print(f"upload {upload_peak:.1f} MB, download {download_peak:.1f} MB")
    assert upload_peak < 40, f"the upload held {upload_peak:.0f} MB of a {size // MB} MB file"
    assert download_peak < 40, f"the download held {download_peak:.0f} MB of a {size // MB} MB file"


def test_pdf_text_is_read_a_page_at_a_time(tmp_path):
    path = tmp_path / "scanned.pdf"
    pages = write_pdf(path, 24 * MB)  # 60 scanned pages of 400 KB
    with open(path, "rb") as fh:
        extracted, peak = traced_peak(lambda: extract("pdf", fh))
    assert extracted.page_count == pages
    assert f"scanned page {pages}" in extracted.text
    assert peak < 8, f"reading the text of a {path.stat().st_size // MB} MB PDF held {peak:.0f} MB"
