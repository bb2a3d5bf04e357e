"""reclink from Python: the same engine as the `reclink` command, on pandas DataFrames or files.

    import reclink
    result = reclink.dedupe("datasets/demo/customers.csv", rules="datasets/demo/rules.toml")
    result.clusters        # DataFrame: record_id, cluster_id
    result.summary         # dict: summary.json's content

Functions: dedupe, link, train, evaluate, explain (docs/python.md). Inputs are DataFrames or paths
(CSV, JSON Lines, JSON; optionally .gz/.zst); rules are a rules file's path, its TOML text or a
dict. Errors raise ReclinkError subclasses. The engine runs without the GIL.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from . import _reclink
from ._toml import dumps as _toml_dumps

__all__ = [
    "dedupe", "link", "train", "evaluate", "explain", "Result", "rules_to_toml",
    "ReclinkError", "UsageError", "InputDataError", "InputIOError", "OutputError", "InternalError",
]
__version__ = _reclink.version


# --- errors -------------------------------------------------------------------------------------

class ReclinkError(Exception):
    """An error of the engine. `message` is the library's ("FILE:LINE:COLUMN: error: WHAT");
    `file`, `line`, `column` come from it when it names them (else None); `field` is the rules
    field the message names ("[fields.X]", "field 'X'"), else the input column it names
    ("column 'X'"), else None; `hint` says what to change;
    `exit_code` is what the CLI would exit with (1 internal, 2 usage or rules, 3 input, 4 output);
    `code` the library's status ("usage", "invalid_input", "io_error", "output_error", "internal")."""

    exit_code = 1
    code = "internal"

    def __init__(self, message: str, hint: str = "", code: Optional[str] = None,
                 exit_code: Optional[int] = None):
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        if exit_code is not None:
            self.exit_code = exit_code
        self.file, self.line, self.column = _location(message)
        self.field = _quoted_name(message)
        super().__init__(message + ("\nhint: " + hint if hint else ""))


class UsageError(ReclinkError, ValueError):
    """A bad argument or rules file (the CLI's exit code 2)."""
    exit_code = 2
    code = "usage"


class InputDataError(ReclinkError, ValueError):
    """Bad input data: a bad record, a missing or duplicate id, an empty input (exit code 3)."""
    exit_code = 3
    code = "invalid_input"


class InputIOError(ReclinkError, OSError):
    """An input file could not be opened or read, or is corrupt compressed data (exit code 3)."""
    exit_code = 3
    code = "io_error"


class OutputError(ReclinkError, OSError):
    """An output could not be written (exit code 4)."""
    exit_code = 4
    code = "output_error"


class InternalError(ReclinkError, RuntimeError):
    """A bug or an unexpected system failure (exit code 1)."""


_ERRORS = {"usage": UsageError, "invalid_input": InputDataError, "io_error": InputIOError,
           "output_error": OutputError, "internal": InternalError}

# "FILE:LINE:COLUMN: error: ...", "FILE:LINE: error: ..." or "FILE: error: ...". FILE may itself
# hold ':': the shortest FILE that leaves only LINE and COLUMN before ": error: " is taken.
_LOCATION = re.compile(r"^(?P<file>.*?)(?::(?P<line>\d+))?(?::(?P<column>\d+))?: error: ", re.S)
# What a message names, most specific first: a rules field ("[fields.X]", "field 'X'", "field X"),
# else an input column ("column 'X'").
_NAMED = [re.compile(r"\[fields\.([^\]\s]+)\]"), re.compile(r"\bfield '([^'\n]+)'"),
          re.compile(r"\bfield ([A-Za-z0-9_]+)"), re.compile(r"\bcolumn '([^'\n]+)'")]


def _location(message: str):
    first = message.split("\n", 1)[0]
    m = _LOCATION.match(first)
    if not m or not m.group("file"):
        return None, None, None
    line = int(m.group("line")) if m.group("line") else None
    column = int(m.group("column")) if m.group("column") else None
    return m.group("file"), line, column


def _quoted_name(message: str) -> Optional[str]:
    body = message.split(": error: ", 1)[-1].split("\n", 1)[0]
    for pattern in _NAMED:
        m = pattern.search(body)
        if m:
            return m.group(1)
    return None


