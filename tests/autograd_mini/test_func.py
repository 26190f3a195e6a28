"""autograd_mini.func: every transform against central finite differences (float64) and against torch.func.

The test functions are written once for both libraries: ``f(x, m)`` with ``m`` the module (autograd_mini or
torch), so the same formula is compared value for value.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import func
from autograd_mini.testing import tensors

try:
    import torch
    import torch.func as tfunc
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = tfunc = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

values = tensors(elements=(-2, 2), min_dims=0, max_dims=2, max_side=3, requires_grad=False)
vectors = tensors(elements=(-2, 2), min_dims=1, max_dims=1, max_side=4, requires_grad=False)

# scalar functions of one tensor (any shape)
SCALAR = {
    "tanh_x": lambda x, m: (m.tanh(x) * x).sum(),
    "exp_sq": lambda x, m: m.exp(-(x * x)).sum() * (x.sum() + 1),
    "sigmoid_cube": lambda x, m: (m.sigmoid(x) * x ** 3).sum(),
}
# tensor -> tensor functions (any shape)
VECTOR = {
    "elementwise": lambda x, m: m.tanh(x) * x,
    "coupled": lambda x, m: m.sigmoid(x) * (x * x).sum(),
    "reduced": lambda x, m: (m.exp(x * 0.5) * x).sum() + x * 0,
}


def am_fn(f):
    return lambda *xs: f(*xs, am)


def torch_fn(f):
    return lambda *xs: f(*xs, torch)


def T(x):
    return torch.tensor(np.asarray(x, dtype=np.float64))


def arr(t):
    return np.asarray(t.data if isinstance(t, am.Tensor) else t)


def numeric_jacobian(f, x, eps=1e-6):
    """d f / d x of shape f(x).shape + x.shape by central differences (f on ndarrays, no graph)."""
    x = np.array(x, dtype=np.float64)
    with am.no_grad():
        y0 = arr(f(am.Tensor(x)))
    jac = np.zeros(y0.shape + x.shape)
    flat = x.reshape(-1)
    for e in range(flat.size):
        old = flat[e]
        flat[e] = old + eps
        with am.no_grad():
            plus = arr(f(am.Tensor(x)))
        flat[e] = old - eps
        with am.no_grad():
            minus = arr(f(am.Tensor(x)))
        flat[e] = old
        jac[(Ellipsis,) + np.unravel_index(e, x.shape)] = (plus - minus) / (2 * eps)
    return jac


def close(a, b, tol=1e-6):
    np.testing.assert_allclose(arr(a), arr(b), rtol=tol, atol=tol)


# ----- against finite differences ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SCALAR))
@given(x=values)
def test_grad_matches_finite_differences(name, x):
    f = am_fn(SCALAR[name])
    g = func.grad(f)(x.data)
    assert isinstance(g, am.Tensor) and g.shape == x.shape
    close(g, numeric_jacobian(f, x.data))


@pytest.mark.parametrize("name", sorted(VECTOR))
@given(x=values)
def test_jacrev_and_jacfwd_match_finite_differences(name, x):
    f = am_fn(VECTOR[name])
    jn = numeric_jacobian(f, x.data)
    for jac in (func.jacrev, func.jacfwd):
        j = jac(f)(x)
        assert j.shape == x.shape + x.shape
        close(j, jn)


@pytest.mark.parametrize("name", sorted(SCALAR))
@given(x=values)
def test_hessian_matches_finite_differences_and_compositions(name, x):
    f = am_fn(SCALAR[name])
    h = func.hessian(f)(x)
    assert h.shape == x.shape + x.shape
    close(h, numeric_jacobian(func.grad(f), x.data), tol=1e-5)
    close(func.jacfwd(func.jacrev(f))(x), h, tol=1e-10)
    close(func.jacrev(func.jacrev(f))(x), h, tol=1e-10)
    close(func.jacfwd(func.grad(f))(x), h, tol=1e-10)


@pytest.mark.parametrize("name", sorted(VECTOR))
@given(x=values, seed=st.integers(0, 2 ** 16))
def test_jvp_and_vjp_are_jacobian_products(name, x, seed):
    f = am_fn(VECTOR[name])
    rng = np.random.default_rng(seed)
    v, u = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    jn = numeric_jacobian(f, x.data).reshape(x.size, x.size)
    out, jv = func.jvp(f, (x,), (v,))
    close(out, arr(f(x)))
    close(jv, (jn @ v.reshape(-1)).reshape(x.shape))
    out, vjp_fn = func.vjp(f, x)
    for _ in range(2):  # the graph is kept: vjp_fn can be called again
        (uj,) = vjp_fn(u)
        close(uj, (u.reshape(-1) @ jn).reshape(x.shape))


@pytest.mark.parametrize("name", sorted(SCALAR))
@given(x=values, seed=st.integers(0, 2 ** 16))
def test_hvp_and_vhp_match_hessian_products(name, x, seed):
    f = am_fn(SCALAR[name])
    v = np.random.default_rng(seed).standard_normal(x.shape)
    hn = numeric_jacobian(func.grad(f), x.data).reshape(x.size, x.size)
    for op in (func.hvp, func.vhp):
        out, hv = op(f, x, v)
        close(out, arr(f(x)))
        close(hv, (hn @ v.reshape(-1)).reshape(x.shape), tol=1e-5)


def test_gradcheck_through_transforms():
    """The transforms' results are differentiable functions of their inputs: gradcheck and gradgradcheck."""
    f = am_fn(SCALAR["sigmoid_cube"])
    x = am.Tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    assert am.gradcheck(func.grad(f), [x])
    assert am.gradgradcheck(func.grad(f), [x])
    assert am.gradcheck(lambda t: func.jacrev(am_fn(VECTOR["coupled"]))(t), [x])
    assert am.gradcheck(lambda t: func.hvp(f, t, np.ones((2, 3)))[1], [x])
    assert am.gradcheck(lambda t: func.jvp(am_fn(VECTOR["coupled"]), (t,), (np.ones((2, 3)),))[1], [x])


