"""Every python block of every page in docs/ runs as written and prints what its comments say.

A page's blocks run in order in one namespace, so a later block may use what an earlier one defined; they run
in a temporary folder (with a docs/ subfolder), so files they write do not land in the repository.

A page that needs optional packages says so in its first line, an HTML comment such as
``<!-- requires: onnx, onnxruntime -->``; its blocks are skipped when one of those packages is missing.
"""
import importlib.util
import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
PAGES = {p.name: re.findall(r"```python\n(.*?)```", p.read_text(), re.S) for p in sorted(DOCS.glob("*.md"))}
REQUIRES = {p.name: [m.strip() for m in re.match(r"<!--\s*requires:(.*?)-->", p.read_text()).group(1).split(",")]
            for p in sorted(DOCS.glob("*.md")) if re.match(r"<!--\s*requires:", p.read_text())}
CASES = [(name, i) for name, blocks in PAGES.items() for i in range(len(blocks))]
_namespaces: dict = {}


@pytest.mark.parametrize("page,index", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_block_runs_and_prints_what_it_says(page, index, capsys, tmp_path, monkeypatch):
    missing = [m for m in REQUIRES.get(page, []) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"docs/{page} needs {', '.join(missing)}")
    monkeypatch.chdir(tmp_path)  # NOTE: blocks that save pictures (docs/README_viz.md) write here, not into the repo
    (tmp_path / "docs").mkdir()
    if index == 0:
        _namespaces[page] = {}
    namespace = _namespaces.setdefault(page, {})
    block = PAGES[page][index]
    exec(compile(block, f"docs/{page} block {index}", "exec"), namespace)
    out = capsys.readouterr().out
    for line in block.splitlines():
        m = re.search(r"print\(.*#\s*(.+)$", line)
        if m and "..." not in m.group(1) and "<" not in m.group(1):
            expected = m.group(1).split(":")[0].strip()
            assert expected in out, (expected, out)


def test_there_are_blocks():
    assert len(PAGES["debugging.md"]) >= 6


def test_requires_comment_is_read():
    assert REQUIRES["onnx.md"] == ["onnx", "onnxruntime"]
    assert "debugging.md" not in REQUIRES
