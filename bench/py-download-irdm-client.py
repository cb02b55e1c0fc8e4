"""1 GiB download with irdm_client: streamed to disk, md5 checked, durable, then renamed."""
import importlib.util
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
common = importlib.import_module("py-common")
import irdm_client

out = common.fresh("dl-client")
got = irdm_client.Client(common.URL, common.TOKEN).download(common.RECORD, out)
assert got[0]["verified"] and got[0]["size"] == common.FILE.stat().st_size