def test_nested_grad_gives_higher_derivatives():
    f = lambda x: x ** 4  # noqa: E731
    d3 = func.grad(func.grad(func.grad(f)))
    for x in (0.5, -1.5, 2.0):
        assert np.isclose(float(d3(np.float64(x))), 24 * x)
    g = func.grad(lambda x: func.grad(lambda y: (x * y * y).sum())(np.ones(3)).sum())  # inner closes over x
    close(g(np.array([1.0, 2.0, 3.0])), np.full(3, 2.0))  # d/dx sum(2 x y) at y = 1


def test_vmap_matches_a_loop_and_composes():
    rng = np.random.default_rng(0)
    xs, w = rng.standard_normal((5, 3)), rng.standard_normal(3)
    f = lambda x, w: am.tanh(x * w).sum()  # noqa: E731
    close(func.vmap(f, in_dims=(0, None))(xs, w), [float(f(am.Tensor(x), w)) for x in xs])
    per_example = func.vmap(func.grad(f), in_dims=(0, None))(xs, w)
    close(per_example, np.stack([arr(func.grad(f)(x, w)) for x in xs]))
    # in_dims 1 and out_dims 1, tuple outputs
    a, b = func.vmap(lambda x: (x * 2, x.sum()), in_dims=1, out_dims=(1, 0))(xs)
    close(a, xs * 2)
    close(b, xs.sum(axis=0))
    # differentiating through vmap
    close(func.grad(lambda x: func.vmap(lambda r: (r * r).sum())(x).sum())(xs), 2 * xs)
    assert func.jacrev(func.vmap(lambda r: am.tanh(r)))(xs).shape == (5, 3, 5, 3)


# ----- against torch.func --------------------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("name", sorted(SCALAR))
@given(x=values, seed=st.integers(0, 2 ** 16))
def test_scalar_transforms_match_torch(name, x, seed):
    f = SCALAR[name]
    v = np.random.default_rng(seed).standard_normal(x.shape)
    xt = T(x.data)
    close(func.grad(am_fn(f))(x), tfunc.grad(torch_fn(f))(xt).numpy(), tol=1e-10)
    close(func.hessian(am_fn(f))(x), tfunc.hessian(torch_fn(f))(xt).numpy(), tol=1e-10)
    out, hv = func.hvp(am_fn(f), x, v)
    tout, thv = torch.autograd.functional.hvp(torch_fn(f), xt, T(v))
    close(out, tout.numpy(), tol=1e-10)
    close(hv, thv.numpy(), tol=1e-10)
    close(func.vhp(am_fn(f), x, v)[1], torch.autograd.functional.vhp(torch_fn(f), xt, T(v))[1].numpy(), tol=1e-10)


