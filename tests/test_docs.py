"""Every python block of docs/debugging.md runs as written and prints what its comments say."""
import pathlib
import re

import pytest

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "debugging.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_block_runs_and_prints_what_it_says(index, capsys):
    exec(compile(BLOCKS[index], f"docs/debugging.md block {index}", "exec"), {})
    out = capsys.readouterr().out
    for line in BLOCKS[index].splitlines():
        m = re.search(r"print\(.*#\s*(.+)$", line)
        if m and "..." not in m.group(1) and "<" not in m.group(1):
            expected = m.group(1).split(":")[0].strip()
            assert expected in out, (expected, out)


def test_there_are_blocks():
    assert len(BLOCKS) >= 6
