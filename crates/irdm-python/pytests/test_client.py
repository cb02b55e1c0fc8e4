"""The Python API against the embedded sandbox: deposits, transfers, listings, errors."""

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import irdm_client as rdm
from conftest import md5, metadata

CFF = """\
cff-version: 1.2.0
message: If you use this software, please cite it as below.
title: Tide gauge toolkit
version: 1.10
date-released: 2026-11-30
license: MIT
authors:
  - family-names: Lovelace
    given-names: Ada
    orcid: https://orcid.org/0000-0002-1825-0097
keywords: [ocean, tides]
"""


def test_a_deposit_from_citation_cff_is_published_once_and_its_next_release_is_a_new_version(
    client: rdm.Client, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "CITATION.cff").write_text(CFF)
    data = tmp_path / "data"
    data.mkdir()
    (data / "tides.csv").write_text("t,h\n0,1.2\n1,1.4\n")
    (data / "README.txt").write_text("tide heights\n")
    journal = tmp_path / "deposit.json"

    first = client.deposit([data], cff=tmp_path / "CITATION.cff", journal=journal)
    assert first["state"] == "published"
    assert first["created"] is True
    assert sorted(first["uploaded"]) == ["README.txt", "tides.csv"]
    record = first["record"]
    assert record["metadata"]["title"] == "Tide gauge toolkit"
    assert record["metadata"]["version"] == "1.10"  # as written, not the number 1.1
    assert record["metadata"]["resource_type"]["id"] == "software"
    assert client.record(first["id"])["metadata"]["creators"][0]["person_or_org"]["family_name"] == "Lovelace"

    again = client.deposit([data], cff=tmp_path / "CITATION.cff", journal=journal)
    assert again["already_done"] is True
    assert again["id"] == first["id"]
    assert again["uploaded"] == []

    # Other content with the same journal is refused unless a new version is asked for.
    (data / "tides.csv").write_text("t,h\n0,1.2\n1,1.4\n2,1.5\n")
    with pytest.raises(rdm.UsageError) as refused:
        client.deposit([data], cff=tmp_path / "CITATION.cff", journal=journal)
    assert "new version" in str(refused.value)

    # The same version number twice is refused too: a published version cannot change.
    with pytest.raises(rdm.UsageError) as same_version:
        client.deposit([data], cff=tmp_path / "CITATION.cff", journal=journal, next_version=True)
    assert "new version number" in str(same_version.value)
    (tmp_path / "CITATION.cff").write_text(CFF.replace("version: 1.10", "version: 1.11"))
    nxt = client.deposit([data], cff=tmp_path / "CITATION.cff", journal=journal, next_version=True)
    assert nxt["state"] == "published"
    assert nxt["concept"] == first["concept"]
    assert nxt["previous"] == first["id"]
    assert nxt["uploaded"] == ["tides.csv"]  # the unchanged README is linked, not sent
    assert nxt["linked"] == ["README.txt"]
    versions = client.versions(nxt["id"])
    assert {v["id"] for v in versions} == {first["id"], nxt["id"]}