@needs_torch
@pytest.mark.parametrize("name", sorted(VECTOR))
@given(x=values, seed=st.integers(0, 2 ** 16))
def test_vector_transforms_match_torch(name, x, seed):
    f = VECTOR[name]
    v = np.random.default_rng(seed).standard_normal(x.shape)
    xt = T(x.data)
    tj = tfunc.jacrev(torch_fn(f))(xt).numpy()
    close(func.jacrev(am_fn(f))(x), tj, tol=1e-10)
    close(func.jacfwd(am_fn(f))(x), tfunc.jacfwd(torch_fn(f))(xt).numpy(), tol=1e-10)
    out, jv = func.jvp(am_fn(f), (x,), (v,))
    tout, tjv = tfunc.jvp(torch_fn(f), (xt,), (T(v),))
    close(out, tout.numpy(), tol=1e-10)
    close(jv, tjv.numpy(), tol=1e-10)
    (uj,) = func.vjp(am_fn(f), x)[1](v)
    close(uj, tfunc.vjp(torch_fn(f), xt)[1](T(v))[0].numpy(), tol=1e-10)


@needs_torch
@given(xs=tensors(elements=(-2, 2), shape=st.tuples(st.integers(1, 4), st.integers(1, 3)), requires_grad=False),
       w=vectors)
def test_vmap_of_grad_matches_torch(xs, w):
    n = xs.shape[1]
    w = np.resize(w.data, n)
    f = lambda x, w, m: (m.tanh(x * w) * x).sum()  # noqa: E731
    ours = func.vmap(func.grad(am_fn(f), argnums=(0, 1)), in_dims=(0, None))(xs, w)
    theirs = tfunc.vmap(tfunc.grad(torch_fn(f), argnums=(0, 1)), in_dims=(0, None))(T(xs.data), T(w))
    for a, b in zip(ours, theirs):
        close(a, b.numpy(), tol=1e-10)


@needs_torch
def test_multiple_argnums_and_outputs_match_torch():
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal(3), rng.standard_normal((2, 3))
    f = lambda x, W, m: (m.tanh(W @ x), (x * x).sum())  # noqa: E731
    ours = func.jacrev(am_fn(f), argnums=(0, 1))(x, W)
    theirs = tfunc.jacrev(torch_fn(f), argnums=(0, 1))(T(x), T(W))
    fwd = func.jacfwd(am_fn(f), argnums=(0, 1))(x, W)
    for k in range(2):
        for i in range(2):
            assert ours[k][i].shape == tuple(theirs[k][i].shape)
            close(ours[k][i], theirs[k][i].numpy(), tol=1e-10)
            close(fwd[k][i], theirs[k][i].numpy(), tol=1e-10)
    s = lambda x, W, m: (m.tanh(W @ x) ** 2).sum() * x.sum()  # noqa: E731
    h = func.hessian(am_fn(s), argnums=(0, 1))(x, W)
    th = tfunc.hessian(torch_fn(s), argnums=(0, 1))(T(x), T(W))
    for i in range(2):
        for j in range(2):
            assert h[i][j].shape == tuple(th[i][j].shape)
            close(h[i][j], th[i][j].numpy(), tol=1e-10)
    g = func.grad(am_fn(s), argnums=(1, 0))(x, W)
    tg = tfunc.grad(torch_fn(s), argnums=(1, 0))(T(x), T(W))
    close(g[0], tg[0].numpy(), tol=1e-10)
    close(g[1], tg[1].numpy(), tol=1e-10)
    g_neg = func.grad(am_fn(s), argnums=-1)(x, W)
    close(g_neg, tg[0].numpy(), tol=1e-10)


# ----- conventions ---------------------------------------------------------------------------------------


