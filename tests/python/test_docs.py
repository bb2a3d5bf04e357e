# docs/python.md's walk-through shows real output: running its cells (scripts/python_walkthrough.py)
# must print every output block the document shows.
import contextlib
import importlib.util
import io

from conftest import ROOT


def test_the_walkthrough_prints_what_docs_python_md_shows(monkeypatch):
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "scripts" / "python_walkthrough.py")
    walkthrough = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(walkthrough)
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        walkthrough.main()
    doc = (ROOT / "docs" / "python.md").read_text()
    cells = printed.getvalue().split("```python\n")[1:]
    assert len(cells) == doc.count("```python\n") == 13
    for cell in cells:
        code, output = cell.split("```\n```\n", 1)
        assert code in doc, code
        assert output.split("```\n", 1)[0] in doc, output
