"""1 GiB upload with inveniordm-py, as its API offers it; the draft is deleted afterwards."""
import importlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
common = importlib.import_module("py-common")
from inveniordm_py import InvenioAPI
from inveniordm_py.files.metadata import FilesListMetadata, OutgoingStream
from inveniordm_py.records.metadata import DraftMetadata

api = InvenioAPI(common.URL + "/api", common.TOKEN)
draft = api.records.create(DraftMetadata(metadata=common.METADATA))
draft.files.create(FilesListMetadata([{"key": "file.bin"}]))
with open(common.FILE, "rb") as f:
    # Its stream type sends what it holds as the body: given the open file, requests streams it.
    body = OutgoingStream()
    body._data = f
    draft.files("file.bin").set_contents(body)
draft.files("file.bin").commit()
common.delete_draft(draft.data["id"])