def test_has_aux_everywhere():
    x = np.array([1.0, 2.0])
    f = lambda x: ((x * x).sum(), {"double": x * 2})  # noqa: E731
    g, aux = func.grad(f, has_aux=True)(x)
    close(g, 2 * x)
    close(aux["double"], 2 * x)
    assert not aux["double"].requires_grad  # top level: detached from the transform's graph
    (v, aux), g = func.value_and_grad(f, has_aux=True)(x)
    assert float(v) == 5.0 and np.allclose(arr(g), 2 * x)
    g, (v, aux) = func.grad_and_value(f, has_aux=True)(x)
    assert float(v) == 5.0 and np.allclose(arr(g), 2 * x)
    v, g = func.value_and_grad(lambda x: (x * x).sum())(x)
    assert float(v) == 5.0
    h = lambda x: (x * x, "note")  # noqa: E731
    out, vjp_fn, aux = func.vjp(h, x, has_aux=True)
    assert aux == "note"
    close(vjp_fn(np.ones(2))[0], 2 * x)
    out, jv, aux = func.jvp(h, (x,), (np.ones(2),), has_aux=True)
    close(jv, 2 * x)
    j, aux = func.jacrev(h, has_aux=True)(x)
    close(j, np.diag(2 * x))
    j, aux = func.jacfwd(h, has_aux=True)(x)
    close(j, np.diag(2 * x))


def test_unused_arguments_get_zeros():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    f = lambda x, y: (x * x).sum()  # noqa: E731
    gx, gy = func.grad(f, argnums=(0, 1))(x, y)
    close(gy, np.zeros(3))
    close(func.hessian(lambda x: (x * 3).sum() + 1)(x), np.zeros((2, 2)))  # linear: Hessian 0
    close(func.grad(lambda x: am.Tensor(7.0))(x), np.zeros(2))  # constant
    close(func.jacrev(lambda x, y: x * 2, argnums=1)(x, y), np.zeros((2, 3)))
    close(func.jacfwd(lambda x, y: x * 2, argnums=1)(x, y), np.zeros((2, 3)))
    close(func.jvp(lambda x, y: x * 2, (x, y), (x, y))[1], 2 * x)
    close(func.vjp(lambda x, y: x * 2, x, y)[1](np.ones(2))[1], np.zeros(3))
    h = func.hessian(f, argnums=(0, 1))(x, y)
    close(h[0][1], np.zeros((2, 3)))
    close(h[1][1], np.zeros((3, 3)))
    close(func.hvp(lambda x: (x * 3).sum(), x, x)[1], np.zeros(2))


def test_inputs_may_be_arrays_numbers_or_tensors():
    f = lambda x: (x * x * x).sum()  # noqa: E731
    for x in (2.0, 2, np.float64(2.0), np.array(2.0), am.Tensor(np.array(2.0))):
        g = func.grad(f)(x)
        assert isinstance(g, am.Tensor) and float(g) == 12.0
    assert func.grad(f)(2.0).dtype == am.get_default_dtype()
    assert func.grad(f)(np.array([1.0, 2.0])).dtype == np.float64
    assert isinstance(func.vmap(lambda x: x * 2)(np.ones(3)), am.Tensor)


def test_grad_attributes_and_hooks_are_untouched():
    calls = []
    x = am.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.register_hook(lambda g: calls.append(g))
    x.grad = am.Tensor(np.array([5.0, 5.0]))
    W = am.Tensor(np.ones((2, 2)), requires_grad=True)
    f = lambda x: (am.tanh(W @ x) * x).sum()  # noqa: E731
    func.grad(f)(x)
    func.hessian(f)(x)
    close(func.jacrev(lambda x: am.tanh(W @ x))(x.data), np.diag(1 - np.tanh(W.data @ x.data) ** 2) @ W.data)
    close(func.jacrev(lambda x: W @ x)(x), W.data)
    close(func.jacfwd(lambda x: W @ x)(x), W.data)
    func.jvp(f, (x,), (np.ones(2),))
    func.vjp(lambda x: W @ x, x)[1](np.ones(2))
    func.hvp(f, x, np.ones(2))
    func.vmap(func.grad(f))(np.ones((3, 2)))
    assert np.array_equal(x.grad.data, [5.0, 5.0]) and W.grad is None and calls == []


