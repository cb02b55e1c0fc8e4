"""Shared by the bench/py-*.py programs: the settings of bench/setup.sh, and a draft."""

import json
import os
import pathlib
import urllib.request

URL = os.environ["URL"]
TOKEN = os.environ["INVENIORDM_TOKEN"]
RECORD = os.environ.get("RECORD", "")
BENCH_DIR = pathlib.Path(os.environ["BENCH_DIR"])
FILE = BENCH_DIR / "file.bin"
METADATA = {
    "title": "Benchmark",
    "resource_type": {"id": "dataset"},
    "publication_date": "2026-11-26",
    "creators": [{"person_or_org": {"type": "personal", "family_name": "Bench", "given_name": "Mark"}}],
}


def fresh(name: str) -> pathlib.Path:
    """An empty download folder of this name."""
    out = BENCH_DIR / name
    out.mkdir(exist_ok=True)
    for p in out.iterdir():
        p.unlink()
    return out


def delete_draft(draft_id: str) -> None:
    """Deletes a benchmark's draft (with the standard library: the same cost for every client)."""
    req = urllib.request.Request(
        f"{URL}/api/records/{draft_id}/draft",
        method="DELETE",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    urllib.request.urlopen(req).read()


def record_md5() -> str:
    """The server's md5 of the record's file."""
    req = urllib.request.Request(f"{URL}/api/records/{RECORD}/files/file.bin")
    return json.load(urllib.request.urlopen(req))["checksum"].removeprefix("md5:")
