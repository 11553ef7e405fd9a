"""The site profile: teikit's HTML stylesheet, with the site's page chrome
(site.xsl) and the edition's own profile."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

from teikit import render
from teikit.site.outputs import SITE_DATA

# --------------------------------------------------------------------------- the site profile

# The profiles written in this process, by the edition profile they include: a
# cache, so that a stylesheet compiled once serves every build in the process.
_profile_lock = threading.Lock()
_profiles: dict[str, Path] = {}


def _escape_href(href: str) -> str:
    return href.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def profile_path(extra: Path | None = None) -> Path:
    """site.xsl with its import pointed at teikit's html.xsl, written once per process
    into a private temporary folder (the stylesheet tree lives in different places in
    a checkout and in an installed package, so the href cannot be fixed in the file).
    The edition's profile ``extra``, when it has one, is included: its templates (the hooks
    tk:hook-head, tk:hook-before-body, tk:hook-after-body, tk:hook-footer, and any
    other) win over teikit's."""
    key = str(extra or "")
    with _profile_lock:
        found = _profiles.get(key)
        if found is None or not found.is_file():
            href = render.STYLESHEETS["html"].resolve().as_uri()
            text = (SITE_DATA / "site.xsl").read_text("utf-8")
            text = text.replace("@@HTML_XSL@@", _escape_href(href))
            if extra is not None:
                include = f'<xsl:include href="{_escape_href(extra.resolve().as_uri())}"/>'
                text = text.replace(
                    f'<xsl:import href="{_escape_href(href)}"/>',
                    f'<xsl:import href="{_escape_href(href)}"/>\n  {include}',
                )
            folder = Path(tempfile.mkdtemp(prefix="teikit-site-"))
            atexit.register(shutil.rmtree, folder, True)
            found = folder / "site.xsl"
            found.write_text(text, "utf-8")
            _profiles[key] = found
        return found
