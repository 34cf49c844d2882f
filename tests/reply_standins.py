"""Stand-ins for the judge's request record and reply: what a reproduction script is built from, without a portal."""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Request:
    url: str
    body: str
    auth: str = "webhook"
    content_type: str = "application/json"
    http_method: str = "POST"

    def as_dict(self):
        return {"http_method": self.http_method, "url": self.url, "content_type": self.content_type, "body": self.body}


@dataclass
class Reply:
    request: Request
    json: object = field(default_factory=lambda: {"result": True})
    at: float = 0.0
    status: int = 200

    @property
    def text(self):
        return json.dumps(self.json)

    def curl(self):
        return f"curl {self.request.url}"
