"""DLPack and numpy interop: from_numpy, from_dlpack and Tensor.__dlpack__ share memory both ways (numpy and
PyTorch), keep dtype and shape; tolist gives Python values; the version counter's blind spot is documented."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import autograd_mini as am

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_,
          np.complex64]


def shares(a, b):
    return np.shares_memory(np.asarray(a), np.asarray(b))


# ----- from_numpy ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_numpy_shares_memory_and_keeps_dtype(dtype):
    a = np.zeros((2, 3), dtype=dtype)
    t = am.from_numpy(a)
    assert isinstance(t, am.Tensor) and t.dtype == a.dtype and t.shape == (2, 3) and not t.requires_grad
    a[0, 1] = 1
    assert t.data[0, 1] == 1
    t[1, 2] = 1  # through the library (bumps the version counter)
    assert a[1, 2] == 1 and t._version == 1


def test_from_numpy_of_views_and_non_contiguous_arrays():
    base = np.arange(12.0).reshape(3, 4)
    t = am.from_numpy(base[:, ::2].T)
    assert t.shape == (2, 3) and shares(t, base)
    base[2, 2] = -1
    assert t.data[1, 2] == -1

    class Sub(np.ndarray):
        pass

    sub = np.ones((2, 2)).view(Sub)
    m = am.from_numpy(sub)
    assert type(m.data) is np.ndarray and shares(m, sub)


def test_from_numpy_float_tensor_can_become_a_leaf():
    a = np.array([1.0, 2.0])
    x = am.from_numpy(a).requires_grad_()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


@pytest.mark.parametrize("bad, message", [
    ([1.0, 2.0], "expects a numpy.ndarray, got list; use am.tensor"),
    (am.Tensor([1.0]), "got Tensor"),
    (np.float64(1.0), "got float64"),
    (np.array([1, "a"], dtype=object), "dtype object"),
    (np.array(["ab"]), "dtype <U2"),
])
def test_from_numpy_refuses_other_inputs(bad, message):
    with pytest.raises(TypeError, match=message):
        am.from_numpy(bad)


# ----- DLPack with numpy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_from_dlpack_of_a_tensor_shares_memory_both_ways(dtype):
    t = am.Tensor(np.zeros(4, dtype=dtype))
    assert t.__dlpack_device__() == (1, 0)
    a = np.from_dlpack(t)
    assert a.dtype == t.dtype and a.shape == t.shape and shares(a, t)
    a[1] = 1
    assert t.data[1] == 1
    t[2] = 1
    assert a[2] == 1


@given(arrays(st.sampled_from([np.float32, np.float64, np.int32, np.bool_]),
              array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)))
def test_dlpack_round_trip_keeps_values_dtype_and_shape(a):
    t = am.from_dlpack(a)
    back = np.from_dlpack(t)
    assert t.dtype == a.dtype and t.shape == a.shape and back.shape == a.shape
    assert back.tobytes() == a.tobytes()
    if a.size:
        assert shares(back, a)


def test_from_dlpack_of_a_strided_view_shares_memory():
    base = np.arange(24.0).reshape(4, 6)
    t = am.from_dlpack(base[1:, ::3])
    assert t.shape == (3, 2) and shares(t, base)
    base[3, 3] = 100
    assert t.data[2, 1] == 100


def test_a_tensor_that_requires_grad_is_not_exported():
    w = am.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(BufferError, match="requires grad.*detach"):
        np.from_dlpack(w)
    with pytest.raises(BufferError, match="requires grad"):
        am.from_dlpack(w)
    a = np.from_dlpack(w.detach())  # the documented way: shares the memory
    a[0] = 5
    assert w.data[0] == 5


def test_from_dlpack_refuses_objects_without_dlpack():
    with pytest.raises(TypeError, match="__dlpack__.*got list"):
        am.from_dlpack([1.0, 2.0])


def test_dlpack_stream_must_be_none_on_the_cpu():
    with pytest.raises(BufferError, match="stream=3"):
        am.Tensor(np.ones(2)).__dlpack__(stream=3)


def test_writes_through_shared_memory_bypass_the_version_counter():
    """Documented blind spot (as with .data): the counter only sees the library's own writes."""
    a = np.ones(3)
    t = am.from_numpy(a)
    a += 1
    np.from_dlpack(t)[0] = 7
    assert t._version == 0 and t.data.tolist() == [7.0, 2.0, 2.0]


# ----- tolist -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [3.5, [1, 2], [[True, False]], [[1.5, -2.0], [0.0, 4.0]]])
def test_tolist_gives_python_values(value):
    t = am.Tensor(np.array(value))
    out = t.tolist()
    assert out == value
    first = out
    while isinstance(first, list):
        first = first[0]
    assert type(first) is type(np.array(value).flat[0].item())


def test_tolist_of_float32_and_a_graph_output():
    x = am.Tensor([0.5, 1.5], requires_grad=True)
    y = x * 2
    assert y.tolist() == [1.0, 3.0] and all(type(v) is float for v in y.tolist())


# ----- PyTorch ------------------------------------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_torch_tensor_and_tensor_share_memory_both_ways(torch, dtype):
    pt = torch.zeros(2, 3, dtype=getattr(torch, dtype))
    t = am.from_dlpack(pt)
    assert t.dtype == np.dtype(dtype) and t.shape == (2, 3)
    pt[0, 1] = 1  # write through PyTorch, seen here
    assert t.data[0, 1] == 1
    t[1, 2] = 1  # write here, seen by PyTorch
    assert pt[1, 2].item() == 1

    back = torch.from_dlpack(t)  # and the other way: PyTorch views our tensor
    assert back.dtype == pt.dtype and back.data_ptr() == pt.data_ptr()
    mine = am.Tensor(np.zeros(4, dtype=dtype))
    viewed = torch.from_dlpack(mine)
    viewed[3] = 1
    assert mine.data[3] == 1
    mine[0] = 1
    assert viewed[0].item() == 1


def test_torch_views_and_requires_grad(torch):
    base = torch.arange(12.0).reshape(3, 4)
    t = am.from_dlpack(base[:, 1::2])
    assert t.shape == (3, 2) and t.tolist() == base[:, 1::2].tolist()
    base[2, 3] = -1
    assert t.data[2, 1] == -1
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="detach"):  # PyTorch's rule
        am.from_dlpack(w)
    d = am.from_dlpack(w.detach())
    d[0] = 3
    assert w[0].item() == 3
    mine = am.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(BufferError, match="requires grad"):
        torch.from_dlpack(mine)


def test_torch_from_numpy_and_our_tensor_see_the_same_array(torch):
    a = np.arange(3.0)
    ours, theirs = am.from_numpy(a), torch.from_numpy(a)
    theirs.mul_(2)
    assert ours.tolist() == [0.0, 2.0, 4.0]


def test_the_docs_torch_snippet_runs(torch, capsys):
    """docs/interop.md's `py` DLPack block that needs PyTorch (tests/test_docs.py runs only `python` blocks)."""
    import pathlib
    import re

    page = pathlib.Path(__file__).resolve().parents[2] / "docs" / "interop.md"
    (block,) = [b for b in re.findall(r"```py\n(.*?)```", page.read_text(), re.S) if "torch.from_dlpack" in b]
    exec(compile(block, "docs/interop.md DLPack block", "exec"), {"am": am, "np": np})
    assert capsys.readouterr().out.split("\n")[:2] == ["tensor([1., 0., 0.])", "tensor([1., 0., 5.])"]
