"""The op table: every primitive and public function, forward against NumPy, gradcheck and gradgradcheck.

Each row names an op once, with its NumPy reference and the values it is tested on (kept away from kinks,
ties and domain edges). Kink and tie conventions are pinned down by explicit example tests at the end.
"""
import contextlib
import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, basic_indices, integer_array_indices, mutually_broadcastable_shapes

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck
from autograd_mini.ops import linalg
from autograd_mini.testing import axis_and_keepdims, distinct_values, matmul_shapes, tensors, valid_axes


def assert_forward(y, expected):
    """y is a Tensor with the shape, dtype and values of the NumPy result."""
    expected = np.asarray(expected)
    assert isinstance(y, Tensor)
    assert y.shape == expected.shape
    assert y.dtype == expected.dtype
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-12)


def check(fn, inputs, expected, second_order=True):
    """The whole contract of one op at one input: forward value, first and second derivatives."""
    assert_forward(fn(*inputs), expected)
    assert gradcheck(fn, inputs)
    if second_order:
        assert gradgradcheck(fn, inputs)


def ids(table):
    return [row[0] for row in table]


# ***** elementwise functions of one tensor *****

UNARY = [
    # name            ours                               numpy reference                            values
    ("neg",           am.neg,                            np.negative,                               {}),
    ("-x",            lambda x: -x,                      np.negative,                               {}),
    ("exp",           am.exp,                            np.exp,                                    dict(elements=(-5, 5))),
    ("log",           am.log,                            np.log,                                    dict(elements=(0.1, 10))),
    ("sqrt",          am.sqrt,                           np.sqrt,                                   dict(elements=(0.1, 10))),
    ("abs",           am.abs,                            np.abs,                                    dict(avoid=0)),
    ("tanh",          am.tanh,                           np.tanh,                                   dict(elements=(-4, 4))),
    ("sigmoid",       am.sigmoid,                        lambda x: 1 / (1 + np.exp(-x)),            dict(elements=(-8, 8))),
    ("relu",          am.relu,                           lambda x: np.maximum(x, 0),                dict(avoid=0)),
    ("leaky_relu",    am.leaky_relu,                     lambda x: np.where(x > 0, x, 0.01 * x),    dict(avoid=0)),
    ("leaky_relu_.2", lambda x: am.leaky_relu(x, 0.2),   lambda x: np.where(x > 0, x, 0.2 * x),     dict(avoid=0)),
    ("clip",          lambda x: am.clip(x, -1, 2),       lambda x: np.clip(x, -1, 2),               dict(avoid=(-1, 2))),
    ("clip_min",      lambda x: am.clip(x, min=0.5),     lambda x: np.clip(x, 0.5, None),           dict(avoid=0.5)),
    ("clip_max",      lambda x: am.clip(x, max=-0.5),    lambda x: np.clip(x, None, -0.5),          dict(avoid=-0.5)),
    ("x**2",          lambda x: x ** 2,                  lambda x: x ** 2,                          {}),
    ("x**3",          lambda x: x ** 3,                  lambda x: x ** 3,                          dict(elements=(-5, 5))),
    ("x**-1",         lambda x: x ** -1,                 lambda x: x ** -1.0,                       dict(elements=(-3, 3), avoid=0, margin=0.5)),
    ("x**0.5",        lambda x: x ** 0.5,                np.sqrt,                                   dict(elements=(0.1, 10))),
    ("x**-1.5",       lambda x: x ** -1.5,               lambda x: x ** -1.5,                       dict(elements=(0.2, 5))),
    ("pow(x,3)",      lambda x: am.pow(x, 3),            lambda x: x ** 3,                          dict(elements=(-5, 5))),
    ("2**x",          lambda x: 2 ** x,                  lambda x: 2.0 ** x,                        dict(elements=(-5, 5))),
    ("0.5**x",        lambda x: 0.5 ** x,                lambda x: 0.5 ** x,                        dict(elements=(-5, 5))),
    ("pow(3,x)",      lambda x: am.pow(3, x),            lambda x: 3.0 ** x,                        dict(elements=(-3, 3))),
    ("x*x",           lambda x: x * x,                   lambda x: x * x,                           {}),
    ("1/x",           lambda x: 1 / x,                   lambda x: 1 / x,                           dict(elements=(-3, 3), avoid=0, margin=0.5)),
    ("x-1",           lambda x: x - 1,                   lambda x: x - 1,                           {}),
    ("1-x",           lambda x: 1 - x,                   lambda x: 1 - x,                           {}),
]


@pytest.mark.parametrize("name, op, ref, values", UNARY, ids=ids(UNARY))
@given(data=st.data())
def test_unary(name, op, ref, values, data):
    x = data.draw(tensors(**values), label="x")
    check(op, (x,), ref(x.numpy()))


# ***** elementwise functions of two tensors (same shape here; broadcasting in test_broadcast.py) *****

