"""The README's quickstart runs as written (its first three python blocks are self-contained)."""
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_quickstart_block_runs(index):
    namespace: dict = {}
    exec(compile(BLOCKS[index], f"README block {index}", "exec"), namespace)
    for name, obj in list(namespace.items()):
        if name.startswith("test_") and callable(obj):
            obj()  # the property-test examples of the README run too


def test_quickstart_prints_what_the_comments_say(capsys):
    exec(compile(BLOCKS[0], "README block 0", "exec"), {})
    out = capsys.readouterr().out.split("\n")
    assert out[0] == "Sum"
    assert out[2] == "(3,)"
    exec(compile(BLOCKS[1], "README block 1", "exec"), {})
    assert capsys.readouterr().out.strip() == "tensor([0, 1, 1, 0])"


def test_the_custom_op_example_runs_gradchecks_and_prints_what_it_says(capsys):
    (block,) = [b for b in BLOCKS if "class ScaledHypot(am.Function)" in b]
    exec(compile(block, "README custom op", "exec"), {})
    assert capsys.readouterr().out.strip() == "tensor([[10.        ,  4.47213595]], dtype=float64)"
