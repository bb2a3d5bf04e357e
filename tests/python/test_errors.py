# Errors become ReclinkError subclasses carrying the file, line, column and field the library's
# message names, and the CLI's exit code.
import pandas as pd
import pytest

import reclink

BAD_RULES = """link_type = "dedupe"
id = "record_id"

[fields.first]
column = "first_name"
normalize = ["casefoldd"]

[[blocking]]
keys = ["first"]

[[comparison]]
field = "first"
levels = ["exact"]
"""


def test_a_rules_error_in_text_names_its_line_column_and_field(demo_csv):
    with pytest.raises(reclink.UsageError) as e:
        reclink.dedupe(demo_csv, rules=BAD_RULES)
    err = e.value
    assert isinstance(err, reclink.ReclinkError) and isinstance(err, ValueError)
    assert (err.file, err.line, err.column, err.field) == ("<rules>", 6, 14, "first")
    assert err.exit_code == 2 and err.code == "usage"
    assert "unknown normalizer" in err.message and "casefold" in err.hint
    assert str(err).startswith("<rules>:6:14: error: unknown normalizer")


def test_a_rules_error_in_a_file_names_the_file(demo_csv, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_RULES)
    with pytest.raises(reclink.UsageError) as e:
        reclink.dedupe(demo_csv, rules=path)
    assert (e.value.file, e.value.line, e.value.column) == (str(path), 6, 14)


def test_a_dict_with_a_bad_value(demo_csv):
    with pytest.raises(reclink.UsageError) as e:
        reclink.dedupe(demo_csv, rules={"link_type": "dedup", "id": "record_id"})
    assert e.value.file == "<rules dict>" and e.value.line == 1
    with pytest.raises(TypeError):
        reclink.dedupe(demo_csv, rules={"link_type": object()})


def test_a_missing_input_file_is_an_io_error(demo_rules, tmp_path):
    missing = tmp_path / "missing.csv"
    with pytest.raises(reclink.InputIOError) as e:
        reclink.dedupe(missing, rules=demo_rules)
    assert isinstance(e.value, OSError)
    assert e.value.file == str(missing) and e.value.line is None
    assert e.value.exit_code == 3


def test_a_bad_csv_record_names_its_line_and_column(demo_csv, demo_rules, tmp_path):
    path = tmp_path / "bad.csv"
    text = demo_csv.read_text()
    path.write_text(text + '9999,"Bob,Lee,01/02/1990,b@x.com,2,12 High St,London,N1 1AA\n')
    bad_line = text.count("\n") + 1
    with pytest.raises(reclink.InputDataError) as e:
        reclink.dedupe(path, rules=demo_rules)
    assert (e.value.file, e.value.line) == (str(path), bad_line)
    assert e.value.column is not None and e.value.exit_code == 3
    assert "on-bad-record" in e.value.hint
    # skip: the record is left out, like --on-bad-record skip.
    r = reclink.dedupe(path, rules=demo_rules, on_bad_record="skip")
    assert len(r.clusters) == 3000 and "9999" not in set(r.clusters["record_id"])
    assert r.summary["inputs"][0]["bad"] == 1
    assert r.summary["inputs"][0]["records"] == 3000


def test_a_duplicate_id_in_a_dataframe_names_the_row(demo_csv, demo_rules):
    df = pd.read_csv(demo_csv, dtype=str, keep_default_na=False)
    df.loc[5, "record_id"] = "1"  # row 6, 1-based
    with pytest.raises(reclink.InputDataError) as e:
        reclink.dedupe(df, rules=demo_rules)
    assert (e.value.file, e.value.line, e.value.field) == ("<DataFrame data>", 6, "record_id")
    assert "duplicate id '1'" in e.value.message


def test_a_missing_column_names_the_rules_line_and_field(demo_csv, demo_rules):
    df = pd.read_csv(demo_csv, dtype=str, keep_default_na=False).drop(columns=["dob"])
    with pytest.raises(reclink.UsageError) as e:
        reclink.dedupe(df, rules=demo_rules)
    assert e.value.file == str(demo_rules) and e.value.line == 19 and e.value.field == "dob"
    assert "available columns" in e.value.hint


def test_a_bad_model_and_bad_arguments(demo_csv, demo_rules):
    with pytest.raises(reclink.UsageError) as e:
        reclink.dedupe(demo_csv, rules=demo_rules, model={"format": 1, "comparisons": []})
    assert e.value.file == "<model dict>"
    with pytest.raises(reclink.UsageError, match="threshold"):
        reclink.dedupe(demo_csv, rules=demo_rules, threshold=1.5)
    with pytest.raises(reclink.UsageError, match="on_bad_record"):
        reclink.dedupe(demo_csv, rules=demo_rules, on_bad_record="quarantine")
    with pytest.raises(TypeError):
        reclink.dedupe(42, rules=demo_rules)


@pytest.mark.parametrize("message, location, field", [
    ("a.csv:3:7: error: unterminated quoted field", ("a.csv", 3, 7), None),
    ("dir:x/a.csv:3:7: error: bad", ("dir:x/a.csv", 3, 7), None),
    ("rules.toml:19: error: key 'column' in [fields.dob] names column 'dob'", ("rules.toml", 19, None), "dob"),
    ("a.csv: error: cannot open file", ("a.csv", None, None), None),
    ("error: threads must be 0 (every core) or more", (None, None, None), None),
    ("x.csv:4: error: duplicate id '7' in column 'id' (first seen on line 2)", ("x.csv", 4, None), "id"),
])
def test_the_location_and_field_of_a_message(message, location, field):
    err = reclink.InputDataError(message, "a hint")
    assert (err.file, err.line, err.column) == location
    assert err.field == field
    assert str(err) == message + "\nhint: a hint" and err.exit_code == 3