BINARY = [
    # name        ours                     numpy reference   values of a                values of b
    ("add",       am.add,                  np.add,           {},                        {}),
    ("a+b",       lambda a, b: a + b,      np.add,           {},                        {}),
    ("sub",       am.sub,                  np.subtract,      {},                        {}),
    ("a-b",       lambda a, b: a - b,      np.subtract,      {},                        {}),
    ("mul",       am.mul,                  np.multiply,      {},                        {}),
    ("a*b",       lambda a, b: a * b,      np.multiply,      {},                        {}),
    ("div",       am.div,                  np.divide,        {},                        dict(elements=(-3, 3), avoid=0, margin=0.5)),
    ("a/b",       lambda a, b: a / b,      np.divide,        {},                        dict(elements=(-3, 3), avoid=0, margin=0.5)),
    ("pow",       am.pow,                  np.power,         dict(elements=(0.5, 3)),   dict(elements=(-2, 2))),
    ("a**b",      lambda a, b: a ** b,     np.power,         dict(elements=(0.5, 3)),   dict(elements=(-2, 2))),
    # the gradient nodes of tanh and sigmoid, as functions of gy and of the output y: their first derivatives
    # are the activations' second derivatives, their second derivatives the third
    ("tanh_grad",    am.ops.TanhGrad.apply,    lambda gy, y: gy * (1 - y * y),   {},   dict(elements=(-1, 1))),
    ("sigmoid_grad", am.ops.SigmoidGrad.apply, lambda gy, y: gy * y * (1 - y),   {},   dict(elements=(0, 1))),
]


@pytest.mark.parametrize("name, op, ref, a_values, b_values", BINARY, ids=ids(BINARY))
@given(data=st.data())
def test_binary(name, op, ref, a_values, b_values, data):
    a = data.draw(tensors(**a_values), label="a")
    b = data.draw(tensors(a.shape, **b_values), label="b")
    check(op, (a, b), ref(a.numpy(), b.numpy()))


@pytest.mark.parametrize("op, ref", [(am.maximum, np.maximum), (am.minimum, np.minimum)], ids=["maximum", "minimum"])
@given(a=tensors(), data=st.data())
def test_maximum_minimum(op, ref, a, data):
    gap = data.draw(tensors(a.shape, elements=(-5, 5), avoid=0, margin=1e-2, requires_grad=False), label="b - a")
    b = Tensor(a.numpy() + gap.numpy(), requires_grad=True)  # NOTE: no ties; the tie rule is tested below
    check(op, (a, b), ref(a.numpy(), b.numpy()))


@given(a=tensors(), data=st.data())
def test_where(a, data):
    b = data.draw(tensors(a.shape), label="b")
    cond = data.draw(arrays(np.bool_, a.shape), label="cond")
    check(lambda a, b: am.where(cond, a, b), (a, b), np.where(cond, a.numpy(), b.numpy()))
    check(lambda a, b: am.where(Tensor(cond), a, b), (a, b), np.where(cond, a.numpy(), b.numpy()))


# ***** reductions *****

REDUCTIONS = [
    # name          ours                                            numpy reference                                                   values                  needs n >
    ("sum",         lambda x, ax, kd: am.sum(x, ax, kd),            lambda x, ax, kd: np.sum(x, axis=ax, keepdims=kd),                tensors(),              0),
    (".sum",        lambda x, ax, kd: x.sum(axis=ax, keepdims=kd),  lambda x, ax, kd: np.sum(x, axis=ax, keepdims=kd),                tensors(),              0),
    ("mean",        lambda x, ax, kd: am.mean(x, ax, kd),           lambda x, ax, kd: np.mean(x, axis=ax, keepdims=kd),               tensors(),              0),
    ("max",         lambda x, ax, kd: am.max(x, ax, kd),            lambda x, ax, kd: np.max(x, axis=ax, keepdims=kd),                distinct_values(),      0),
    ("min",         lambda x, ax, kd: am.min(x, ax, kd),            lambda x, ax, kd: np.min(x, axis=ax, keepdims=kd),                distinct_values(),      0),
    ("var",         lambda x, ax, kd: am.var(x, ax, kd),            lambda x, ax, kd: np.var(x, axis=ax, keepdims=kd),                tensors(),              0),
    ("var_ddof1",   lambda x, ax, kd: am.var(x, ax, kd, ddof=1),    lambda x, ax, kd: np.var(x, axis=ax, keepdims=kd, ddof=1),        tensors(),              1),
    ("std",         lambda x, ax, kd: am.std(x, ax, kd),            lambda x, ax, kd: np.std(x, axis=ax, keepdims=kd),                distinct_values(),      1),
    ("std_ddof1",   lambda x, ax, kd: x.std(ax, kd, ddof=1),        lambda x, ax, kd: np.std(x, axis=ax, keepdims=kd, ddof=1),        distinct_values(),      1),
    ("logsumexp",   lambda x, ax, kd: am.logsumexp(x, ax, kd),      lambda x, ax, kd: np.log(np.sum(np.exp(x), axis=ax, keepdims=kd)), tensors(),             0),
]


@pytest.mark.parametrize("name, op, ref, values, min_count", REDUCTIONS, ids=ids(REDUCTIONS))
@given(data=st.data())
def test_reduction(name, op, ref, values, min_count, data):
    x = data.draw(values, label="x")
    axis, keepdims = data.draw(axis_and_keepdims(x.ndim), label="axis, keepdims")
    reduced = range(x.ndim) if axis is None else np.atleast_1d(axis) % max(x.ndim, 1)
    assume(np.prod([x.shape[a] for a in reduced], dtype=int) > min_count)
    check(lambda x: op(x, axis, keepdims), (x,), ref(x.numpy(), axis, keepdims))


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