def test_files_go_up_and_come_back_with_their_md5_checked(
    client: rdm.Client, tmp_path: pathlib.Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(5 * 1024 * 1024 + 17))
    (src / "small.txt").write_text("hello\n")
    draft = client.create_draft(metadata("Transfers"))
    seen = []
    up = client.upload(
        draft["id"],
        [src / "big.bin", (src / "small.txt", "notes/small.txt")],
        progress=lambda key, done, total: seen.append((key, done, total)),
    )
    assert [u["key"] for u in up] == ["big.bin", "notes/small.txt"]
    assert all(u["uploaded"] and u["verified"] for u in up)
    assert up[0]["entry"]["checksum"] == "md5:" + md5(src / "big.bin")
    # Progress: a start at 0 and an end at the whole size, for each file.
    big = [(d, t) for k, d, t in seen if k == "big.bin"]
    assert big[0] == (0, 5 * 1024 * 1024 + 17) and big[-1] == (5 * 1024 * 1024 + 17,) * 2

    again = client.upload(draft["id"], [src / "big.bin"])
    assert again[0]["uploaded"] is False  # same md5 already there: nothing sent

    record = client.publish(draft["id"])
    out = tmp_path / "out"
    got = client.download(record["id"], out)
    by_key = {g["key"]: g for g in got}
    assert by_key["big.bin"]["md5"] == md5(src / "big.bin") == md5(out / "big.bin")
    assert (out / "notes" / "small.txt").read_text() == "hello\n"
    assert all(g["fetched"] and g["verified"] for g in got)

    # A second download keeps the files that are whole, and refuses to replace changed ones.
    kept = client.download(record["id"], out)
    assert [g["fetched"] for g in kept] == [False, False]
    (out / "big.bin").write_bytes(b"changed")
    with pytest.raises(rdm.ConflictError):
        client.download(record["id"], out, keys=["big.bin"])
    assert (out / "big.bin").read_bytes() == b"changed"
    fixed = client.download(record["id"], out, keys=["big.bin"], overwrite=True)
    assert fixed[0]["fetched"] and md5(out / "big.bin") == md5(src / "big.bin")


def test_a_search_is_streamed_past_a_small_window_each_record_once(tmp_path: pathlib.Path) -> None:
    with rdm.sandbox() as s:
        c = s.client()
        made = set()
        for i in range(23):
            d = c.create_draft(draft={"metadata": metadata(f"Station {i:02}"), "files": {"enabled": False}})
            made.add(c.publish(d["id"])["id"])
        listed = [r["id"] for r in c.search(window=5, size=4)]
        assert len(listed) == len(made) == 23
        assert set(listed) == made
        # One query's records, and an iterator given up early.
        assert [r["metadata"]["title"] for r in c.search('"Station 07"')] == ["Station 07"]
        it = c.search(size=2)
        assert next(it)["id"] in made
        del it


def test_an_error_carries_the_servers_field_errors(client: rdm.Client) -> None:
    draft = client.create_draft({"title": "No creators", "resource_type": {"id": "dataset"}})
    fields = {e["field"] for e in draft.get("errors", [])}
    assert "metadata.creators" in fields  # saved, with the problems listed
    with pytest.raises(rdm.ValidationError) as e:
        client.publish(draft["id"])
    assert "metadata.creators" in e.value.field_messages()
    assert "metadata.publication_date" in e.value.field_messages()
    assert isinstance(e.value, rdm.InvenioRDMError)

    with pytest.raises(rdm.NotFound) as nf:
        client.record("nosuch-record")
    assert nf.value.status == 404 and not nf.value.retryable

    with pytest.raises(rdm.UsageError):
        client.export(draft["id"], "no-such-format")
    with pytest.raises(rdm.UsageError):
        client.create_draft({"title": "x"}, draft={"metadata": {}})
    with pytest.raises(rdm.UsageError):
        client.upload(draft["id"], "one-string-is-not-a-list")
    with pytest.raises(rdm.LocalFileError):
        client.upload(draft["id"], [pathlib.Path("/nonexistent/file.csv")])


