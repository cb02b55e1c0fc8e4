"""Fixtures: one sandbox per test module, started in this process."""

import hashlib
import pathlib
from typing import Iterator

import pytest

import irdm_client as rdm


@pytest.fixture(scope="module")
def sandbox() -> Iterator[rdm.Sandbox]:
    with rdm.sandbox() as s:
        yield s


@pytest.fixture()
def client(sandbox: rdm.Sandbox) -> rdm.Client:
    return sandbox.client()


def md5(path: pathlib.Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def metadata(title: str) -> dict:
    return {
        "title": title,
        "resource_type": {"id": "dataset"},
        "publication_date": "2026-12-01",
        "creators": [
            {"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}
        ],
    }
