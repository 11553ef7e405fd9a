"""Build the static website of an edition (``teikit build``).

One module per concern: :mod:`.records` (the edition as the site shows it),
:mod:`.chrome` (what every page shares), :mod:`.pages` (home, chronology,
downloads, register occurrences), :mod:`.search`, :mod:`.jobs` (work done in
forked workers), :mod:`.outputs` (safe writes and the manifest), :mod:`.policy`
(what a page may contain), :mod:`.links` (the link checker), :mod:`.i18n` (the
site's language) and :mod:`.build` (``build_site``).

``build_site(tei_dir, out_dir)`` validates the edition, then writes into
``out_dir``:

* ``index.html``: the edition's title, the letters in date order, how to cite,
  and the introduction; ``chronology.html``: the letters by year;
* one page per TEI document (``<file stem>.html``, rendered by
  :func:`teikit.render.render_html` through the site profile
  ``data/site/site.xsl``, which gives every name mention an id);
* register pages (``persons.html``, ``places.html``, ``organisations.html``,
  ``works.html``, ``register.html``) whose entries list every occurrence,
  each linked to the mention itself (``letter.html#tk-m194``);
* ``search.html`` with ``search-index.js`` (the index as a script, because
  browsers refuse ``fetch()`` of local files under ``file://``) and
  ``assets/search.js``;
* ``downloads.html`` and ``downloads/``: the TEI sources, a PDF per document,
  the whole edition as one PDF, and the CMIF, CSV, GeoJSON and JSON-LD exports;
* ``.teikit-build.json``: the manifest that makes the next build incremental.

Every page carries a Content-Security-Policy that allows nothing but the
site's own files, so a page can make no request outside the site; URLs other
than http, https, mailto and relative ones are removed, as are event-handler
attributes and inline scripts. Every file is written atomically, only when
its content changed, and only inside ``out_dir``.
"""

from __future__ import annotations

from teikit.errors import BuildError
from teikit.site.build import FULL_PDF_MAX_DOCUMENTS, build_site
from teikit.site.outputs import MANIFEST_NAME, BuildReport, page_name, safe_output_path
from teikit.site.policy import CSP
from teikit.site.records import FULL_PDF

__all__ = [
    "CSP",
    "FULL_PDF",
    "FULL_PDF_MAX_DOCUMENTS",
    "MANIFEST_NAME",
    "BuildError",
    "BuildReport",
    "build_site",
    "page_name",
    "safe_output_path",
]