def _call(command: str, inputs, rules, options: dict):
    rules_source, rules_is_path, rules_name = _rules_argument(rules)
    options = {k: v for k, v in options.items() if v is not None}
    try:
        return _reclink.run(command, inputs, rules_source, rules_is_path, rules_name, options)
    except _reclink.StatusError as e:
        code, exit_code, message, hint = e.args
        raise _ERRORS.get(code, InternalError)(message, hint, code, exit_code) from None


# --- arguments ----------------------------------------------------------------------------------

def rules_to_toml(rules: Mapping[str, Any]) -> str:
    """The TOML text of a rules dict (as tomllib would read the rules file back)."""
    return _toml_dumps(rules)


def _rules_argument(rules) -> Tuple[str, bool, str]:
    if rules is None:
        raise UsageError("error: rules are needed: a rules file's path, its TOML text or a dict")
    if isinstance(rules, Mapping):
        return rules_to_toml(rules), False, "<rules dict>"
    if isinstance(rules, os.PathLike):
        return os.fspath(rules), True, os.fspath(rules)
    if isinstance(rules, str):
        # TOML text holds '=' or a newline; a path that exists is a path either way.
        if ("\n" in rules or "=" in rules) and not os.path.exists(rules):
            return rules, False, "<rules>"
        return rules, True, rules
    raise TypeError("rules must be a path, TOML text or a dict, not " + type(rules).__name__)


def _is_frame(x) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a requirement of the tests, not of paths
        return False
    return isinstance(x, pd.DataFrame)


def _text(v) -> str:
    # An integral float is most often an integer column that pandas widened for a missing value.
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _column_values(series) -> list:
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v if v is None or type(v) is str else _text(v) for v in values]


def _frame_columns(df) -> list:
    return [(str(name), _column_values(df[name])) for name in df.columns]


def _input(name: str, data):
    if _is_frame(data):
        if len(set(map(str, data.columns))) != len(data.columns):
            raise UsageError(f"<DataFrame {name}>: error: two columns have the same name")
        return (name, None, _frame_columns(data))
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        return ("" if name is None else name, path, None)
    raise TypeError("an input must be a pandas DataFrame or a path, not " + type(data).__name__)


def _inputs(data) -> list:
    """[(name, path or None, columns or None)]. A dict names its sources; otherwise a DataFrame is
    "data" (one) or "data1", "data2", ... (several), a path is named by the CLI's rule (its file
    name without extensions, or NAME from "NAME=PATH")."""
    if data is None:  # the rules' [sources.NAME] paths
        return []
    if isinstance(data, Mapping):
        return [_input(str(k), v) for k, v in data.items()]
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    if not items:
        raise UsageError("error: no input: pass a DataFrame, a path, or a list of them")
    out = []
    for i, item in enumerate(items):
        if _is_frame(item):
            out.append(_input("data" if len(items) == 1 else f"data{i + 1}", item))
        else:
            out.append(_input(None, item))
    return out


def _model_options(model) -> dict:
    if model is None:
        return {}
    if isinstance(model, Mapping):
        return {"model_json": json.dumps(model), "model_name": "<model dict>"}
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8")
        except OSError as e:
            raise UsageError(f"{path}: error: cannot read the model: {e.strerror}",
                             "pass a model.json written by `reclink train` or reclink.train()") from None
        return {"model_json": text, "model_name": path}
    raise TypeError("model must be a dict (reclink.train's) or a model.json path")


def _read_options(delimiter, trim_spaces, encoding, on_bad_record, format=None) -> dict:
    return {"format": format, "delimiter": delimiter, "trim_spaces": trim_spaces, "encoding": encoding,
            "on_bad_record": on_bad_record}


# --- results ------------------------------------------------------------------------------------

@dataclass
class Result:
    """What dedupe and link return.

    clusters: DataFrame of every input record once: [source,] record_id, cluster_id (the id of the
        cluster's smallest member, as clusters.csv; the source column in link mode or with several
        inputs). pairs: DataFrame like pairs.csv (with_pairs=True; else None). identities: golden
        records like identities.csv (rules with [survivorship]; else None). changes: with a state,
        changes.csv's rows (per identity that changed: identity_id, change, other_identity, record
        counts; docs/identities.md), and cluster_id is then the stable identity id.
        clusters_changed: with a state, clusters_changed.csv's rows (per record whose identity id
        changed: [source,] record_id, cluster_id, change (new, moved, deleted),
        previous_cluster_id). model,
        summary: the content of model.json and summary.json. evaluation: summary's "evaluation"
        (with truth). threshold: the match probability the run linked at."""
    clusters: Any
    model: dict
    summary: dict
    threshold: float
    pairs: Any = None
    identities: Any = None
    evaluation: Optional[dict] = None
    changes: Any = None
    clusters_changed: Any = None

    def __repr__(self) -> str:
        n = len(self.clusters)
        k = self.clusters["cluster_id"].nunique() if n else 0
        return (f"<reclink.Result: {n} records in {k} clusters at threshold {self.threshold:.6g}"
                + (f", {len(self.pairs)} pairs" if self.pairs is not None else "")
                + (f", {len(self.identities)} identities" if self.identities is not None else "") + ">")


