"""A local CA and a server certificate for 127.0.0.1 / localhost (trustme), kept in a folder.

Files in the folder: ca.pem (give it to clients: REQUESTS_CA_BUNDLE, httpx verify=), server.key,
server.pem. An existing set is reused so a client that trusted the CA once keeps trusting it.
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def ensure_tls(folder: Path | str) -> TlsFiles:
    folder = Path(folder)
    files = TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    if all(p.exists() for p in (files.ca_file, files.cert_file, files.key_file)):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="b24conform reference portal")
    cert = ca.issue_cert(*HOSTS)
    ca.cert_pem.write_to_path(str(files.ca_file))
    cert.private_key_pem.write_to_path(str(files.key_file))
    files.key_file.chmod(0o600)
    # Leaf first, then the chain, in one file: what uvicorn's ssl_certfile expects.
    with files.cert_file.open("wb") as out:
        for blob in cert.cert_chain_pems:
            out.write(blob.bytes())
    return files