def test_anonymous_clients_are_refused_writes_and_the_token_stays_secret(
    sandbox: rdm.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    anon = rdm.Client(sandbox.url)
    assert not anon.has_token
    with pytest.raises(rdm.PermissionDenied) as e:
        anon.create_draft(metadata("Anonymous"))
    assert e.value.status in (401, 403)

    monkeypatch.setenv("INVENIORDM_URL", sandbox.url)
    monkeypatch.setenv("INVENIORDM_TOKEN", sandbox.token)
    from_env = rdm.Client()
    assert from_env.has_token and from_env.url.startswith(sandbox.url)
    assert sandbox.token not in repr(from_env)
    assert from_env.create_draft(metadata("From the environment"))["id"]

    monkeypatch.delenv("INVENIORDM_URL")
    monkeypatch.delenv("INVENIORDM_TOKEN")
    monkeypatch.setenv("IRDM_CONFIG", "/nonexistent/config.toml")
    monkeypatch.chdir("/")
    with pytest.raises(rdm.UsageError) as none:
        rdm.Client()
    assert "no server URL" in str(none.value)


def test_profiles_are_read_from_irdms_config_file(
    sandbox: rdm.Sandbox, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_profile = "local"\n[profiles.local]\nurl = "{sandbox.url}"\ntoken = "{sandbox.token}"\n'
    )
    monkeypatch.delenv("INVENIORDM_URL", raising=False)
    monkeypatch.delenv("INVENIORDM_TOKEN", raising=False)
    monkeypatch.setenv("IRDM_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    c = rdm.Client()
    assert c.has_token and c.url.startswith(sandbox.url)
    with pytest.raises(rdm.UsageError) as e:
        rdm.Client(profile="elsewhere")
    assert "known: local" in str(e.value)


def test_new_version_with_a_file_policy(client: rdm.Client, tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    d = client.create_draft(metadata("Versioned"))
    client.upload(d["id"], [tmp_path / "a.txt"])
    v1 = client.publish(d["id"])
    kept = client.new_version(v1["id"], files="keep", metadata={"version": "2"})
    assert kept["metadata"]["version"] == "2"
    assert [f["key"] for f in client.api("GET", f"records/{kept['id']}/draft/files")["entries"]] == ["a.txt"]
    client.delete_draft(kept["id"])
    empty = client.new_version(v1["id"], files="none")
    assert client.api("GET", f"records/{empty['id']}/draft/files")["entries"] == []


def test_review_in_a_community(client: rdm.Client) -> None:
    community = client.api(
        "POST",
        "communities",
        {"slug": "tides-lab", "metadata": {"title": "Tides lab"}, "access": {"visibility": "public"}},
    )
    d = client.create_draft(metadata("For review"))
    client.api("PUT", f"records/{d['id']}/draft", {**d, "files": {"enabled": False}})
    request = client.submit_review(d["id"], "tides-lab", comment="please <review>")
    assert request["status"] == "submitted"
    accepted = client.accept(request["id"], comment="welcome")
    assert accepted["status"] == "accepted"
    assert client.record(d["id"])["parent"]["communities"]["ids"] == [community["id"]]
    assert client.community("tides-lab")["id"] == community["id"]


def test_a_waiting_call_lets_other_threads_run() -> None:
    # While one thread waits about a second on the server, the main thread counts in pure
    # Python. A call that kept the GIL would leave it only the moments before the call
    # starts: measured 0.2 million counts so, against 17 million with the GIL released.
    with rdm.sandbox(latency_ms=1000) as s:
        c = s.client()
        entered = threading.Event()
        done = threading.Event()
        errors = []

        def slow_call() -> None:
            try:
                entered.set()
                c.search_page(size=1)
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)
            finally:
                done.set()

        t = threading.Thread(target=slow_call)
        t.start()
        entered.wait()
        spins = 0
        while not done.is_set():
            spins += 1
        t.join()
        assert not errors
        assert spins > 2_000_000, spins


SIGINT_CHILD = textwrap.dedent(
    """
    import os, signal, sys, time, pathlib
    import irdm_client as rdm
    # Python's own Ctrl-C handler, even where this test runs with SIGINT ignored (a shell
    # without job control starts background commands so, and Python keeps that).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    dest = pathlib.Path(sys.argv[1])
    if sys.argv[2] == "waiting":
        with rdm.sandbox(latency_ms=20000) as s:
            c = s.client()
            print("started", flush=True)
            try:
                c.search_page()
            except KeyboardInterrupt:
                print("interrupted", flush=True)
                sys.exit(130)
        sys.exit(0)
    with rdm.sandbox() as s:
        c = s.client()
        d = c.create_draft({"title": "Big", "resource_type": {"id": "dataset"},
            "publication_date": "2026-12-01",
            "creators": [{"person_or_org": {"type": "personal", "family_name": "A", "given_name": "B"}}]})
        src = dest.parent / "src.bin"
        src.write_bytes(os.urandom(64 * 1024 * 1024))
        c.upload(d["id"], [src])
        rid = c.publish(d["id"])["id"]
        def slow(key, done, total):
            if done == 0:
                print("started", flush=True)
            time.sleep(0.2)  # on the transfer's thread: the download crawls
        try:
            c.download(rid, dest, progress=slow)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
        print("finished", flush=True)
    """
)


def interrupted_child(dest: pathlib.Path, mode: str) -> str:
    """Runs the child, sends SIGINT once it has started, and returns what it printed."""
    child = subprocess.Popen(
        [sys.executable, "-c", SIGINT_CHILD, str(dest), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == "started", child.stderr.read() if child.stderr else ""
    time.sleep(0.5)  # so that the child is inside the call, not about to make it
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=15)
    assert child.returncode == 130, err
    return out.strip()


def test_ctrl_c_during_a_download_leaves_no_file_that_looks_complete(tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "out"
    assert interrupted_child(dest, "download") == "interrupted"
    assert not (dest / "src.bin").exists()  # only the hidden partial file, if anything
    assert [p.name for p in dest.iterdir()] in ([], [".src.bin.inveniordm-part"])


def test_ctrl_c_stops_a_call_waiting_on_the_server(tmp_path: pathlib.Path) -> None:
    # The server answers after 20 s; the child must be stopped well within the 15 s allowed.
    assert interrupted_child(tmp_path, "waiting") == "interrupted"


def test_sandbox_options_are_checked(tmp_path: pathlib.Path) -> None:
    with pytest.raises(rdm.UsageError) as e:
        rdm.sandbox(fault_429=2.0)
    assert "probability" in str(e.value)
    with pytest.raises(rdm.UsageError):
        rdm.sandbox(no_such_option=1)
    with rdm.sandbox(rdm_version=14, community_required=True, fault_drop_first=1) as s:
        c = s.client()
        (tmp_path / "x.bin").write_bytes(os.urandom(300_000))
        d = c.create_draft(metadata("Dropped once"))
        c.upload(d["id"], [tmp_path / "x.bin"])
        with pytest.raises(rdm.ApiError) as refused:
            c.publish(d["id"])  # the instance publishes only through a community
        assert "community" in str(refused.value)
        c.api("POST", "communities", {"slug": "c", "metadata": {"title": "C"}, "access": {"visibility": "public"}})
        c.accept(c.submit_review(d["id"], "c")["id"])
        got = c.download(d["id"], tmp_path / "out")  # its first download breaks, and goes on
        assert got[0]["md5"] == md5(tmp_path / "x.bin") == md5(tmp_path / "out" / "x.bin")


def test_the_wheels_irdm_runs_the_demo() -> None:
    irdm = pathlib.Path(sys.executable).parent / "irdm"
    assert irdm.is_file(), "no irdm beside this Python: the irdm-tool wheel was not installed"
    run = subprocess.run([str(irdm), "demo"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "published" in run.stdout


def test_the_client_wheel_requires_the_tool_wheel_of_its_version() -> None:
    from importlib.metadata import requires, version

    assert version("irdm-client") == rdm.__version__
    assert f"irdm-tool=={rdm.__version__}" in (requires("irdm-client") or [])


def test_no_rust_toolchain_is_needed() -> None:
    # CI runs this suite with a PATH of the virtual environment and the system folders only,
    # and says so; elsewhere a toolchain on PATH is no fault.
    if os.environ.get("IRDM_PYTEST_REQUIRE_NO_CARGO") == "1":
        assert shutil.which("cargo") is None and shutil.which("rustc") is None
        assert shutil.which("irdm") == str(pathlib.Path(sys.executable).parent / "irdm")


def test_tqdm_progress_shows_one_bar_per_file_to_its_end(
    client: rdm.Client, tmp_path: pathlib.Path
) -> None:
    import io

    (tmp_path / "a.bin").write_bytes(os.urandom(300_000))
    (tmp_path / "b.bin").write_bytes(b"")
    shown = io.StringIO()
    d = client.create_draft(metadata("With bars"))
    client.upload(d["id"], [tmp_path / "a.bin", tmp_path / "b.bin"], progress=rdm.tqdm_progress(file=shown))
    text = shown.getvalue()
    assert "a.bin" in text and "b.bin" in text
    assert "300k/300k" in text  # the bar of a.bin reached its end


def test_a_failing_progress_callback_stops_the_call_with_its_exception(
    client: rdm.Client, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "a.bin").write_bytes(os.urandom(100_000))
    d = client.create_draft(metadata("Callback fails"))

    def broken(key: str, done: int, total: int) -> None:
        raise RuntimeError(f"broken at {done}")

    with pytest.raises(RuntimeError, match="broken at 0"):
        client.upload(d["id"], [tmp_path / "a.bin"], progress=broken)


CODEMETA = """{
  "@context": "https://w3id.org/codemeta/3.0",
  "@type": "SoftwareSourceCode",
  "name": "Wave spectra",
  "version": "0.3.0",
  "datePublished": "2026-11-02",
  "author": [{"@type": "Person", "givenName": "Grace", "familyName": "Hopper"}],
  "keywords": ["waves"],
  "programmingLanguage": "Rust"
}"""


def test_deposits_from_codemeta_and_from_metadata_and_as_the_next_version_of_a_record(
    client: rdm.Client, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "codemeta.json").write_text(CODEMETA)
    (tmp_path / "spectra.csv").write_text("f,e\n0.1,2\n")
    first = client.deposit(
        [tmp_path / "spectra.csv"], codemeta=tmp_path / "codemeta.json", journal=tmp_path / "j1.json"
    )
    assert first["state"] == "published"
    assert first["record"]["metadata"]["title"] == "Wave spectra"
    assert first["record"]["metadata"]["creators"][0]["person_or_org"]["family_name"] == "Hopper"
    assert "programmingLanguage" in first["not_carried_over"]

    # Another journal, metadata given as a dict, as the next version of that record.
    nxt = client.deposit(
        [tmp_path / "spectra.csv"],
        metadata={"version": "0.4.0"},
        journal=tmp_path / "j2.json",
        new_version_of=first["id"],
    )
    assert nxt["concept"] == first["concept"] and nxt["previous"] == first["id"]
    assert nxt["record"]["metadata"]["version"] == "0.4.0"
    assert nxt["record"]["metadata"]["title"] == "Wave spectra"  # kept from the previous version
    assert nxt["linked"] == ["spectra.csv"] and nxt["uploaded"] == []

    # Unpublished: a complete draft, carried on by the same call with publish=True.
    draft_only = client.deposit(
        [], metadata=metadata("Not yet"), journal=tmp_path / "j3.json", publish=False
    )
    assert draft_only["state"] == "draft"
    published = client.deposit([], metadata=metadata("Not yet"), journal=tmp_path / "j3.json")
    assert published["state"] == "published" and published["id"] == draft_only["id"]

    bibtex = client.export(first["id"], "bibtex")
    assert bibtex.startswith("@") and "Hopper" in bibtex


def test_the_sandbox_imitates_a_rate_limited_server_and_pacing_keeps_within_it() -> None:
    # Zenodo's profile: 30 searches a window (shortened to 2 s here), 429 beyond.
    with rdm.sandbox(profile="zenodo", rate_window_secs=2) as s:
        unpaced = rdm.Client(s.url, s.token, pacing=False, retries=0)
        with pytest.raises(rdm.RateLimited) as e:
            for _ in range(40):
                unpaced.search_page(size=1)
        assert e.value.status == 429 and e.value.retryable
    with rdm.sandbox(profile="zenodo", rate_window_secs=2) as s:
        paced = s.client()
        for _ in range(40):
            paced.search_page(size=1)  # waits for the next window instead of a 429
