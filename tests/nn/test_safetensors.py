"""nn.save / nn.load with .safetensors files: round trips, weights to and from PyTorch (same outputs), the
flattening of nested mappings, values refused by name, bad files, atomic writes, the missing-package message."""
import os
import sys

import numpy as np
import pytest

import autograd_mini as am
import nn

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@pytest.fixture
def st():
    return pytest.importorskip("safetensors.numpy")


def assert_same(a, b):
    assert sorted(a) == sorted(b)
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), k


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


# ----- round trips -------------------------------------------------------------------------------------------------


def test_module_round_trip_is_bit_exact_and_a_plain_safetensors_file(tmp_path, st):
    am.manual_seed(0)
    m = mlp()
    path = tmp_path / "m.safetensors"
    nn.save(m, path)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert_same(nn.load(path), m.state_dict())
    assert_same(st.load_file(str(path)), m.state_dict())  # readable by the safetensors package itself
    fresh = mlp()
    fresh.load_state_dict(nn.load(path))
    assert_same(fresh.state_dict(), m.state_dict())


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int32, np.int64,
                                   np.uint64, np.bool_])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 4), (2, 3, 1)])
def test_dtypes_and_shapes(tmp_path, st, dtype, shape):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 50).astype(dtype)
    state = {"a": a, "t": am.Tensor(a.copy()), "s": np.float32(1.25), "view": np.arange(12.0).reshape(3, 4)[:, ::2]}
    nn.save(state, tmp_path / "x.safetensors")
    loaded = nn.load(tmp_path / "x.safetensors")
    assert_same(loaded, {"a": a, "t": a, "s": np.array(1.25, np.float32),
                         "view": np.ascontiguousarray(np.arange(12.0).reshape(3, 4)[:, ::2])})
    assert all(arr.flags.writeable for arr in loaded.values())


def test_big_endian_arrays_come_back_little_endian_with_the_same_values(tmp_path, st):
    a = np.arange(4, dtype=">f8") / 3
    nn.save({"a": a}, tmp_path / "be.safetensors")
    b = nn.load(tmp_path / "be.safetensors")["a"]
    assert b.dtype == np.dtype("<f8") and np.array_equal(a, b)


def test_nested_mappings_are_flattened_with_dots(tmp_path, st):
    am.manual_seed(0)
    enc, head = mlp(), mlp()
    nn.save({"encoder": enc, "head": {"proj": head.state_dict()}, "scale": np.ones(1)}, tmp_path / "n.safetensors")
    loaded = nn.load(tmp_path / "n.safetensors")
    expected = {**{f"encoder.{k}": v for k, v in enc.state_dict().items()},
                **{f"head.proj.{k}": v for k, v in head.state_dict().items()}, "scale": np.ones(1)}
    assert_same(loaded, expected)


@pytest.mark.parametrize("state, message", [
    ({"model": {"w": np.ones(2)}, "epoch": 3}, r"cannot save 'epoch' to a .safetensors file: it is a int"),
    ({"opt": {"lr": 0.1}}, r"'opt.lr'.*float.*arrays only.*does not end in .safetensors"),
    ({"name": "x"}, "'name'.*str"),
    ({"l": [np.ones(2)]}, "'l'.*list"),
    ({"none": None}, "'none'.*NoneType"),
    ({"a.b": np.ones(1), "a": {"b": np.ones(1)}}, "two entries flatten to the same key 'a.b'"),
    ({"state": {0: np.ones(1)}}, "key 0 under 'state.'.*strings"),
    ({"o": np.array([1, "x"], dtype=object)}, "'o'.*dtype object"),
    ({"u": np.array(["ab"])}, "'u'.*dtype <U2"),
])
def test_values_that_are_not_arrays_are_refused_by_name(tmp_path, st, state, message):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(nn.CheckpointError, match=message):
        nn.save(state, path)
    assert os.listdir(tmp_path) == []


def test_a_list_is_not_a_state_dict(tmp_path, st):
    with pytest.raises(TypeError, match="Module or a mapping"):
        nn.save([np.ones(1)], tmp_path / "x.safetensors")


# ----- bad files ---------------------------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path, st):
    am.manual_seed(0)
    path = tmp_path / "good.safetensors"
    nn.save(mlp(), path)
    return path


@pytest.mark.parametrize("keep", [0.0, 0.005, 0.3, 0.9, 0.999])
def test_truncated_file_raises_and_the_model_is_unchanged(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * keep)])
    m = mlp()
    before = m.state_dict()
    with pytest.raises(nn.CheckpointError, match="good.safetensors"):
        m.load_state_dict(nn.load(saved))
    assert_same(m.state_dict(), before)


def _with_header(header: bytes, body: bytes = b"") -> bytes:
    return len(header).to_bytes(8, "little") + header + body


@pytest.mark.parametrize("raw", [
    b"",
    np.random.default_rng(0).bytes(300),
    _with_header(b"{not json"),
    _with_header(b'{"w": {"dtype": "F32", "shape": [99999999, 99999999], "data_offsets": [0, 16]}}', bytes(16)),
    _with_header(b'{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 4000000000]}}', bytes(16)),
    _with_header(b'{"w": {"dtype": "PICKLE", "shape": [4], "data_offsets": [0, 16]}}', bytes(16)),
    (2 ** 60).to_bytes(8, "little") + b"{}",
], ids=["empty", "noise", "bad-json", "huge-shape", "offset-past-end", "bad-dtype", "huge-header"])
def test_corrupt_and_hostile_files(tmp_path, st, raw):
    path = tmp_path / "evil.safetensors"
    path.write_bytes(raw)
    with pytest.raises(nn.CheckpointError, match="evil.safetensors"):
        nn.load(path)