SOFTMAX = [
    # name            ours                                   numpy reference
    ("softmax",       lambda x, ax: am.softmax(x, ax),       _softmax),
    (".softmax",      lambda x, ax: x.softmax(axis=ax),      _softmax),
    ("log_softmax",   lambda x, ax: am.log_softmax(x, ax),   _log_softmax),
    (".log_softmax",  lambda x, ax: x.log_softmax(axis=ax),  _log_softmax),
]


@pytest.mark.parametrize("name, op, ref", SOFTMAX, ids=ids(SOFTMAX))
@given(x=tensors(min_dims=1), data=st.data())
def test_softmax(name, op, ref, x, data):
    axis = data.draw(valid_axes(x.ndim, single=True), label="axis")
    check(lambda x: op(x, axis), (x,), ref(x.numpy(), axis))


@pytest.mark.parametrize("name, op, ref", SOFTMAX, ids=ids(SOFTMAX))
def test_softmax_is_stable_for_huge_logits(name, op, ref):
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4 - 1, 3.0]])
    w = np.random.default_rng(0).standard_normal(x.shape)
    for dtype in (np.float32, np.float64):
        t = Tensor(x.astype(dtype), requires_grad=True)
        y = op(t, -1)
        y.backward(w.astype(dtype))
        assert y.dtype == dtype and t.grad.dtype == dtype
        assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(t.grad.numpy()))
    check(lambda t: op(t, -1), (Tensor(x, requires_grad=True),), ref(x, -1))


def test_logsumexp_is_stable_for_huge_logits():
    x = Tensor(np.array([1e4, 1e4, -1e4]), requires_grad=True)
    y = am.logsumexp(x)
    assert np.isfinite(y.item()) and y.item() == pytest.approx(1e4 + np.log(2))
    assert gradcheck(am.logsumexp, (x,))


# ***** shapes and indexing: each op takes parameters drawn for the shape of x *****


def _reshape_target(shape):
    n = int(np.prod(shape, dtype=int))
    target = st.sampled_from([(n,), tuple(reversed(shape)), (1,) + tuple(shape), (n, 1)])
    return st.one_of(target, target.map(lambda t: (-1,) + t[1:] if t else t))


def _two_axes(shape):
    return st.tuples(valid_axes(len(shape), single=True), valid_axes(len(shape), single=True))


def _start_end(shape):
    return _two_axes(shape).map(lambda p: tuple(sorted(p, key=lambda a: a % len(shape))))


def _broadcast_target(shape):
    return mutually_broadcastable_shapes(num_shapes=1, base_shape=shape, max_side=3).map(lambda r: r.result_shape)


def _sum_to_target(shape):
    # NOTE: a shape that broadcasts to `shape`: drop leading axes and set some axes to 1
    return st.tuples(st.integers(0, len(shape)), st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))).map(
        lambda p: tuple(1 if one else s for s, one in zip(shape, p[1]))[p[0]:]
    )


def _np_sum_to(x, shape):
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    return x.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def _squeeze_axes(shape):
    ones = [i for i, s in enumerate(shape) if s == 1]
    return st.one_of(st.none(), st.lists(st.sampled_from(ones), unique=True).map(tuple) if ones else st.none())


SHAPE = [
    # name           ours                                   numpy reference                                   parameters for x.shape      min_dims
    ("reshape",      lambda x, s: am.reshape(x, s),         lambda x, s: np.reshape(x, s),                    _reshape_target,            0),
    (".reshape(*)",  lambda x, s: x.reshape(*s),            lambda x, s: np.reshape(x, s),                    _reshape_target,            0),
    ("transpose",    lambda x, p: am.transpose(x),          lambda x, p: np.transpose(x),                     lambda s: st.none(),        0),
    (".T",           lambda x, p: x.T,                      lambda x, p: x.T,                                 lambda s: st.none(),        0),
    ("transpose_ax", lambda x, p: am.transpose(x, p),       lambda x, p: np.transpose(x, p),                  lambda s: st.permutations(range(len(s))).map(tuple), 0),
    (".transpose",   lambda x, p: x.transpose(*p),          lambda x, p: np.transpose(x, p),                  lambda s: st.permutations(range(len(s))).map(tuple), 1),
    ("swapaxes",     lambda x, p: am.swapaxes(x, *p),       lambda x, p: np.swapaxes(x, *p),                  _two_axes,                  1),
    ("flatten",      lambda x, p: am.flatten(x),            lambda x, p: x.flatten(),                         lambda s: st.none(),        0),
    ("flatten_se",   lambda x, p: x.flatten(*p),            lambda x, p: x.reshape(x.shape[:p[0] % x.ndim] + (-1,) + x.shape[p[1] % x.ndim + 1:]), _start_end, 1),
    ("broadcast_to", lambda x, s: am.broadcast_to(x, s),    lambda x, s: np.broadcast_to(x, s),               _broadcast_target,          0),
    ("sum_to",       lambda x, s: am.sum_to(x, s),          _np_sum_to,                                       _sum_to_target,             0),
    ("expand_dims",  lambda x, a: am.expand_dims(x, a),     lambda x, a: np.expand_dims(x, a),                lambda s: st.integers(-len(s) - 1, len(s)), 0),
    ("squeeze",      lambda x, a: am.squeeze(x, a),         lambda x, a: np.squeeze(x, a),                    _squeeze_axes,              0),
    ("getitem",      lambda x, i: x[i],                     lambda x, i: x[i],                                lambda s: basic_indices(s, allow_newaxis=True), 0),
    ("getitem_int",  lambda x, i: am.getitem(x, i),         lambda x, i: x[i],                                lambda s: integer_array_indices(s), 1),
    ("getitem_bool", lambda x, m: x[m],                     lambda x, m: x[m],                                lambda s: arrays(np.bool_, s), 0),
    ("getitem_bool0", lambda x, m: x[Tensor(m)],            lambda x, m: x[m],                                lambda s: arrays(np.bool_, s[:1]), 1),
]