def test_results_follow_the_inputs_graph():
    """A user tensor that requires grad stays connected: the gradient can be differentiated with am.grad."""
    x = am.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    g = func.grad(lambda x: (x ** 3).sum())(x)
    assert g.requires_grad
    (h,) = am.grad(g.sum(), x)
    close(h, 6 * x.data)
    g = func.grad(lambda x: (x ** 3).sum())(x.data)  # top level, plain inputs: a plain value
    assert not g.requires_grad and g.grad_fn is None


def test_works_inside_no_grad():
    x = np.array([1.0, 2.0])
    with am.no_grad():
        g = func.grad(lambda x: (x ** 3).sum())(x)
        h = func.hessian(lambda x: (x ** 3).sum())(x)
        j = func.jacfwd(lambda x: x ** 2)(x)
        y = func.jvp(lambda x: x ** 2, (x,), (x,))[1]
        assert not am.is_grad_enabled()
    close(g, 3 * x ** 2)
    close(h, np.diag(6 * x))
    close(j, np.diag(2 * x))
    close(y, 2 * x * x)
    # no_grad written inside f is respected: that part is a constant
    g = func.grad(lambda x: (x * _const(x)).sum())(x)
    close(g, x)


def _const(x):
    with am.no_grad():
        return x * 1


def test_errors_are_clear():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="scalar.*shape \\(2,\\).*jacrev"):
        func.grad(lambda x: x * 2)(x)
    with pytest.raises(ValueError, match="out of range"):
        func.grad(lambda x: x.sum(), argnums=1)(x)
    with pytest.raises(ValueError, match="same argument twice"):
        func.grad(lambda x, y: x.sum(), argnums=(0, 0))(x, x)
    with pytest.raises(TypeError, match="argnums"):
        func.jacrev(lambda x: x, argnums=[0])(x)
    with pytest.raises(TypeError, match="dtype int64.*floating"):
        func.grad(lambda x: x.sum())(np.array([1, 2]))
    with pytest.raises(ValueError, match="has_aux=True.*pair"):
        func.grad(lambda x: x.sum(), has_aux=True)(x)
    with pytest.raises(ValueError, match="tangent 0 has shape \\(3,\\)"):
        func.jvp(lambda x: x, (x,), (np.ones(3),))
    with pytest.raises(TypeError, match="tuples"):
        func.jvp(lambda x: x, x, np.ones(2))
    with pytest.raises(ValueError, match="2 outputs but got 1"):
        func.vjp(lambda x: (x, x), x)[1]((np.ones(2),))
    with pytest.raises(ValueError, match="different sizes: 2 and 3"):
        func.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="nothing to map"):
        func.vmap(lambda a: a, in_dims=None)(np.ones(2))
    with pytest.raises(ValueError, match="single value"):
        func.hessian(lambda x: x * 2)(x)
    with pytest.raises(TypeError, match="must return a Tensor"):
        func.grad(lambda x: "oops")(x)


# ----- the batched path (func._batched): all Jacobian rows in one walk -----------------------------------

from autograd_mini.func import _batched  # noqa: E402
import nn  # noqa: E402

