"""1 GiB upload with irdm_client: one stream, md5 computed beside it and compared with the
server's; the draft is deleted afterwards."""
import importlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
common = importlib.import_module("py-common")
import irdm_client

c = irdm_client.Client(common.URL, common.TOKEN)
draft = c.create_draft(common.METADATA)
up = c.upload(draft["id"], [common.FILE])
assert up[0]["verified"]
common.delete_draft(draft["id"])