@pytest.mark.parametrize("name, op, ref, params, min_dims", SHAPE, ids=ids(SHAPE))
@given(data=st.data())
def test_shape(name, op, ref, params, min_dims, data):
    x = data.draw(tensors(min_dims=min_dims), label="x")
    p = data.draw(params(x.shape), label="params")
    check(lambda x: op(x, p), (x,), ref(x.numpy(), p))


def test_getitem_negative_steps_and_mixed_index():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    for index in [(slice(None, None, -1),), (Ellipsis, slice(3, 0, -2)), (1, None, slice(None, None, -1), 2),
                  (slice(None), [2, 0, 2]), ([1, 1, 0], slice(None), [3, 3, 0])]:
        check(lambda x: x[index], (x,), x.numpy()[tuple(np.asarray(i) if isinstance(i, list) else i for i in index)])


def test_getitem_repeated_indices_accumulate():
    x = Tensor(np.arange(5.0), requires_grad=True)
    index = np.array([3, 1, 3, 3, 0])
    check(lambda x: x[index], (x,), x.numpy()[index])
    check(lambda x: x[[[0, 0], [4, 0]]], (x,), x.numpy()[[[0, 0], [4, 0]]])
    y = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    check(lambda y: y[[2, 2, 0], [1, 1, 1]], (y,), y.numpy()[[2, 2, 0], [1, 1, 1]])


@given(data=st.data())
def test_concatenate(data):
    n = data.draw(st.integers(1, 3), label="n")
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, max_side=3), label="shape")
    axis = data.draw(valid_axes(len(shape), single=True), label="axis")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="sizes")
    shapes = [shape[: axis % len(shape)] + (k,) + shape[axis % len(shape) + 1:] for k in sizes]
    xs = [data.draw(tensors(s), label=f"x{i}") for i, s in enumerate(shapes)]
    check(lambda *xs: am.concatenate(xs, axis=axis), tuple(xs), np.concatenate([x.numpy() for x in xs], axis=axis))


@given(data=st.data())
def test_stack(data):
    n = data.draw(st.integers(1, 3), label="n")
    xs = data.draw(tensors(max_dims=3).flatmap(lambda t: st.lists(tensors(t.shape), min_size=n, max_size=n)), label="xs")
    axis = data.draw(st.integers(-xs[0].ndim - 1, xs[0].ndim), label="axis")
    check(lambda *xs: am.stack(xs, axis=axis), tuple(xs), np.stack([x.numpy() for x in xs], axis=axis))


def test_concatenate_and_stack_with_a_constant():
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    c = np.ones((1, 3))
    check(lambda a: am.concatenate([c, a, Tensor(c)], axis=0), (a,), np.concatenate([c, a.numpy(), c]))
    check(lambda a: am.stack([a, np.ones((2, 3))], axis=-1), (a,), np.stack([a.numpy(), np.ones((2, 3))], axis=-1))


# ***** linear algebra *****

MATMUL = [
    # a shape        b shape
    ((3,),           (3,)),
    ((3,),           (3, 2)),
    ((2, 3),         (3,)),
    ((2, 3),         (3, 4)),
    ((1, 1),         (1, 1)),
    ((4, 2, 3),      (3,)),
    ((3,),           (2, 3, 4)),
    ((2, 2, 3),      (2, 3, 4)),
    ((2, 1, 3, 4),   (5, 4, 2)),
    ((3, 1),         (1, 3)),
]


@contextlib.contextmanager
def products_by(path):
    """2-D products by ndarray.dot or by np.matmul (ops/linalg._product picks matmul only for large results)."""
    old = linalg._MATMUL_FROM
    linalg._MATMUL_FROM = 1 if path == "matmul" else 1 << 62
    try:
        yield
    finally:
        linalg._MATMUL_FROM = old


PATHS = pytest.mark.parametrize("path", ["dot", "matmul"])


@PATHS
@pytest.mark.parametrize("a_shape, b_shape", MATMUL, ids=[f"{a}@{b}" for a, b in MATMUL])
@given(data=st.data())
def test_matmul_shapes(a_shape, b_shape, path, data):
    a = data.draw(tensors(a_shape), label="a")
    b = data.draw(tensors(b_shape), label="b")
    with products_by(path):
        check(am.matmul, (a, b), np.matmul(a.numpy(), b.numpy()))
        check(lambda a, b: a @ b, (a, b), a.numpy() @ b.numpy(), second_order=False)


