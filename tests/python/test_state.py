# Run states from Python (state=, incremental=, delete=, retrain=): the same identities, changes
# and state files as the CLI's --state / --incremental / --delete on the same nights.
import csv
import filecmp

import pandas as pd
import pytest

import reclink


def _nights(demo_csv, tmp_path):
    """Night 1: the demo less its last 40 records. Night 2: those 40, one changed record, and two
    deletions. Returns (night-1 DataFrame, night-2 DataFrame, the deleted ids)."""
    df = pd.read_csv(demo_csv, dtype=str, keep_default_na=False)
    first, new = df.iloc[:-40].copy(), df.iloc[-40:].copy()
    changed = first.iloc[[5]].copy()
    changed.iloc[0, changed.columns.get_loc("last_name")] = "Zzyzx"
    deleted = [first.iloc[10]["record_id"], first.iloc[11]["record_id"]]
    return first, pd.concat([new, changed]), deleted


def _write(df, path):
    df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return path


def test_two_nights_match_the_cli(cli, demo_csv, demo_rules, tmp_path):
    first, second, deleted = _nights(demo_csv, tmp_path)
    # Python: night 1 in full, night 2 incremental.
    r1 = reclink.dedupe(first, demo_rules, state=tmp_path / "py_state", threads=2)
    assert r1.changes is not None and set(r1.changes["change"]) == {"new"}
    assert len(r1.changes) == r1.clusters["cluster_id"].nunique()
    r2 = reclink.dedupe(second, demo_rules, state=tmp_path / "py_state", incremental=True, delete=deleted,
                        threads=2)
    assert r2.summary["identities"]["incremental"]["deleted"] == 2
    assert len(r2.clusters) == len(first) + 40 - 2
    assert not set(deleted) & set(r2.clusters["record_id"])
    # CLI: the same nights from files.
    a, b = _write(first, tmp_path / "night1.csv"), _write(second, tmp_path / "night2.csv")
    (tmp_path / "deleted.txt").write_text("\n".join(deleted) + "\n")
    cli("dedupe", "--rules", demo_rules, "--state", tmp_path / "cli_state", "--out", tmp_path / "out1", a,
        "--quiet")
    cli("dedupe", "--rules", demo_rules, "--state", tmp_path / "cli_state", "--out", tmp_path / "out2",
        "--incremental", "--delete", tmp_path / "deleted.txt", b, "--quiet")
    clusters = pd.read_csv(tmp_path / "out2" / "clusters.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(r2.clusters.reset_index(drop=True), clusters)
    changes = pd.read_csv(tmp_path / "out2" / "changes.csv", dtype={"identity_id": str, "other_identity": str},
                          keep_default_na=False)
    assert list(r2.changes["identity_id"]) == list(changes["identity_id"])
    assert list(r2.changes["change"]) == list(changes["change"])
    assert list(r2.changes["records_after"]) == list(changes["records_after"])
    # The records whose identity changed: clusters_changed.csv's rows, 40 new or changed and 2 deleted
    # among them.
    changed = pd.read_csv(tmp_path / "out2" / "clusters_changed.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(r2.clusters_changed.reset_index(drop=True), changed)
    assert sorted(r2.clusters_changed.loc[r2.clusters_changed["change"] == "deleted", "record_id"]) == sorted(deleted)
    assert r2.summary["identities"]["records_changed"]["deleted"] == 2
    assert len(r1.clusters_changed) == len(first) and set(r1.clusters_changed["change"]) == {"new"}
    # Identity ids come from a counter in the state, so both states hold the same bytes.
    names = sorted(p.name for p in (tmp_path / "cli_state").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "py_state").iterdir())
    assert "records.bin" in names
    for name in names:
        assert filecmp.cmp(tmp_path / "py_state" / name, tmp_path / "cli_state" / name, shallow=False), name


def test_a_quiet_night_takes_empty_data(demo_csv, demo_rules, tmp_path):
    """A night with nothing new: an empty DataFrame (or a CSV header alone) is data of no records
    with incremental=True, and every identity keeps its id; a full run still refuses it."""
    first, _, _ = _nights(demo_csv, tmp_path)
    r1 = reclink.dedupe(first, demo_rules, state=tmp_path / "state", threads=2)
    empty = first.iloc[0:0]
    r2 = reclink.dedupe(empty, demo_rules, state=tmp_path / "state", incremental=True, threads=2)
    header = _write(empty, tmp_path / "header_only.csv")
    r3 = reclink.dedupe(str(header), demo_rules, state=tmp_path / "state", incremental=True, threads=2)
    for r in (r2, r3):
        assert r.summary["identities"]["incremental"]["inserted"] == 0
        assert len(r.changes) == 0
        pd.testing.assert_frame_equal(r.clusters.sort_values("record_id").reset_index(drop=True),
                                      r1.clusters.sort_values("record_id").reset_index(drop=True))
    with pytest.raises(reclink.InputDataError):
        reclink.dedupe(empty, demo_rules, threads=2)


def test_a_full_night_with_state_keeps_identity_ids(demo_csv, demo_rules, tmp_path):
    df = pd.read_csv(demo_csv, dtype=str, keep_default_na=False)
    r1 = reclink.dedupe(df, demo_rules, state=tmp_path / "s")
    r2 = reclink.dedupe(df.iloc[::-1], demo_rules, state=tmp_path / "s")  # same records, reversed
    m1 = dict(zip(r1.clusters["record_id"], r1.clusters["cluster_id"]))
    m2 = dict(zip(r2.clusters["record_id"], r2.clusters["cluster_id"]))
    assert m1 == m2
    assert r2.changes.empty
    assert r2.clusters_changed.empty
    assert r2.summary["identities"]["model"] == "state"


def test_state_errors(demo_csv, demo_rules, tmp_path):
    with pytest.raises(reclink.UsageError, match="need state"):
        reclink.dedupe(demo_csv, demo_rules, incremental=True)
    with pytest.raises(reclink.UsageError, match="delete needs incremental"):
        reclink.dedupe(demo_csv, demo_rules, state=tmp_path / "s", delete=["1"])
    with pytest.raises(reclink.UsageError, match="holds none"):
        reclink.dedupe(demo_csv, demo_rules, state=tmp_path / "empty", incremental=True)
    assert not (tmp_path / "empty" / "records.bin").exists()


def test_incremental_golden_records_match_the_cli(cli, demo_csv, demo_rules, tmp_path):
    # The state keeps what survivorship reads, so an incremental night returns golden records too,
    # the same as the CLI's identities.csv for the same nights (named by the same files).
    first, second, deleted = _nights(demo_csv, tmp_path)
    rules = tmp_path / "golden.toml"
    rules.write_text(demo_rules.read_text() + '\n[survivorship]\ntimestamp = "record_id"\n'
                     '[survivorship.fields]\nemail = "most_recent"\nfirst = "longest"\n')
    a, b = _write(first, tmp_path / "night1.csv"), _write(second, tmp_path / "night2.csv")
    (tmp_path / "deleted.txt").write_text("\n".join(deleted) + "\n")
    reclink.dedupe(a, rules, state=tmp_path / "py_state")
    r2 = reclink.dedupe(b, rules, state=tmp_path / "py_state", incremental=True, delete=deleted)
    cli("dedupe", "--rules", rules, "--state", tmp_path / "cli_state", "--out", tmp_path / "out1", a, "--quiet")
    cli("dedupe", "--rules", rules, "--state", tmp_path / "cli_state", "--out", tmp_path / "out2",
        "--incremental", "--delete", tmp_path / "deleted.txt", b, "--quiet")
    expected = pd.read_csv(tmp_path / "out2" / "identities.csv", dtype=str, keep_default_na=False, na_values=[""])
    got = r2.identities.astype({"records": str})
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
    assert r2.identities["records"].sum() == len(r2.clusters)
    # Records of both nights: their sources are the files they were last read from.
    assert {"night1", "night2"} <= set(";".join(r2.identities["sources"]).split(";"))
    for name in ("records.bin", "identities.bin"):
        assert filecmp.cmp(tmp_path / "py_state" / name, tmp_path / "cli_state" / name, shallow=False), name