_W = np.random.default_rng(7).standard_normal((4, 3))
_M3 = np.random.default_rng(8).standard_normal((2, 5, 3))
_Z = np.array([[0.0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 1]])  # zeros (one, several) in rows and columns
# every primitive with a batching rule, alone or in a short composition; x has shape (3, 4), values in [0.5, 2]
BATCHED = {
    "add_sub_neg": lambda x: -(x + x[0]) - 2 * x,
    "mul_div": lambda x: x * x[:, :1] / (x + 1),
    "pow": lambda x: x ** 2.5 + 2.0 ** x + x ** x,
    "exp_log": lambda x: am.exp(x * 0.3) * am.log(x),
    "tanh_sigmoid": lambda x: am.tanh(x) * am.sigmoid(x - 1),
    "relu_abs_clip": lambda x: am.relu(x - 1.2) + am.abs(x - 1.1) * am.clip(x, 0.8, 1.7),
    "maximum_where": lambda x: am.maximum(x, x.T.reshape(3, 4)) + am.where(x > 1.3, x * x, -x),
    "matmul": lambda x: (x @ _W) @ am.tanh(x),
    "matmul_batched": lambda x: _M3 @ am.tanh(x),
    "matmul_vector": lambda x: x @ x[0] + x[1] @ _W,
    "linear": lambda x: nn.functional.linear(x, am.Tensor(_W.T), am.Tensor(np.arange(3.0))),
    "linear_3d": lambda x: nn.functional.linear(x.reshape(3, 2, 2), x[:2, :2]),
    "reshape_transpose": lambda x: x.reshape(2, 6).T * am.transpose(x.reshape(2, 3, 2), 1, 2, 0).reshape(6, 2),
    "broadcast_sum_to": lambda x: am.broadcast_to(x[0], (2, 4)) * am.sum_to(x, (1, 4)),
    "sum_mean": lambda x: x.sum(axis=0) * x.sum(axis=1, keepdims=True) + x.mean(),
    "max_logsumexp": lambda x: x.max(axis=1, keepdims=True) + am.logsumexp(x * x, axis=0) + x.max(),
    "getitem": lambda x: x[1:, ::2] * x[np.array([2, 2])][:, :2] + x[x > 1.2].sum(),
    "concatenate_stack": lambda x: am.concatenate([x, x * x], axis=1) * am.stack([x, -x]).sum(axis=0).sum(),
    "astype": lambda x: am.astype(am.astype(x, np.float32), np.float64) * x,
    "clone": lambda x: am.clone(x) * x[0],
    "softmax_family": lambda x: am.log_softmax(x, axis=1) * am.softmax(x, axis=0),
    "softmax_axes": lambda x: am.softmax(x.reshape(3, 2, 2), dim=1).reshape(3, 4) * am.softmin(x * x, axis=-1),
    "trig": lambda x: am.sin(x) * am.cos(x * x) + am.tan(x * 0.5) + am.atan2(x, x[0] - 1.0),
    "inverse_trig": lambda x: am.asin(x * 0.4) * am.acos(x[0] * 0.3) + am.atan(x * x),
    "hyperbolic": lambda x: am.sinh(x) * am.cosh(x[:, :1]) + am.asinh(x * x) + am.acosh(x + 1.0) * am.atanh(x * 0.4),
    "log_exp_variants": lambda x: am.log1p(x * x) * am.expm1(x - 1.0) + am.log2(x) * am.log10(x[0] + x),
    "erf_erfc_gelu": lambda x: am.erf(x - 1.0) * am.erfc(x * x - 1.5) + nn.functional.gelu(x - 1.2),
    "remainder_fmod": lambda x: am.remainder(x * 3.0, x[0]) + am.fmod(x * x * 3.0, -1.3) * x,
    "prod": lambda x: am.prod(x, axis=1, keepdims=True) * am.prod(x[:, :2]) + am.prod(x, dim=0),
    "prod_with_zeros": lambda x: am.prod(x - x.detach() * _Z, axis=1) * am.prod(x - x.detach() * _Z, dim=0).sum(),
    "cumsum": lambda x: am.cumsum(x, axis=1) * am.cumsum(x, dim=0, reverse=True) + am.cumsum(x)[3],
    "cumprod": lambda x: am.cumprod(x, axis=1) + am.cumprod(x * 0.5, dim=0),
    # NOTE: x - x.detach() * Z is 0 where Z is 1 but still moves with x there (the first-zero derivative counts)
    "cumprod_with_zeros": lambda x: am.cumprod(x - x.detach() * _Z, axis=1) * x + am.cumprod(x - x.detach() * _Z, dim=0),
    "logcumsumexp": lambda x: am.logcumsumexp(x * x, axis=1) * (x[0] - 1.2) + am.logcumsumexp(x * 3.0, dim=0),
    "einsum": lambda x: am.einsum("ij,kj->ik", x, x * x) + am.einsum("ii->i", x[:, :3]).sum()
    + am.einsum("...j,j,ij->...", x, x[0], x),
    "split_chunk_unbind": lambda x: am.split(x, [1, 3], dim=1)[1] * 2.0 + am.unbind(x, 0)[2][:3]
    + am.chunk(x, 2, dim=1)[0].sum(),  # NOTE: outputs unused (no gradient) on purpose
    "split_all_used": lambda x: am.concatenate(am.chunk(x, 2, dim=1)[::-1], axis=1) * am.stack(am.unbind(x, 1), 0).T,
    "cross_entropy_mean": lambda x: nn.functional.cross_entropy(x, np.array([0, 3, 1])) * x,
    "cross_entropy_sum": lambda x: nn.functional.cross_entropy(x * x, np.array([2, 2, 1]), reduction="sum") + x,
    "cross_entropy_none": lambda x: nn.functional.cross_entropy(am.tanh(x), np.array([1, 0, 3]), reduction="none"),
    "bce_with_logits": lambda x: nn.functional.binary_cross_entropy_with_logits(x, am.Tensor(np.eye(3, 4))) * x,
}


