"""Helpers shared by the interop tests (tests/test_interop_*.py): the seed's example body, the
portal's address split the way each SDK wants it, and a CA bundle that trusts the reference portal.

Real clients are used unchanged; only the base URL and the CA bundle are given to them through their
ordinary configuration (environment variables or documented constructor options).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The seed page's example `fields` (from the spec); a None override removes a key.
from b24conform.portal.testing import SEED_FIELDS, seed_fields  # noqa: F401  (re-exported for the interop tests)


@dataclass(frozen=True)
class WebhookParts:
    """https://HOST:PORT/rest/USER/CODE/ split for SDKs that take a domain and a `user/code` token."""

    scheme: str
    domain: str        # host:port, no scheme
    user_id: int
    code: str

    @property
    def token(self) -> str:
        return f"{self.user_id}/{self.code}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.domain}/rest/{self.user_id}/{self.code}/"


def split_webhook(webhook_url: str) -> WebhookParts:
    parts = urlsplit(webhook_url)
    segs = [s for s in parts.path.split("/") if s]
    if len(segs) < 3 or segs[0] != "rest":
        raise ValueError("not a webhook URL of the form /rest/<user>/<code>/")
    return WebhookParts(parts.scheme, parts.netloc, int(segs[1]), segs[2])


def trust_bundle(ca_file: str | os.PathLike[str], out_dir: Path) -> Path:
    """A PEM bundle with the system's (certifi's) CAs plus the portal's CA, so that a client given only
    this bundle still reaches real portals too."""
    out = Path(out_dir) / "trust-bundle.pem"
    chunks: list[str] = []
    try:
        import certifi  # optional: not every environment has it

        chunks.append(Path(certifi.where()).read_text(encoding="ascii", errors="ignore"))
    except Exception:  # pragma: no cover - certifi is a dependency of requests
        pass
    chunks.append(Path(ca_file).read_text(encoding="ascii"))
    out.write_text("\n".join(c.strip() + "\n" for c in chunks), encoding="ascii")
    return out