@PATHS
@given(shapes=matmul_shapes(), data=st.data())
def test_matmul(shapes, path, data):
    a, b = (data.draw(tensors(s), label=name) for s, name in zip(shapes, "ab"))
    with products_by(path):
        check(am.matmul, (a, b), np.matmul(a.numpy(), b.numpy()))


LAYOUTS = {  # 2-D operands of shape (4, 3), as layers meet them
    "C": lambda a: a,
    "F": lambda a: np.asfortranarray(a),
    "rows-strided": lambda a: np.repeat(a, 2, axis=0)[::2],  # BLAS-ready: unit stride, rows further apart
    "cols-strided": lambda a: np.repeat(a, 2, axis=1)[:, ::2],  # not BLAS-ready: no unit stride
    "broadcast": lambda a: np.broadcast_to(a[:1], a.shape),  # not BLAS-ready: stride 0
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("side", ["a", "b"])
def test_products_by_matmul_match_dot_for_every_layout(layout, side):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 4))
    if side == "a":
        a = LAYOUTS[layout](a)
    else:
        b = LAYOUTS[layout](b.T.copy()).T
    with products_by("matmul"):
        np.testing.assert_allclose(linalg._product(a, b), a.dot(b), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(linalg._product(a[:, :1], b[:1]), a[:, :1].dot(b[:1]), rtol=1e-14)  # k == 1


def test_blas_ready_layouts():
    a = np.ones((4, 3))
    ready = {name: linalg._blas_ready(make(a)) for name, make in LAYOUTS.items()}
    assert ready == {"C": True, "F": True, "rows-strided": True, "cols-strided": False, "broadcast": False}
    assert linalg._blas_ready(np.ones((4, 3)).T) and linalg._blas_ready(np.ones((1, 3)))
    assert not linalg._blas_ready(np.ones((4, 6))[::-1])  # a negative stride


def test_large_products_take_matmul_and_small_ones_dot(monkeypatch):
    calls = []
    monkeypatch.setattr(linalg, "_matmul", lambda a, b: calls.append(a.shape) or np.matmul(a, b))
    x = am.Tensor(np.ones((64, 256)), requires_grad=True)
    w = am.Tensor(np.ones((256, 256)), requires_grad=True)
    am.linear(x, w).backward(np.ones((64, 256)))  # forward, dx and dw: results of 64*256 and 256*256 elements
    assert calls == [(64, 256), (64, 256), (256, 64)]
    calls.clear()
    am.linear(x, w).sum().backward()  # the gradient of sum() is a broadcast (stride 0): dot copies it for BLAS
    assert calls == [(64, 256)]
    calls.clear()
    am.linear(am.Tensor(np.ones((4, 8))), am.Tensor(np.ones((3, 8)), requires_grad=True)).sum().backward()
    assert calls == []


def test_matmul_with_ndarray_on_either_side():
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    m = np.arange(12.0).reshape(3, 4) / 10
    check(lambda a: a @ m, (a,), a.numpy() @ m)
    check(lambda a: m.T @ a.T, (a,), m.T @ a.numpy().T)


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (2, 3)), ((3,), (4,)), ((), (3,)), ((2, 2, 3), (3, 2, 2))])
def test_matmul_shape_errors_name_both_shapes(a_shape, b_shape):
    with pytest.raises(am.ShapeError, match=re.escape(str(a_shape)) + ".*" + re.escape(str(b_shape))):
        am.matmul(Tensor(np.ones(a_shape)), Tensor(np.ones(b_shape)))


@PATHS
@given(k=st.integers(1, 4), m=st.integers(1, 4), n=st.integers(1, 4), data=st.data())
def test_matmul_trans_a(k, m, n, path, data):
    # the weight-gradient primitive of Linear: a^T @ b (k == 1 is the batch-1 outer product)
    a = data.draw(tensors((k, m)), label="a")
    b = data.draw(tensors((k, n)), label="b")
    with products_by(path):
        check(am.ops.MatMulTransA.apply, (a, b), a.numpy().T @ b.numpy())


LINEAR = [(4,), (3, 4), (2, 3, 4), (1, 2, 1, 4)]


@pytest.mark.parametrize("x_shape", LINEAR, ids=[str(s) for s in LINEAR])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@PATHS
@given(out=st.integers(1, 4), data=st.data())
def test_linear(x_shape, bias, out, path, data):
    x = data.draw(tensors(x_shape), label="x")
    w = data.draw(tensors((out, x_shape[-1])), label="w")
    with products_by(path):
        if bias:
            b = data.draw(tensors((out,)), label="b")
            check(am.linear, (x, w, b), x.numpy() @ w.numpy().T + b.numpy())
        else:
            check(am.linear, (x, w), x.numpy() @ w.numpy().T)


def test_linear_shape_errors_name_the_shapes():
    with pytest.raises(am.ShapeError, match=re.escape("(2, 3)") + ".*" + re.escape("(4, 5)")):
        am.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))
    with pytest.raises(am.ShapeError, match="bias"):
        am.linear(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))), Tensor(np.ones(3)))