def test_jvp_through_logcumsumexp():
    """jvp/jacfwd differentiate the backward at a zero cotangent; LogCumSumExp's backward is then linear in it."""
    x = np.array([0.5, 1.0, 1.5])
    _, jv = func.jvp(lambda x: am.logcumsumexp(x, axis=0), (x,), (np.ones(3),))
    close(jv, np.ones(3))  # each y_i = log sum_{k<=i} exp(x_k): shifting every x by t shifts y by t
    f = lambda x: am.logcumsumexp(x * x, axis=0)
    close(func.jacfwd(f)(x), func.jacrev(f)(x))


def _x34(seed):
    return np.random.default_rng(seed).uniform(0.5, 2.0, (3, 4))


def engine_rows(fn, *args):
    """fn(*args) with the batched path switched off: Jacobians row by row through the engine."""
    _batched.enabled = False
    try:
        return fn(*args)
    finally:
        _batched.enabled = True


@pytest.mark.parametrize("name", sorted(BATCHED))
@settings(max_examples=5)
@given(seed=st.integers(0, 2 ** 16))
def test_batched_jacobians_equal_engine_rows(name, seed):
    f = BATCHED[name]
    x = _x34(seed)
    y = f(am.Tensor(x, requires_grad=True))
    assert _batched.plan([y]) is not None  # NOTE: the batched walk is really the path under test
    assert _batched.batched_vjp(*_one_row(f, x)) is not None  # (and does not give up while walking)
    jac = func.jacrev(f)(x)
    tol = 1e-6 if name == "astype" else 1e-12  # NOTE: float32 rounding of the gradient through the cast
    close(jac, engine_rows(func.jacrev(f), x), tol=tol)
    s = lambda x: (f(x) * am.sigmoid(f(x))).sum()  # noqa: E731  second order: the backward's own primitives
    if name == "cumprod_with_zeros":  # NOTE: differentiating cumprod's backward at a zero raises (not wrong values)
        for transform in (func.jacfwd(f), func.hessian(s)):
            with pytest.raises(NotImplementedError, match="cumprod: the second derivative"):
                transform(x)
    else:
        close(func.jacfwd(f)(x), jac, tol=tol)
        close(engine_rows(func.jacfwd(f), x), jac, tol=tol)
        close(func.hessian(s)(x), engine_rows(func.hessian(s), x), tol=max(tol, 1e-10))
    if name in ("exp_log", "linear", "matmul", "getitem", "trig", "hyperbolic", "log_exp_variants", "erf_erfc_gelu",
                "cumprod", "logcumsumexp", "einsum", "split_chunk_unbind", "softmax_axes"):
        close(jac, numeric_jacobian(f, x), tol=1e-6)


def _one_row(f, x):
    """Arguments of batched_vjp for the first Jacobian row of f at x."""
    xt = am.Tensor(x, requires_grad=True)
    y = f(xt)
    seeds = np.zeros((1,) + y.shape)
    seeds.reshape(-1)[0] = 1.0
    return y, seeds, [xt], _batched.plan([y])


