"""Add to every fixture case's meta.json the `request` it answers (method, path, query, content type).

Re-runnable and idempotent: keys already in a case's `request` win (the parser converters add `step`,
`meta`, `args`, a recorded `body`); only missing keys are filled in from the URL and the response file.
A missing `constructed` is written as false (every such case today is a real capture), true when the
origin says "constructed". Run from the repository root:

    python -m tests.tools.record_requests [--check]

`--check` changes nothing and exits 1 when a meta.json would change (for CI).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from monitor.replay import fixtures_root

#: the response file's extension -> the Content-Type the replay server sends with it
CONTENT_TYPES = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain",
    ".js": "application/javascript",
}
#: (source, path) answered by a POST; every other recorded request is a GET
POSTS = {
    ("autodl_gpu", "/api/v1/user/machine/list"),
    ("kr36_funding", "/api/mis/nav/newsflash/flow"),
    ("kr36_funding", "/api/mis/nav/newsflash/list"),
    ("runpod_gpu", "/graphql"),
    ("tencent_gpu", "/cgi/api"),
    ("vastai_gpu", "/api/v0/bundles/"),
}


def recorded_request(source: str, folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The `request` object for one case: what is already there, completed from the URL and response file."""
    split = urlsplit(str(meta["url"]))
    responses = sorted(folder.glob("response.*"))
    if len(responses) != 1:
        raise SystemExit(f"{folder} must hold exactly one response.* file, found {len(responses)}")
    derived: dict[str, Any] = {
        "method": "POST" if (source, split.path) in POSTS else "GET",
        "path": split.path or "/",
        "query": dict(parse_qsl(split.query, keep_blank_values=True)),
        "content_type": CONTENT_TYPES.get(responses[0].suffix, "application/octet-stream"),
    }
    return {**derived, **meta.get("request", {})}


def updated_meta(source: str, folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """meta.json with `constructed` and `request` filled in (key order kept, new keys last)."""
    out = dict(meta)
    if "constructed" not in out:
        out["constructed"] = str(out.get("origin", "")).lower().startswith("constructed")
    out["request"] = recorded_request(source, folder, meta)
    return out


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    options.add_argument("--root", type=Path, default=None, help="the fixtures folder (default: fixtures_root())")
    args = options.parse_args(argv)
    root = args.root or fixtures_root()
    stale: list[Path] = []
    for path in sorted(root.glob("*/*/meta.json")):
        text = path.read_text(encoding="utf-8")
        new = json.dumps(updated_meta(path.parent.parent.name, path.parent, json.loads(text)), indent=2,
                         ensure_ascii=False) + "\n"  # fmt: skip
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    verb = "would change" if args.check else "updated"
    for path in stale:
        print(f"{verb} {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
