"""Large editions: the whole-edition PDF is skipped above a size, with a
warning, because Typst lays out one document in memory."""

from __future__ import annotations

from teikit import site

from conftest import TEI


def test_full_edition_pdf_is_skipped_above_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "FULL_PDF_MAX_DOCUMENTS", 3)
    report = site.build_site(TEI, tmp_path / "site", validate=False)
    assert not (tmp_path / "site" / site.FULL_PDF).exists()
    assert (tmp_path / "site" / "downloads" / "pdf" / "letter-1954-06-22.pdf").is_file()
    [warning] = [d for d in report.diagnostics if d.code == "full-pdf-skipped"]
    assert "each document still gets its own PDF" in warning.message
