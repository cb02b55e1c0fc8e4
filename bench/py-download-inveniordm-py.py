"""1 GiB download with inveniordm-py, as its API offers it (the body comes back whole)."""
import importlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
common = importlib.import_module("py-common")
from inveniordm_py import InvenioAPI

out = common.fresh("dl-inveniordm-py") / "file.bin"
api = InvenioAPI(common.URL + "/api", common.TOKEN)
out.write_bytes(api.records(common.RECORD).files("file.bin").download().content)