# ***** fused losses *****

REDUCTIONS = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


@st.composite
def logits_and_targets(draw):
    n, c = draw(st.integers(0, 4)), draw(st.integers(1, 4))
    x = draw(tensors((n, c), elements=(-5, 5)), label="logits")
    t = draw(arrays(np.int64, (n,), elements=st.integers(0, c - 1)), label="targets")
    return x, t


def softmax_ref(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("reduction", list(REDUCTIONS))
@given(case=logits_and_targets())
def test_softmax_cross_entropy(reduction, case):
    x, t = case
    assume(x.shape[0] or reduction != "mean")  # the mean of no examples is nan, checked below
    xs = x.numpy()
    expected = np.log(np.exp(xs).sum(axis=1)) - xs[np.arange(len(t)), t]
    check(lambda z: am.ops.SoftmaxCrossEntropy.apply(z, targets=t, reduction=reduction), (x,),
          REDUCTIONS[reduction](expected))


@pytest.mark.parametrize("reduction", list(REDUCTIONS))
@given(case=logits_and_targets(), data=st.data())
def test_softmax_cross_entropy_grad_is_a_primitive_with_both_derivatives(reduction, case, data):
    # the gradient node itself, as a function of the logits and of the incoming gradient: its first derivatives
    # are the second derivatives of the loss, its second derivatives the third
    x, t = case
    n = x.shape[0]
    assume(n)
    gy = data.draw(tensors(() if reduction != "none" else (n,), elements=(-2, 2)), label="gy")
    w = gy.numpy()[:, None] if reduction == "none" else gy.numpy() / (n if reduction == "mean" else 1)
    expected = (softmax_ref(x.numpy()) - np.eye(x.shape[1])[t]) * w
    check(lambda z, g: am.ops.SoftmaxCrossEntropyGrad.apply(z, g, targets=t, reduction=reduction), (x, gy), expected)


def test_softmax_cross_entropy_of_no_examples():
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    t = np.zeros(0, dtype=np.int64)
    assert np.isnan(am.ops.SoftmaxCrossEntropy.apply(x, targets=t, reduction="mean").item())
    assert am.ops.SoftmaxCrossEntropy.apply(x, targets=t, reduction="sum").item() == 0


# ***** dtypes *****


def test_astype_between_floats_passes_the_gradient_back_in_the_input_dtype():
    x = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    y = am.astype(x, np.float32)
    assert y.dtype == np.float32 and y.grad_fn is not None
    np.testing.assert_array_equal(y.numpy(), x.numpy().astype(np.float32))
    w = np.random.default_rng(0).standard_normal(y.shape).astype(np.float32)
    y.backward(w)
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), w.astype(np.float64))  # NOTE: the identity, cast back
    assert am.astype(x, np.float64) is x


def test_astype_to_integer_or_bool_is_not_differentiable():
    x = Tensor(np.array([1.5, -2.5]), requires_grad=True)
    for dtype in (np.int64, np.int32, np.bool_):
        y = x.astype(dtype)
        assert y.dtype == dtype and not y.requires_grad and y.grad_fn is None
        np.testing.assert_array_equal(y.numpy(), x.numpy().astype(dtype))


# ***** comparisons: boolean, never differentiable *****

COMPARISONS = [
    # name   ours                 numpy reference
    ("<",    lambda a, b: a < b,  np.less),
    ("<=",   lambda a, b: a <= b, np.less_equal),
    (">",    lambda a, b: a > b,  np.greater),
    (">=",   lambda a, b: a >= b, np.greater_equal),
    ("==",   lambda a, b: a == b, np.equal),
    ("!=",   lambda a, b: a != b, np.not_equal),
    ("less", am.less,             np.less),
    ("equal", am.equal,           np.equal),
]


@pytest.mark.parametrize("name, op, ref", COMPARISONS, ids=ids(COMPARISONS))
@given(a=tensors(elements=(-2, 2), max_dims=2), data=st.data())
def test_comparison(name, op, ref, a, data):
    b = data.draw(tensors(a.shape, elements=(-2, 2)), label="b")
    for lhs, rhs in [(a, b), (a, b.numpy()), (a.numpy(), b), (a, 0.5), (0.5, b)]:
        y = op(lhs, rhs)
        assert isinstance(y, Tensor)
        assert y.dtype == np.bool_ and not y.requires_grad and y.grad_fn is None
        np.testing.assert_array_equal(y.numpy(), ref(np.asarray(lhs), np.asarray(rhs)))


def test_argmax_argmin_are_not_differentiable():
    # NOTE: sign has a zero gradient instead, as PyTorch (tests/autograd_mini/test_elementwise.py)
    x = Tensor(np.array([[1.0, 3.0, -2.0], [0.5, -1.0, 4.0]]), requires_grad=True)
    for y, expected in [(am.argmax(x, axis=1), np.argmax(x.numpy(), axis=1)), (x.argmin(), np.argmin(x.numpy()))]:
        assert not y.requires_grad and y.grad_fn is None
        np.testing.assert_array_equal(y.numpy(), expected)


# ***** Python scalars and ndarrays on either side *****

