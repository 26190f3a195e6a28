"""einsum: forward against numpy and torch.einsum, gradcheck and gradgradcheck of every operand over many subscripts
(matmul, batch matmul, outer, trace, diagonal, transpose, bilinear, ellipsis with broadcasting, summed-away indices)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import ShapeError, Tensor, gradcheck, gradgradcheck
from autograd_mini.testing import tensors

try:
    import torch
except ImportError:  # pragma: no cover - the PyTorch comparisons skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# subscripts and a shape builder from index sizes (drawn per example)
CASES = [
    ("ij,jk->ik",            lambda s: [(s["i"], s["j"]), (s["j"], s["k"])]),              # matmul
    ("bij,bjk->bik",         lambda s: [(s["b"], s["i"], s["j"]), (s["b"], s["j"], s["k"])]),
    ("i,j->ij",              lambda s: [(s["i"],), (s["j"],)]),                            # outer
    ("i,i->",                lambda s: [(s["i"],), (s["i"],)]),                            # dot
    ("ii->",                 lambda s: [(s["i"], s["i"])]),                                # trace
    ("ii",                   lambda s: [(s["i"], s["i"])]),                                # implicit trace
    ("ii->i",                lambda s: [(s["i"], s["i"])]),                                # diagonal
    ("iij,jk->ik",           lambda s: [(s["i"], s["i"], s["j"]), (s["j"], s["k"])]),
    ("iji->j",               lambda s: [(s["i"], s["j"], s["i"])]),
    ("ij->ji",               lambda s: [(s["i"], s["j"])]),                                # transpose
    ("ji",                   lambda s: [(s["i"], s["j"])]),                                # implicit transpose
    ("ij->",                 lambda s: [(s["i"], s["j"])]),
    ("ij,k->ik",             lambda s: [(s["i"], s["j"]), (s["k"],)]),                     # j summed in one operand
    ("bi,ij,bj->b",          lambda s: [(s["b"], s["i"]), (s["i"], s["j"]), (s["b"], s["j"])]),  # bilinear
    ("ijk,ikl,l->ij",        lambda s: [(s["i"], s["j"], s["k"]), (s["i"], s["k"], s["l"]), (s["l"],)]),
    ("...ij,...jk->...ik",   lambda s: [(s["b"], 1, s["i"], s["j"]), (s["k"], s["j"], s["l"])]),  # broadcast batch
    ("...i,...i",            lambda s: [(s["b"], 1, s["i"]), (s["k"], s["i"])]),
    ("i...->...",            lambda s: [(s["i"], s["j"], s["k"])]),
    ("...ii->...i",          lambda s: [(s["b"], s["i"], s["i"])]),
    ("bA,Ab->b",             lambda s: [(s["b"], s["i"]), (s["i"], s["b"])]),              # upper-case indices
]


@pytest.mark.parametrize("subscripts, shapes", CASES, ids=[c[0] for c in CASES])
@given(data=st.data())
def test_einsum(subscripts, shapes, data):
    sizes = {c: data.draw(st.integers(1, 3), label=c) for c in "bijkl"}
    xs = [data.draw(tensors(shape), label=f"x{n}") for n, shape in enumerate(shapes(sizes))]
    y = am.einsum(subscripts, *xs)
    ref = np.einsum(subscripts, *[x.numpy() for x in xs])
    assert y.shape == ref.shape
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *a: am.einsum(subscripts, *a), tuple(xs))
    assert gradgradcheck(lambda *a: am.einsum(subscripts, *a), tuple(xs))


@needs_torch
@pytest.mark.parametrize("subscripts, shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_like_torch(subscripts, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes(dict(b=2, i=3, j=4, k=2, l=3))]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = am.einsum(subscripts, *xs), torch.einsum(subscripts, *ts)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = rng.standard_normal(y.shape)
    (y * w).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_einsum_operands_as_a_list_and_float32():
    a = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones((3,), dtype=np.float32))
    y = am.einsum("ij,j->i", [a, b])
    assert y.dtype == np.float32 and y.numpy().tolist() == [3.0, 3.0]
    y.sum().backward()
    assert a.grad.dtype == np.float32


def test_einsum_errors():
    a = Tensor(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="name 2 operands, got 1"):
        am.einsum("ij,jk->ik", a)
    with pytest.raises(ShapeError, match="name 3 dimensions but the operand has shape"):
        am.einsum("ijk->i", a)
    with pytest.raises(ShapeError, match="einsum 'ij,ij->i'"):
        am.einsum("ij,ij->i", a, Tensor(np.ones((3, 3))))
    with pytest.raises(TypeError, match="subscripts string"):
        am.einsum(a, a)
