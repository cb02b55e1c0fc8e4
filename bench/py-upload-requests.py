"""1 GiB upload with requests: register, stream the file object, commit (no md5 compared:
the minimal correct upload); the draft is deleted afterwards."""
import importlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
common = importlib.import_module("py-common")
import requests

s = requests.Session()
s.headers["Authorization"] = f"Bearer {common.TOKEN}"
api = common.URL + "/api"
draft = s.post(f"{api}/records", json={"metadata": common.METADATA}).json()
files = f"{api}/records/{draft['id']}/draft/files"
s.post(files, json=[{"key": "file.bin"}]).raise_for_status()
with open(common.FILE, "rb") as f:
    s.put(
        f"{files}/file.bin/content",
        data=f,
        headers={"Content-Type": "application/octet-stream"},
    ).raise_for_status()
s.post(f"{files}/file.bin/commit").raise_for_status()
common.delete_draft(draft["id"])