MIXED = [
    # expression on (tensor t, ndarray n)   the same in numpy
    (lambda t, n: 2 * t,                    lambda t, n: 2 * t),
    (lambda t, n: t * 2,                    lambda t, n: t * 2),
    (lambda t, n: 2.5 + t,                  lambda t, n: 2.5 + t),
    (lambda t, n: t - 1,                    lambda t, n: t - 1),
    (lambda t, n: 1 - t,                    lambda t, n: 1 - t),
    (lambda t, n: 3 / t,                    lambda t, n: 3 / t),
    (lambda t, n: t / 3,                    lambda t, n: t / 3),
    (lambda t, n: t ** 2,                   lambda t, n: t ** 2),
    (lambda t, n: 2 ** t,                   lambda t, n: 2.0 ** t),
    (lambda t, n: n + t,                    lambda t, n: n + t),
    (lambda t, n: t + n,                    lambda t, n: t + n),
    (lambda t, n: n * t,                    lambda t, n: n * t),
    (lambda t, n: n - t,                    lambda t, n: n - t),
    (lambda t, n: n / t,                    lambda t, n: n / t),
    (lambda t, n: t ** n,                   lambda t, n: t ** n),
    (lambda t, n: n ** t,                   lambda t, n: n ** t),
    (lambda t, n: am.maximum(n, t),         lambda t, n: np.maximum(n, t)),
    (lambda t, n: am.minimum(t, 0.3),       lambda t, n: np.minimum(t, 0.3)),
    (lambda t, n: am.where(n > 1, t, 0.0),  lambda t, n: np.where(n > 1, t, 0.0)),
    (lambda t, n: am.where(n > 1, 0.0, t),  lambda t, n: np.where(n > 1, 0.0, t)),
]


@pytest.mark.parametrize("ours, ref", MIXED, ids=[f"mixed{i}" for i in range(len(MIXED))])
def test_scalars_and_ndarrays_on_either_side(ours, ref):
    t = Tensor(np.array([[0.5, 1.25, 2.0], [1.5, 0.75, 1.0]]), requires_grad=True)
    n = np.array([[1.5, 0.25, 2.5], [0.5, 1.75, 3.0]])
    check(lambda t: ours(t, n), (t,), ref(t.numpy(), n), second_order=False)


@pytest.mark.parametrize("ours, ref", MIXED, ids=[f"mixed{i}" for i in range(len(MIXED))])
def test_float32_stays_float32_with_python_scalars_and_float32_arrays(ours, ref):
    t = Tensor(np.array([0.5, 1.25, 2.0], dtype=np.float32), requires_grad=True)
    n = np.array([1.5, 0.25, 2.5], dtype=np.float32)
    y = ours(t, n)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize("fn", [am.exp, am.sqrt, am.sigmoid, am.tanh, am.relu, am.leaky_relu, am.abs, am.softmax,
                                am.log_softmax, am.mean, am.var, am.std, am.logsumexp, lambda t: am.clip(t, 0.6, 1.0),
                                lambda t: am.maximum(t, 1.0), lambda t: am.where(t.numpy() > 1, t, 2.0),
                                lambda t: t.max(), lambda t: t.min(axis=0)])
def test_float32_stays_float32_through_functions(fn):
    t = Tensor(np.array([0.5, 1.25, 2.0], dtype=np.float32), requires_grad=True)
    y = fn(t)
    assert y.dtype == np.float32
    (y * Tensor(np.full(y.shape, 0.5, dtype=np.float32))).sum().backward()
    assert t.grad.dtype == np.float32


def test_methods_match_functions():
    x = Tensor(np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]]), requires_grad=True)
    for name in ["exp", "tanh", "sigmoid", "relu", "leaky_relu", "abs", "sum", "mean", "max", "min", "var",
                 "std", "logsumexp", "softmax", "log_softmax", "flatten"]:
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(am, name)(x).numpy(), err_msg=name)
    np.testing.assert_array_equal(abs(x).numpy(), am.abs(x).numpy())
    np.testing.assert_array_equal(x.clip(0, 1).numpy(), am.clip(x, 0, 1).numpy())
    np.testing.assert_array_equal(x.sum(axis=1, keepdims=True).numpy(), am.sum(x, 1, True).numpy())
    np.testing.assert_array_equal(x.broadcast_to((2, 2, 3)).numpy(), am.broadcast_to(x, (2, 2, 3)).numpy())
    np.testing.assert_array_equal(x.abs().sqrt().log().numpy(), am.log(am.sqrt(am.abs(x))).numpy())


# ***** kinks and ties: the conventions of CONTRACT.md, as PyTorch *****