def _result(out: dict) -> Result:
    import pandas as pd
    summary = json.loads(out["summary_json"])
    r = Result(clusters=pd.DataFrame(out["clusters"]), model=json.loads(out["model_json"]),
               summary=summary, threshold=out["threshold"], evaluation=summary.get("evaluation"))
    if "pairs" in out:
        r.pairs = pd.DataFrame(out["pairs"])
    if "identities" in out:
        r.identities = pd.DataFrame(out["identities"])
    if "changes" in out:
        r.changes = pd.DataFrame(out["changes"])
    if "clusters_changed" in out:
        r.clusters_changed = pd.DataFrame(out["clusters_changed"])
    return r


# --- commands -----------------------------------------------------------------------------------

def dedupe(data=None, rules=None, *, threads: Optional[int] = None, threshold: Optional[float] = None,
           truth: Optional[str] = None, truth_pairs: Optional[str] = None, labels: Optional[str] = None,
           model=None, with_pairs: bool = False, pairs_threshold: float = 0.5,
           delimiter: Optional[str] = None, trim_spaces: bool = False, encoding: str = "utf-8",
           on_bad_record: str = "fail", format: str = "auto", state=None, incremental: bool = False,
           delete=None, retrain: bool = False) -> Result:
    """Deduplicates `data` (a DataFrame, a path, or a list of them) under `rules` (link_type
    "dedupe"), as `reclink dedupe` does, and returns a Result.

    threads: worker threads (default every core); the output does not depend on it.
    threshold: link at this match probability (default: the rules' [model] threshold, else the
        model's own choice). truth: a column of entity labels to evaluate against (truth_pairs: a
        CSV of true pairs instead); the figures are in Result.evaluation. labels: a CSV of labelled
        pairs to train with (`--labels`). model: score with this model (a dict from train(), or a
        model.json path) instead of training. with_pairs: also return the scored pairs at or above
        pairs_threshold. format ("auto": from the extension; csv, tsv, jsonl, json), delimiter,
        trim_spaces, encoding ("utf-8" or "latin-1") and on_bad_record ("fail" or "skip") apply to
        inputs given as paths, as the CLI's options of those names.

    state: a run state directory, as the CLI's --state (docs/identities.md): read before the run
        (its model scores unless retrain=True) and written after it; cluster_id is then a stable
        identity id and Result.changes lists what changed since the previous run. incremental=True
        (--incremental): data holds only new or changed records, delete (a list of record ids;
        SOURCE:ID in link mode) names records to remove, and only the pairs they touch are scored;
        clusters then lists every record of the state. data may be None with delete."""
    return _run("dedupe", _inputs(data), rules, threads,
                threshold, truth, truth_pairs, labels, model, with_pairs, pairs_threshold,
                _read_options(delimiter, trim_spaces, encoding, on_bad_record, format),
                _state_options(state, incremental, delete, retrain))


def link(data=None, rules=None, *, threads: Optional[int] = None, threshold: Optional[float] = None,
         truth: Optional[str] = None, truth_pairs: Optional[str] = None, labels: Optional[str] = None,
         model=None, with_pairs: bool = False, pairs_threshold: float = 0.5,
         delimiter: Optional[str] = None, trim_spaces: bool = False, encoding: str = "utf-8",
         on_bad_record: str = "fail", format: str = "auto", state=None, incremental: bool = False,
         delete=None, retrain: bool = False) -> Result:
    """Links two or more sources under `rules` (link_type "link" or "link_and_dedupe"), as
    `reclink link` does. data: a dict {source name: DataFrame or path} or a list (DataFrames are
    named data1, data2, ...; paths by their file name). Options as in dedupe() (an incremental
    night may change one source only); clusters has a source column."""
    return _run("link", _inputs(data), rules, threads,
                threshold, truth, truth_pairs, labels, model, with_pairs, pairs_threshold,
                _read_options(delimiter, trim_spaces, encoding, on_bad_record, format),
                _state_options(state, incremental, delete, retrain))


