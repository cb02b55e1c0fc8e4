"""The same download with the Python client inveniordm-py (pip install inveniordm-py), for a
memory comparison: its download returns the whole body in memory.

Usage: python bench/download-inveniordm-py.py   (reads URL, INVENIORDM_TOKEN, RECORD, BENCH_DIR
from the environment, as bench/env sets them)
"""
import os
import pathlib

from inveniordm_py import InvenioAPI

client = InvenioAPI(os.environ["URL"] + "/api", os.environ["INVENIORDM_TOKEN"])
resp = client.records(os.environ["RECORD"]).files("file.bin").download()
out = pathlib.Path(os.environ["BENCH_DIR"]) / "dl-py"
out.mkdir(exist_ok=True)
(out / "file.bin").write_bytes(resp.content)
