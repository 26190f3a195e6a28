"""Creation functions: shapes, dtypes (the default float dtype, PyTorch's inference from arguments), requires_grad,
the global generator of manual_seed, and errors."""
import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor, gradcheck

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _dt(t):
    return str(t.dtype).replace("torch.", "")


@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_constants_take_the_default_dtype(default):
    am.set_default_dtype(default)
    for t in (am.zeros(2, 3), am.ones((2, 3)), am.empty(2, 3), am.eye(3), am.full((2, 3), 1.5), am.linspace(0, 1, 4),
              am.arange(0.0, 2.0, 0.5), am.rand(2), am.randn(2), am.normal(0.0, 1.0, (2,)), am.uniform(0, 1, (3,))):
        assert t.dtype == default
    assert am.zeros(2, 3).shape == (2, 3) and am.empty((4,)).shape == (4,)
    assert am.zeros(2, dtype=np.int32).dtype == np.int32


def test_like_functions_keep_or_set_the_dtype():
    x = Tensor(np.arange(6).reshape(2, 3))
    assert am.zeros_like(x).dtype == np.int64 and am.ones_like(x).tolist() == [[1, 1, 1], [1, 1, 1]]
    assert am.zeros_like(x, dtype=np.float32).dtype == np.float32
    assert am.ones_like(x, dtype=np.float64, requires_grad=True).requires_grad
    f = am.full_like(x, 7)
    assert f.dtype == np.int64 and f.tolist() == [[7] * 3] * 2
    assert am.full_like(x, 2.5, dtype=np.float64).tolist() == [[2.5] * 3] * 2


@needs_torch
def test_full_and_arange_infer_dtypes_like_torch():
    cases = [
        (am.full((2,), 3), torch.full((2,), 3)), (am.full((2,), 3.0), torch.full((2,), 3.0)),
        (am.full((2,), True), torch.full((2,), True)), (am.arange(5), torch.arange(5)),
        (am.arange(1, 10, 3), torch.arange(1, 10, 3)), (am.arange(0, 1, 0.1), torch.arange(0, 1, 0.1)),
        (am.arange(5.0), torch.arange(5.0)), (am.arange(10, 0, -3), torch.arange(10, 0, -3)),
        (am.arange(-1.5, 1.5, 0.25), torch.arange(-1.5, 1.5, 0.25)), (am.arange(0, 1, 0.3), torch.arange(0, 1, 0.3)),
        (am.arange(5, dtype=np.float64), torch.arange(5, dtype=torch.float64)),
        (am.linspace(-1, 1, 7), torch.linspace(-1, 1, 7)), (am.linspace(0, 1, 1), torch.linspace(0, 1, 1)),
        (am.eye(2, 3), torch.eye(2, 3)),
    ]
    for ours, theirs in cases:
        assert _dt(ours) == _dt(theirs) and ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_arange_errors():
    with pytest.raises(ValueError, match="arange: step must not be 0"):
        am.arange(0, 5, 0)
    with pytest.raises(ValueError, match="arange"):
        am.arange(0, 5, -1)
    with pytest.raises(TypeError, match="arange"):
        am.arange("5")
    with pytest.raises(ValueError, match="linspace"):
        am.linspace(0, 1, -1)


def test_requires_grad_argument():
    for fn in (lambda: am.zeros(2, requires_grad=True), lambda: am.full((2,), 1.0, requires_grad=True),
               lambda: am.arange(0.0, 3.0, requires_grad=True), lambda: am.linspace(0, 1, 3, requires_grad=True),
               lambda: am.eye(2, requires_grad=True), lambda: am.randn(2, requires_grad=True),
               lambda: am.normal(0.0, 1.0, (2,), requires_grad=True), lambda: am.empty(2, requires_grad=True)):
        t = fn()
        assert t.requires_grad and t.is_leaf
    with pytest.raises(TypeError, match="floating"):
        am.arange(3, requires_grad=True)  # int64: cannot require grad (as PyTorch)


def test_random_functions_follow_manual_seed():
    for fn in (lambda: am.rand(3), lambda: am.randn(3), lambda: am.randint(0, 10, (5,)), lambda: am.normal(1.0, 2.0, (3,)),
               lambda: am.uniform(-1, 1, (3,))):
        am.manual_seed(123)
        a = fn().numpy()
        am.manual_seed(123)
        b = fn().numpy()
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(am.randn(5).numpy(), am.randn(5).numpy())
    np.testing.assert_array_equal(am.randn(3, rng=7).numpy(), am.randn(3, rng=np.random.default_rng(7)).numpy())


def test_randint_normal_uniform_ranges_and_shapes():
    r = am.randint(3, 7, (1000,))
    assert r.dtype == np.int64 and r.numpy().min() >= 3 and r.numpy().max() <= 6 and len(set(r.tolist())) == 4
    assert am.randint(5, (2, 3)).shape == (2, 3) and am.randint(5, (4,)).numpy().max() < 5
    assert am.randint(5, (3,), dtype=np.int32).dtype == np.int32
    n = am.normal(2.0, 0.5, (20000,), dtype=np.float64).numpy()
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    mean = Tensor(np.array([0.0, 100.0]))
    m = am.normal(mean, 1.0)
    assert m.shape == (2,) and m.dtype == np.float64 and abs(m.numpy()[1] - 100) < 6
    u = am.uniform(-2.0, 3.0, (20000,)).numpy()
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.05
    with pytest.raises(ValueError, match="randint"):
        am.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint"):
        am.randint(5)
    with pytest.raises(ValueError, match="normal"):
        am.normal(0.0, -1.0, (2,))
    with pytest.raises(ValueError, match="uniform"):
        am.uniform(1.0, 0.0, (2,))


@needs_torch
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch_and_is_differentiable(indexing):
    a, b, c = np.arange(2.0), np.arange(3.0) * 10, np.arange(4.0) * 100
    ours = am.meshgrid(Tensor(a), Tensor(b), Tensor(c), indexing=indexing)
    theirs = torch.meshgrid(torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c), indexing=indexing)
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    pair = am.meshgrid([Tensor(a), Tensor(b)], indexing=indexing)
    assert [p.shape for p in pair] == [tuple(t.shape) for t in torch.meshgrid(torch.from_numpy(a), torch.from_numpy(b), indexing=indexing)]
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    assert gradcheck(lambda x, y: am.meshgrid(x, y, indexing=indexing)[0] * am.meshgrid(x, y, indexing=indexing)[1] ** 2, (x, y))
    assert am.meshgrid(Tensor(a), indexing=indexing)[0].shape == (2,)
    with pytest.raises(ValueError, match="meshgrid"):
        am.meshgrid(Tensor(a), indexing="yx")
    with pytest.raises(ValueError, match="meshgrid"):
        am.meshgrid(Tensor(np.ones((2, 2))), Tensor(a))


@needs_torch
def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    ours = am.one_hot(Tensor(idx))
    theirs = torch.nn.functional.one_hot(torch.from_numpy(idx))
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(am.one_hot(Tensor(idx), 6).numpy(), torch.nn.functional.one_hot(torch.from_numpy(idx), 6).numpy())
    assert am.one_hot(Tensor(np.array(2)), 3).tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="one_hot"):
        am.one_hot(Tensor(np.array([0, 3])), 3)
    with pytest.raises(ValueError, match="one_hot"):
        am.one_hot(Tensor(np.array([-1, 0])), 3)
    with pytest.raises(TypeError, match="one_hot"):
        am.one_hot(Tensor(np.array([0.0, 1.0])), 3)
    from autograd_mini.data import one_hot as data_one_hot  # the data helper stays
    assert callable(data_one_hot)