def _state_options(state, incremental, delete, retrain) -> dict:
    if state is None:
        if incremental or retrain or delete is not None:
            raise UsageError("error: incremental, delete and retrain need state (a run state directory)")
        return {}
    if delete is not None:
        if not incremental:
            raise UsageError("error: delete needs incremental=True")
        if isinstance(delete, (str, bytes)):
            raise TypeError("delete must be a list of record ids, e.g. ['17', '42']")
        delete = [str(d) for d in delete]
    return {"state": os.fspath(state), "incremental": bool(incremental), "retrain": bool(retrain),
            "delete": delete}


def _run(command, inputs, rules, threads, threshold, truth, truth_pairs, labels, model, with_pairs,
         pairs_threshold, read, state=None) -> Result:
    options = dict(threads=threads, threshold=threshold, truth=truth, truth_pairs=_path(truth_pairs),
                   labels=_path(labels), with_pairs=with_pairs, pairs_threshold=pairs_threshold, **read,
                   **(state or {}))
    options.update(_model_options(model))
    return _result(_call(command, inputs, rules, options))


def _path(p):
    return None if p is None else os.fspath(p)


def train(data=None, rules=None, *, threads: Optional[int] = None, labels: Optional[str] = None,
          delimiter: Optional[str] = None, trim_spaces: bool = False, encoding: str = "utf-8",
          on_bad_record: str = "fail", format: str = "auto") -> dict:
    """Trains the model on `data` (as `reclink train`) and returns it: model.json's content as a
    dict, which dedupe(model=...), link(model=...) and explain(model=...) accept, and which
    json.dump writes as a model.json the CLI reads."""
    options = dict(threads=threads, labels=_path(labels),
                   **_read_options(delimiter, trim_spaces, encoding, on_bad_record, format))
    out = _call("train", _inputs(data), rules, options)
    return json.loads(out["model_json"])


def evaluate(data=None, rules=None, *, truth: Optional[str] = None, truth_pairs: Optional[str] = None,
             threads: Optional[int] = None, threshold: Optional[float] = None, model=None,
             delimiter: Optional[str] = None, trim_spaces: bool = False, encoding: str = "utf-8",
             on_bad_record: str = "fail", format: str = "auto") -> dict:
    """Runs the rules on `data` and measures the clusters against ground truth (as
    `reclink evaluate --json`): truth names a column of entity labels, or truth_pairs a CSV of
    matching pairs. Returns the evaluation object: "pairwise" and "bcubed" precision, recall and
    F1, blocking recall per rule, the worst false and missed links (docs/outputs.md)."""
    if (truth is None) == (truth_pairs is None):
        raise UsageError("error: evaluate needs exactly one of truth (a column) and truth_pairs (a file)")
    options = dict(threads=threads, threshold=threshold, truth=truth, truth_pairs=_path(truth_pairs),
                   **_read_options(delimiter, trim_spaces, encoding, on_bad_record, format))
    options.update(_model_options(model))
    out = _call("evaluate", _inputs(data), rules, options)
    return json.loads(out["evaluation_json"])


def explain(data, rules, pair: Tuple[str, str], *, model=None, threads: Optional[int] = None,
            delimiter: Optional[str] = None, trim_spaces: bool = False, encoding: str = "utf-8",
            on_bad_record: str = "fail", format: str = "auto") -> dict:
    """Why the pair (id1, id2) scores what it scores under `model` (a dict from train() or a
    model.json path; default: a model trained on `data` first), as `reclink explain --json`: the
    prior's weight, then per comparison the raw and normalized values, the level, m, u, the u used
    (a term frequency when tf_adjusted), its weight and the running weight; the match weight and
    probability. An id may be "SOURCE:ID"."""
    if isinstance(pair, (str, bytes)) or len(pair) != 2:
        raise TypeError("pair must be two record ids, e.g. ('1', '2')")
    options = dict(threads=threads, pair_l=str(pair[0]), pair_r=str(pair[1]),
                   **_read_options(delimiter, trim_spaces, encoding, on_bad_record, format))
    options.update(_model_options(model))
    return _call("explain", _inputs(data), rules, options)