def test_batched_chunks_give_the_same_jacobian(monkeypatch):
    f = BATCHED["matmul"]
    x = _x34(0)
    expected = engine_rows(func.jacrev(f), x)
    monkeypatch.setattr(_batched, "CHUNK_ELEMENTS", 25)  # several chunks of a few rows each
    assert _batched.chunk_size(_batched.plan([f(am.Tensor(x, requires_grad=True))]), 12) < 12
    close(func.jacrev(f)(x), expected, tol=1e-12)
    monkeypatch.undo()
    close(func.jacrev(f, chunk_size=5)(x), expected, tol=1e-12)  # torch.func's argument: rows per walk
    close(func.jacrev(f, chunk_size=1)(x), expected, tol=1e-12)
    with pytest.raises(ValueError, match="chunk_size"):
        func.jacrev(f, chunk_size=0)


def test_batched_falls_back_to_the_engine():
    x = _x34(1)
    # a primitive without a batching rule (a user's Function)
    class Cube(am.Function):
        @staticmethod
        def forward(ctx, a):
            return a ** 3

        @staticmethod
        def backward(ctx, gy):
            return gy * 3 * ctx.inputs[0] ** 2

    cube = lambda x: Cube.apply(x) * x[:, :1]  # noqa: E731
    assert _batched.plan([cube(am.Tensor(x, requires_grad=True))]) is None
    close(func.jacrev(cube)(x), numeric_jacobian(cube, x))
    close(func.hessian(lambda x: Cube.apply(x).sum())(x).data.reshape(12, 12), np.diag(6 * x.reshape(-1)))
    # a primitive without a batching rule in a graph: pad
    padded = lambda x: am.tanh(nn.functional.pad(x, (1, 2))) * x[0, 0]  # noqa: E731
    assert _batched.plan([padded(am.Tensor(x, requires_grad=True))]) is None
    close(func.jacrev(padded)(x), numeric_jacobian(padded, x))
    # two advanced indices (numpy would move the batch axis): found while walking, then the engine runs
    two = lambda x: x[np.array([0, 2]), np.array([1, 3])] * x[0, :2]  # noqa: E731
    close(func.jacrev(two)(x), numeric_jacobian(two, x))
    # a hook on an intermediate tensor runs once per row, with the unbatched gradient
    seen = []

    def hooked(x):
        h = x * 2
        if h.requires_grad:  # NOTE: not in numeric_jacobian's no_grad() calls
            h.register_hook(lambda g: seen.append(g.shape))
        return am.tanh(h)

    close(func.jacrev(hooked)(x), numeric_jacobian(hooked, x))
    assert seen and set(seen) == {(3, 4)}


def test_tuple_outputs_and_primals():
    x, y = np.array([1.0, 2.0]), np.array([3.0])
    f = lambda x, y: (x * y, (x * x).sum() * y)  # noqa: E731
    (a, b), vjp_fn = func.vjp(f, x, y)
    gx, gy = vjp_fn((np.ones(2), np.ones(1)))
    close(gx, y + 2 * x * y)  # d/dx [sum(x y) + sum(x^2) y]
    close(gy, x.sum() + (x * x).sum())
    out, (jx, jy) = func.jvp(f, (x, y), (np.array([1.0, 0.0]), np.zeros(1)))
    close(jx, [3.0, 0.0])
    close(jy, [6.0])  # d/dx1 of sum(x^2) y = 2 x1 y
    s = lambda x, y: (x * x * y).sum()  # noqa: E731
    value, (hx, hy) = func.hvp(s, (x, y), (np.array([1.0, 0.0]), np.ones(1)))
    close(hx, [2 * 3.0 + 2 * 1.0, 2 * 2.0])  # H = [[2y, 0, 2x1], [0, 2y, 2x2], [2x1, 2x2, 0]]
    close(hy, [2 * 1.0])
    close(func.vhp(s, (x, y), (np.array([1.0, 0.0]), np.ones(1)))[1][0], hx)


def test_a_saved_tensor_changed_in_place_raises_on_both_paths():
    def f(x):
        c = am.Tensor(np.array([1.0, 2.0]))
        y = am.tanh(x) * c  # Mul saves c
        c.add_(1)  # changed after use: the Jacobian would be computed with the wrong c
        return y

    y = f(am.Tensor(np.zeros(2), requires_grad=True))
    assert _batched.plan([y]) is not None
    with pytest.raises(RuntimeError, match="modified in place"):
        func.jacrev(f)(np.zeros(2))
    with pytest.raises(RuntimeError, match="modified in place"):
        engine_rows(func.jacrev(f), np.zeros(2))
