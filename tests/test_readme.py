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


def _interop_block(marker):  # NOTE: the README block that contains marker
    (block,) = [b for b in BLOCKS if marker in b]
    return block


def test_the_interop_checkpoint_example_round_trips(capsys):
    exec(compile(_interop_block('"epoch": 3}, path)'), "README checkpoint", "exec"), {})
    assert capsys.readouterr().out.strip() == "3 (0.9, 0.999)"


def test_the_interop_safetensors_example_gives_pytorchs_outputs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    monkeypatch.chdir(tmp_path)  # it writes weights.safetensors and back.safetensors
    exec(compile(_interop_block("safetensors.torch"), "README safetensors", "exec"), {})
    assert capsys.readouterr().out.strip() == "True"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["back.safetensors", "weights.safetensors"]


def test_the_interop_dlpack_example_shares_memory(capsys):
    pytest.importorskip("torch")
    exec(compile(_interop_block("torch.from_dlpack(t)"), "README DLPack", "exec"), {})
    out = capsys.readouterr().out.split("\n")
    assert out[0] == "tensor([1., 0., 5.]) tensor([1., 0., 5.])" and out[1] == "float64 True"


def test_the_interop_onnx_example_matches_onnx_runtime(tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)  # it writes digits.onnx
    exec(compile(_interop_block("autograd_mini.onnx.export"), "README ONNX", "exec"), {})
    assert capsys.readouterr().out.strip() == "True"
    assert [p.name for p in tmp_path.iterdir()] == ["digits.onnx"]


def test_the_function_transforms_example_runs_and_agrees():
    namespace: dict = {}
    exec(compile(_interop_block("func.hessian(f)(x)"), "README transforms", "exec"), namespace)
    np = namespace["np"]
    func, f, x = namespace["func"], namespace["f"], namespace["x"]
    np.testing.assert_allclose(namespace["H"].data, func.jacfwd(func.jacrev(f))(x).data, rtol=1e-12)
    np.testing.assert_allclose(namespace["hv"].data, namespace["H"].data[:, 0], rtol=1e-12)
    assert namespace["J"].shape == (2, 2) and namespace["per_example"].shape == (4, 2)


def test_every_function_in_the_ops_table_exists():
    import autograd_mini as am
    import nn

    text = README.read_text()
    section = text[text.index("## Ops"):text.index("## See the graph")]
    rows = re.findall(r"^\| (.*?) \| (.*) \|$", section, re.M)[1:]  # NOTE: after the header
    assert len(rows) >= 10
    names = 0
    for family, cell in rows:
        where = nn.functional if family == "`nn.functional`" else am
        for code in re.findall(r"`([^`]*)`", re.sub(r"\([^)]*\)", "", cell)):  # NOTE: "(groups, ...)" are notes
            for name in code.split():
                if re.fullmatch(r"[a-z][a-z0-9_]*[a-z0-9]", name) and name != "nn":
                    assert hasattr(where, name), f"README's op table lists {name}, which {where.__name__} lacks"
                    names += 1
    assert names > 150
