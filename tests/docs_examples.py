"""The example requests and responses of the companion pages, extracted from a docs checkout into
tests/data/docs_examples.json (the docs are MIT; the file names the commit it was taken from).

`python tests/docs_examples.py DOCS_CHECKOUT [COMMIT]` rewrites the file; tests/test_docs_examples.py reads it,
so the tests need no checkout and no network.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from b24conform.contract.docspage import Page, json_examples
from b24conform.contract.drift import AB, EXAMPLES

DATA = Path(__file__).parent / "data" / "docs_examples.json"
CODE = "Примеры кода"
# (page, heading whose first cURL body is the request) for each (page, heading) of drift.EXAMPLES that
# answers a request; the error sections answer no request of their own.
REQUEST_SECTIONS = {
    (AB + "crm-activity-add.md", "Обработка ответа"): CODE,
    (AB + "crm-activity-get.md", "Обработка ответа"): CODE,
    (AB + "crm-activity-list.md", "Обработка ответа"): CODE,
    (AB + "crm-activity-list.md", "Получение COMMUNICATIONS"): "Получение COMMUNICATIONS",
    (AB + "crm-activity-list.md", "Получение вложений"): "Получение вложений",
    (AB + "crm-activity-update.md", "Обработка ответа"): CODE,
    (AB + "crm-activity-delete.md", "Обработка ответа"): CODE,
    (AB + "crm-activity-fields.md", "Обработка ответа"): CODE,
    (AB + "crm-activity-communication-fields.md", "Обработка ответа"): CODE,
    ("settings/how-to-call-rest-api/batch.md", "Обработка ответа"): "Независимые вызовы",
}
_CURL_BODY = re.compile(r"-d '(.*?)'", re.S)


def first_curl_body(section: str) -> Any:
    for body in _CURL_BODY.findall(section):
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            continue
    return None


def extract(root: Path, commit: str | None = None) -> dict[str, Any]:
    """Every example of drift.EXAMPLES with the request it answers; `commit` names the checkout's commit
    (read with git when not given; an exported tree has no .git)."""
    if commit is None:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    examples = []
    for path, heading, shape in EXAMPLES:
        page = Page(path, (root / path).read_text(encoding="utf-8"))
        section = page.section(heading) or ""
        request_heading = REQUEST_SECTIONS.get((path, heading))
        request = first_curl_body(page.section(request_heading) or "") if request_heading else None
        method = "batch" if path.endswith("batch.md") else Path(path).stem.replace("-", ".")
        for n, response in enumerate(json_examples(section), start=1):
            examples.append({"page": path, "heading": heading, "n": n, "shape": shape, "method": method,
                             "request": request if n == 1 else None, "response": response})
    return {"source": "github.com/bitrix-tools/b24-rest-docs (MIT)", "commit": commit or None, "examples": examples}


if __name__ == "__main__":
    DATA.parent.mkdir(exist_ok=True)
    commit_arg = sys.argv[2] if len(sys.argv) > 2 else None
    DATA.write_text(json.dumps(extract(Path(sys.argv[1]), commit_arg), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(DATA)
