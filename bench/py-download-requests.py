"""1 GiB download with requests, the way a careful script does it: streamed in 1 MiB chunks,
hashed while it arrives, compared with the server's md5."""
import hashlib
import importlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
common = importlib.import_module("py-common")
import requests

out = common.fresh("dl-requests") / "file.bin"
h = hashlib.md5()
with requests.get(
    f"{common.URL}/api/records/{common.RECORD}/files/file.bin/content",
    headers={"Authorization": f"Bearer {common.TOKEN}"},
    stream=True,
) as r:
    r.raise_for_status()
    with open(out, "wb") as f:
        for chunk in r.iter_content(1 << 20):
            h.update(chunk)
            f.write(chunk)
assert h.hexdigest() == common.record_md5()