def grad_of(fn, *values, upstream=None):
    """Gradients of fn at the given float64 values, seeded with a random upstream gradient."""
    xs = [Tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    y = fn(*xs)
    w = np.random.default_rng(1).standard_normal(y.shape) if upstream is None else upstream
    y.backward(w)
    return w, [x.grad.numpy() for x in xs]


def test_relu_derivative_at_zero_is_zero():
    w, (g,) = grad_of(am.relu, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, w * [0, 0, 1])


def test_abs_derivative_at_zero_is_zero():
    w, (g,) = grad_of(am.abs, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, w * [-1, 0, 1])


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_derivative_at_zero_is_the_slope(slope):
    w, (g,) = grad_of(lambda x: am.leaky_relu(x, slope), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(g, w * [slope, slope, 1], rtol=1e-15)


def test_clip_passes_the_gradient_at_its_bounds():
    w, (g,) = grad_of(lambda x: am.clip(x, -1.0, 2.0), [-3.0, -1.0, 0.0, 2.0, 5.0])
    np.testing.assert_array_equal(g, w * [0, 1, 1, 1, 0])


@pytest.mark.parametrize("op", [am.maximum, am.minimum])
def test_maximum_minimum_split_a_tie_evenly(op):
    w, (ga, gb) = grad_of(op, [1.0, 2.0, -3.0], [1.0, 0.0, -3.0])
    lo_or_hi = [1, 1, 0] if op is am.maximum else [0, 0, 1]  # a wins the strict comparison
    a_share = np.where([True, False, True], 0.5, lo_or_hi)
    np.testing.assert_array_equal(ga, w * a_share)
    np.testing.assert_array_equal(gb, w * (1 - a_share))


@pytest.mark.parametrize("op", [am.max, am.min])
def test_max_min_reductions_share_the_gradient_among_ties(op):
    x = [[2.0, 5.0, 5.0], [-1.0, -1.0, -1.0]] if op is am.max else [[2.0, -5.0, -5.0], [1.0, 1.0, 1.0]]
    w, (g,) = grad_of(lambda x: op(x, axis=1), x)
    np.testing.assert_allclose(g, w[:, None] * [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    w, (g,) = grad_of(op, x, upstream=np.array(1.0))
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [0, 0, 0]], rtol=1e-15)


# ***** argument errors and edge cases, as numpy *****


def test_squeeze_of_an_axis_that_is_not_length_1_leaves_it():
    # NOTE: issue 14: PyTorch's rule (numpy raises); a named axis of another length stays as it is
    x = Tensor(np.ones((1, 3, 1)), requires_grad=True)
    assert am.squeeze(x, 1).shape == (1, 3, 1)
    assert am.squeeze(x, (0, 1)).shape == (3, 1)
    assert am.squeeze(x, (0, -1)).shape == np.squeeze(x.numpy(), (0, -1)).shape


@pytest.mark.parametrize("x_shape, shape", [((3,), (2,)), ((4, 1), (2, 2)), ((2, 3), (3, 3)), ((2, 3), (1, 2, 3))])
def test_sum_to_a_shape_that_does_not_broadcast_raises(x_shape, shape):
    with pytest.raises(am.ShapeError, match=re.escape(str(x_shape))):
        am.sum_to(Tensor(np.ones(x_shape)), shape)


@pytest.mark.parametrize("values, ddof", [([1.5], 1), ([1.0, 2.0], 2), ([1.0, 2.0], 3), ([2.0, 2.0], 2)])
def test_var_without_degrees_of_freedom_is_inf_or_nan_as_numpy(values, ddof):
    with np.errstate(divide="ignore", invalid="ignore"), pytest.warns(RuntimeWarning):
        expected = np.var(values, ddof=ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = am.var(Tensor(np.array(values)), ddof=ddof).numpy()
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("op", [am.sum, am.mean, am.max, am.logsumexp, am.var])
def test_reduction_axis_out_of_range_or_repeated_raises(op):
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(am.ShapeError, match="out of range"):
        op(x, 2)
    with pytest.raises(am.ShapeError, match="repeated"):
        op(x, (1, -1))


def test_dim_and_keepdim_are_aliases_of_axis_and_keepdims():
    x = am.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(dim=1, keepdim=True).numpy(), x.sum(axis=1, keepdims=True).numpy())
    np.testing.assert_array_equal(am.mean(x, dim=0).numpy(), [1.5, 2.5, 3.5])
    with pytest.raises(TypeError, match="both axis=0 and dim=1"):
        x.sum(0, dim=1)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_is_accurate_at_every_scale_and_never_overflows(dtype):
    """1 / (1 + exp(-x)) where exp(-x) is finite, the two-branch form where it would overflow (x < -88 in
    float32): relative error of an ulp or two against the exact value, tiny results included, no warning."""
    x = np.concatenate([np.linspace(-60, 60, 1201), [-1e4, 1e4, 0.0, -np.inf, np.inf, np.nan]]).astype(dtype)
    exact = 1 / (1 + np.exp(-x.astype(np.longdouble)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for xs in (x[:1201], x):  # without and with values that would overflow exp(-x)
            y = am.sigmoid(xs).numpy()
            assert y.dtype == dtype
            ref = exact[: len(xs)]
            normal = np.isfinite(xs) & (ref > np.finfo(dtype).tiny)
            rel = np.abs(y[normal] - ref[normal]) / ref[normal]
            assert rel.max() <= 4 * np.finfo(dtype).eps, rel.max()
    np.testing.assert_array_equal(am.sigmoid(x).numpy()[-6:], np.array([0, 1, 0.5, 0, 1, np.nan], dtype))
    assert am.sigmoid(np.array(-100.0, dtype)).numpy() == dtype(1 / (1 + np.exp(np.longdouble(100))))  # 0-d: two-branch
