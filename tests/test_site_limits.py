"""Large editions: the whole-edition PDF is skipped above a size, with a
warning, because Typst lays out one document in memory."""

from __future__ import annotations

from teikit import site
from teikit.site import build

from conftest import TEI


def test_full_edition_pdf_is_skipped_above_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "FULL_PDF_MAX_DOCUMENTS", 3)
    report = site.build_site(TEI, tmp_path / "site", validate=False)
    assert not (tmp_path / "site" / site.FULL_PDF).exists()
    assert (tmp_path / "site" / "downloads" / "pdf" / "letter-1954-06-22.pdf").is_file()
    [warning] = [d for d in report.diagnostics if d.code == "full-pdf-skipped"]
    assert "each document still gets its own PDF" in warning.message


def test_full_edition_pdf_is_skipped_above_a_size_of_tei(tmp_path, monkeypatch):
    # Typst's memory follows the TEI's size, not the number of documents: a few
    # letters with large registers are too much for it as well.
    from teikit import render

    monkeypatch.setattr(render, "EDITION_PDF_MAX_BYTES", 100_000)  # tei/ holds about 230 KB
    report = site.build_site(TEI, tmp_path / "site", validate=False)
    assert not (tmp_path / "site" / site.FULL_PDF).exists()
    assert (tmp_path / "site" / "downloads" / "pdf" / "letter-1954-06-22.pdf").is_file()
    [warning] = [d for d in report.diagnostics if d.code == "full-pdf-skipped"]
    assert "MB of TEI" in warning.message and "0.1 MB" in warning.message