def test_a_safetensors_file_under_another_name_gets_a_hint(saved, tmp_path):
    other = tmp_path / "weights.bin"
    other.write_bytes(saved.read_bytes())
    with pytest.raises(nn.CheckpointError, match="looks like a safetensors file"):
        nn.load(other)


def test_failure_midway_keeps_the_previous_file(saved, monkeypatch):
    before = saved.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full (simulated)")))
    with pytest.raises(OSError, match="simulated"):
        nn.save({"w": np.zeros(3)}, saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before and os.listdir(saved.parent) == ["good.safetensors"]


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "safetensors" or m.startswith("safetensors.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "safetensors", None)  # makes `import safetensors` raise ImportError
    with pytest.raises(ImportError, match=r'pip install "autograd-mini\[safetensors\]"'):
        nn.save({"w": np.ones(2)}, tmp_path / "x.safetensors")
    (tmp_path / "y.safetensors").write_bytes(b"anything")
    with pytest.raises(ImportError, match="optional package 'safetensors'"):
        nn.load(tmp_path / "y.safetensors")
    assert os.listdir(tmp_path) == ["y.safetensors"]


# ----- PyTorch ------------------------------------------------------------------------------------------------------


def test_a_file_saved_by_pytorch_gives_pytorchs_outputs(st):
    """Committed files written by PyTorch 2.13 with safetensors.torch.save_file: an MLP's state_dict and its
    input/output (so this runs without PyTorch; the tests below make fresh files when it is installed)."""
    m = mlp()
    m.load_state_dict(nn.load(os.path.join(DATA, "torch_mlp.safetensors")))
    io = nn.load(os.path.join(DATA, "torch_mlp_io.safetensors"))
    np.testing.assert_allclose(m(am.Tensor(io["input"])).data, io["output"], rtol=1e-5, atol=1e-6)


def _torch_models(torch):
    return {
        "mlp": (lambda: torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)),
                mlp, (5, 4)),
        "cnn": (lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                            torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3, stride=2),
                                            torch.nn.Flatten(), torch.nn.Linear(6, 3)),
                lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 6, 3, stride=2), nn.Flatten(), nn.Linear(6, 3)),
                (2, 1, 8, 8)),
    }


@pytest.mark.parametrize("name", ["mlp", "cnn"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pytorch_to_here_and_back(tmp_path, st, name, dtype):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    make_torch, make_ours, shape = _torch_models(torch)[name]
    torch.manual_seed(0)
    net = make_torch().to(getattr(torch, dtype))
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)

    save_file(net.state_dict(), str(tmp_path / "torch.safetensors"))  # PyTorch -> here
    ours = make_ours().to(np.dtype(dtype))
    ours.load_state_dict(nn.load(tmp_path / "torch.safetensors"))
    assert {k: v.dtype for k, v in ours.state_dict().items()} == {k: np.dtype(dtype) for k in net.state_dict()}
    np.testing.assert_allclose(ours(am.Tensor(x)).data, expected, **tol)

    torch.manual_seed(1)
    ours_state = nn.load(tmp_path / "torch.safetensors")
    nn.save(ours, tmp_path / "ours.safetensors")  # here -> PyTorch
    other = make_torch().to(getattr(torch, dtype))
    other.load_state_dict(load_file(str(tmp_path / "ours.safetensors")))
    with torch.no_grad():
        np.testing.assert_allclose(other(torch.from_numpy(x)).numpy(), expected, **tol)
    assert_same(ours_state, {k: v.numpy() for k, v in load_file(str(tmp_path / "ours.safetensors")).items()})


def test_the_docs_safetensors_snippet_runs(tmp_path, monkeypatch, capsys, st):
    """docs/interop.md's `py` block that needs PyTorch and safetensors (tests/test_docs.py runs only `python`)."""
    pytest.importorskip("torch")
    import pathlib
    import re

    page = pathlib.Path(__file__).resolve().parents[2] / "docs" / "interop.md"
    (block,) = [b for b in re.findall(r"```py\n(.*?)```", page.read_text(), re.S) if "safetensors.torch" in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "docs/interop.md safetensors block", "exec"), {})
    assert capsys.readouterr().out.strip() == "True"
    assert sorted(os.listdir(tmp_path)) == ["back.safetensors", "weights.safetensors"]


def test_a_bfloat16_file_from_pytorch_gets_a_clear_error(tmp_path, st):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "bf16.safetensors"))
    message = r"bf16.safetensors.*dtype numpy cannot represent.*bfloat16.*float\(\)"
    with pytest.raises(nn.CheckpointError, match=message):
        nn.load(tmp_path / "bf16.safetensors")


def test_pytorch_batchnorm_state_loads_with_strict_false(tmp_path, st):
    """PyTorch's BatchNorm has a buffer this library's does not (num_batches_tracked): strict=False skips it."""
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(16, 4))  # moves the running statistics
    net.eval()
    save_file(net.state_dict(), str(tmp_path / "bn.safetensors"))
    ours = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    ours.load_state_dict(nn.load(tmp_path / "bn.safetensors"), strict=False)
    ours.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(am.Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def test_a_bfloat16_file_is_refused_even_after_ml_dtypes_taught_numpy_the_dtype(tmp_path, st):
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")  # onnx imports it; numpy then reads bfloat16 as an extension dtype
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "bf16.safetensors"))
    with pytest.raises(nn.CheckpointError, match=r"numpy cannot represent.*'w' has dtype bfloat16"):
        nn.load(tmp_path / "bf16.safetensors")
