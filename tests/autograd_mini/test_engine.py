"""The engine: graph walking, accumulation, retain_graph, grad modes, grad(), higher order, errors, memory."""
import gc
import sys
import weakref
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, iter_graph
from autograd_mini.testing import tensors

RNG = np.random.default_rng(0)


def leaf(*shape, scale=1.0):
    return Tensor(RNG.standard_normal(shape) * scale, requires_grad=True)


def weights(shape):
    """A random upstream gradient (never a plain .sum() seed for a non-scalar output)."""
    return np.random.default_rng(1).standard_normal(shape)


@contextmanager
def recursion_headroom(frames):
    """Lower the recursion limit to the current stack depth plus ``frames`` (restored afterwards)."""
    depth, f = 0, sys._getframe()
    while f is not None:
        depth, f = depth + 1, f.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


# ***** deep graphs *****

DEPTH = 100_000


def chain(x):
    for _ in range(DEPTH):
        x = x * 1.00001
    return x


def test_deep_chain_backpropagates_without_recursion():
    limit = sys.getrecursionlimit()
    x = Tensor(np.array(0.5), requires_grad=True)
    y = chain(x)
    with recursion_headroom(200):  # NOTE: a recursive walk over 100k nodes would need 100k frames
        y.backward(retain_graph=True)
    assert sys.getrecursionlimit() == limit
    (g,) = am.grad(y, x)
    np.testing.assert_array_equal(x.grad.numpy(), g.numpy())
    assert gradcheck(chain, (x,))  # the grad() path through all 100k nodes, against finite differences
    assert sys.getrecursionlimit() == limit


def test_deep_chain_can_be_created_and_deleted_without_backward():
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    first = x * 1.0
    probe = weakref.ref(first)
    y = chain(first)
    del first
    assert probe() is not None
    del y  # NOTE: frees 100k nested nodes; must not overflow the C stack
    assert probe() is None


def test_deep_graph_walk_is_iterative():
    x = Tensor(np.array(1.0), requires_grad=True)
    y = chain(x)
    with recursion_headroom(100):
        n = sum(1 for _ in iter_graph([y]))
    assert n == DEPTH + 1


# ***** shapes of graphs: diamonds, reuse, tied weights *****


def diamond(x):
    a = am.exp(x)
    b = am.tanh(x)
    c = a * b
    d = a + c  # a is consumed twice, x reaches d along three paths
    return d * b


GRAPHS = [
    # name            function of the leaves                                          leaf shapes
    ("diamond",       diamond,                                                        [(3,)]),
    ("x*x",           lambda x: x * x,                                                [(2, 3)]),
    ("x*x*x",         lambda x: x * x * x,                                            [(4,)]),
    ("x+x+x",         lambda x: x + x + x,                                            [(4,)]),
    ("x/x**2",        lambda x: x / (x * x + 1),                                      [(3,)]),
    ("tied weights",  lambda x, w: am.tanh(x @ w) @ w.T,                              [(2, 3), (3, 4)]),
    ("shared input",  lambda a, b: (a * b + a.exp() * b.sum()) / (1 + a * a),         [(3,), (3,)]),
    ("long diamond",  lambda x: sum((x * k).tanh() for k in (0.5, 1.0, 2.0)) * x,     [(2, 2)]),
]


@pytest.mark.parametrize("name, fn, shapes", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_graph_shapes(name, fn, shapes):
    xs = [leaf(*s) for s in shapes]
    assert gradcheck(fn, xs)
    assert am.gradgradcheck(fn, xs)


@pytest.mark.parametrize("name, fn, shapes", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_backward_agrees_with_grad(name, fn, shapes):
    xs = [leaf(*s) for s in shapes]
    y = fn(*xs)
    w = weights(y.shape)
    expected = am.grad(y, xs, grad_outputs=w, retain_graph=True)
    y.backward(w)
    for x, g in zip(xs, expected):
        np.testing.assert_array_equal(x.grad.numpy(), g.numpy())


# ***** accumulation and retain_graph *****


def test_gradients_accumulate_across_backward_calls():
    x = leaf(3)
    (g1,) = am.grad((am.tanh(x) * x).sum(), x)
    (g2,) = am.grad(am.exp(x).sum(), x)
    (am.tanh(x) * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), g1.numpy())
    am.exp(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), g1.numpy() + g2.numpy(), rtol=1e-15)


def test_retain_graph_allows_a_second_backward():
    x = leaf(3)
    y = (am.tanh(x) * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-15)


def test_second_backward_through_a_freed_graph_raises():
    x = leaf(3)
    h = am.exp(x)
    y = (h * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        (h * 2).sum().backward()  # a new output on top of the freed part still reaches it


def test_grad_frees_the_graph_unless_asked_not_to():
    x = leaf(3)
    y = am.exp(x).sum()
    am.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        am.grad(y, x)


def test_backward_of_several_outputs():
    x = leaf(3)
    y1, y2 = am.exp(x), am.tanh(x) * x
    w1, w2 = weights(3), weights(3) * 2
    expected = am.grad((y1 * w1).sum() + (y2 * w2).sum(), x, retain_graph=True)[0]
    am.backward([y1, y2], [w1, w2])
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy(), rtol=1e-14)


@pytest.mark.parametrize("fn", ["backward", "grad"])
def test_an_output_that_another_output_is_computed_from(fn):
    """z is an output and also an input of y's graph: its gradient is the seed plus what flows back from y."""
    x = leaf(300)  # NOTE: over 1 KiB, so that backward also tries to drop z's values (it must not: z is held)
    z = x * 2.0
    y = am.tanh(z) * 3.0
    wz, wy = weights(300), weights(300) * 2
    expected = am.grad((z * wz).sum() + (y * wy).sum(), x, retain_graph=True)[0]
    if fn == "backward":
        am.backward([y, z], [wy, wz])
        got = x.grad
    else:
        (got,) = am.grad([y, z], x, [wy, wz])
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-14)
    np.testing.assert_array_equal(z.numpy(), x.numpy() * 2.0)  # the user's z keeps its values


@pytest.mark.parametrize("fn", ["backward", "grad"])
@pytest.mark.parametrize(
    "gradients", [Tensor(np.array(10.0)), [None], [None, None, None]], ids=["one", "short", "long"]
)
def test_one_gradient_per_output_or_an_error(fn, gradients):
    # a gradient too few or too many must not be dropped or zipped away silently
    x = leaf(2)
    outs = [(x * 2).sum(), (x * 3).sum()]
    with pytest.raises(ValueError, match=r"2 outputs and [13] gradient"):
        if fn == "backward":
            am.backward(outs, gradients)
        else:
            am.grad(outs, [x], gradients)
    assert x.grad is None


def test_a_number_or_numpy_scalar_as_the_gradient_of_one_output():
    x = leaf(2)
    (x * 2).sum().backward(3.0)
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    (g,) = am.grad((x * 2).sum(), [x], np.float32(0.5))
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
    am.backward([(x * 2).sum(), (x * 3).sum()], [1.0, None])
    np.testing.assert_array_equal(x.grad.numpy(), [11.0, 11.0])
    x.grad = None
    (x * 2).backward([1.0, 0.5])  # Tensor.backward has one output: a list is the gradient's values
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0])


# ***** grad modes *****


def test_no_grad_records_nothing():
    x = leaf(3)
    with am.no_grad():
        assert not am.is_grad_enabled()
        y = am.exp(x) * x + 1
    assert am.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError):
        y.sum().backward()


@pytest.mark.parametrize("decorator", [am.no_grad, am.no_grad()], ids=["@no_grad", "@no_grad()"])
def test_no_grad_as_decorator(decorator):
    @decorator
    def f(x):
        """doc"""
        assert not am.is_grad_enabled()
        return x * 2

    x = leaf(3)
    y = f(x)
    assert f.__doc__ == "doc"
    assert not y.requires_grad and y.grad_fn is None
    assert am.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf(3)
    with am.no_grad():
        with am.enable_grad():
            assert am.is_grad_enabled()
            y = x * 2
        z = x * 2
        assert not am.is_grad_enabled()
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad

    @am.enable_grad()
    def f(x):
        return x * 3

    with am.no_grad():
        assert f(x).requires_grad


def test_set_grad_enabled_and_restore_on_error():
    with am.set_grad_enabled(False):
        assert not am.is_grad_enabled()
    assert am.is_grad_enabled()
    with pytest.raises(KeyError):
        with am.no_grad():
            raise KeyError
    assert am.is_grad_enabled()


# ***** grad() *****


def test_grad_returns_gradients_and_leaves_every_grad_untouched():
    a, b = leaf(2, 3), leaf(3)
    b.grad = Tensor(np.full(3, 7.0))
    y = am.tanh(a * b) @ b
    w = weights(y.shape)
    ga, gb = am.grad(y, [a, b], grad_outputs=w, retain_graph=True)
    assert a.grad is None
    np.testing.assert_array_equal(b.grad.numpy(), np.full(3, 7.0))
    assert ga.shape == a.shape and gb.shape == b.shape
    assert gradcheck(lambda a, b: (am.tanh(a * b) @ b) * Tensor(w), (a, b))  # the function grad() differentiated
    y.backward(w)
    np.testing.assert_array_equal(a.grad.numpy(), ga.numpy())
    np.testing.assert_allclose(b.grad.numpy(), 7.0 + gb.numpy(), rtol=1e-15)


def test_grad_with_respect_to_an_intermediate():
    x = leaf(3)
    h = am.exp(x)
    y = (am.tanh(h) * h).sum()
    gh, gx = am.grad(y, [h, x])
    assert h.grad is None and x.grad is None
    h2 = h.detach().requires_grad_()  # the same function of a leaf h2 == h
    assert gradcheck(lambda h: (am.tanh(h) * h).sum(), (h2,))
    np.testing.assert_array_equal(gh.numpy(), am.grad((am.tanh(h2) * h2).sum(), h2)[0].numpy())
    assert gradcheck(lambda x: (am.tanh(am.exp(x)) * am.exp(x)).sum(), (x,))
    # NOTE: not bit-equal: through the shared h the two uses' gradients are added before the product with exp(x),
    # through two exp nodes each is multiplied first (a rounding apart, seen: one ulp)
    np.testing.assert_allclose(
        gx.numpy(), am.grad((am.tanh(am.exp(x)) * am.exp(x)).sum(), x)[0].numpy(), rtol=1e-14, atol=0
    )


def test_grad_leaves_the_grad_of_a_retained_intermediate_untouched():
    x = leaf(3)
    h = am.exp(x)
    h.retain_grad()
    y = (am.tanh(h) * h).sum()
    am.grad(y, [x], retain_graph=True)
    assert h.grad is None
    am.grad(y, [h])
    assert h.grad is None


def test_grad_of_an_unused_input_in_all_three_modes():
    x, z = leaf(3), leaf(2)
    y = am.exp(x).sum()
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) is not used.*allow_unused=True.*materialize"):
        am.grad(y, [x, z], retain_graph=True)
    gx, gz = am.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None and gx.shape == x.shape
    gx2, gz2 = am.grad(y, [x, z], materialize_grads=True)
    assert gz2.shape == (2,) and not gz2.numpy().any() and np.array_equal(gx2.numpy(), gx.numpy())
    with pytest.raises(ValueError, match="materialize_grads"):
        am.grad(am.exp(x).sum(), [x, z], allow_unused=False, materialize_grads=True)


def test_materialized_zeros_with_create_graph_are_tensors_second_order_works():
    x, z = leaf(3), leaf(2)
    (gx, gz) = am.grad((x * x).sum(), [x, z], create_graph=True, materialize_grads=True)
    assert gz.shape == (2,) and not gz.numpy().any()
    (ggx,) = am.grad(gx.sum(), x)
    np.testing.assert_allclose(ggx.numpy(), 2 * np.ones(3))


def test_grad_needs_inputs_that_require_grad():
    x = leaf(3)
    with pytest.raises(RuntimeError, match="input 0 .* does not require grad"):
        am.grad(am.exp(x).sum(), Tensor(np.ones(3)))


def test_a_tensor_made_under_no_grad_says_so_when_backpropagated():
    x = leaf(3)
    with am.no_grad():
        y = am.exp(x).sum()
    with pytest.raises(am.NoGradError, match=r"made by Sum.*computed while grad mode was off.*no_grad"):
        y.backward()
    with pytest.raises(am.NoGradError, match="does not require grad and has no grad_fn"):
        Tensor(np.ones(1)).backward()  # never in a graph: the plain message
    with am.no_grad():
        h = x * 2.0
    with pytest.raises(am.NoGradError, match="made by Mul under no_grad"):
        am.grad(x.sum(), h)


def test_backward_frees_saved_buffers():
    """A plain backward drops what nodes saved (inputs, arrays on ctx): a weakref to each saved array dies."""
    x = Tensor(RNG.standard_normal((40, 8)), requires_grad=True)  # NOTE: values under 1 KiB stay with the graph
    h = am.tanh(x)  # saved by the Mul below
    mask = np.asarray(RNG.standard_normal((40, 8)) > 0)
    y = am.where(mask, h * h, h)  # Where keeps its mask as a buffer
    loss = nn_cross_entropy(y)
    refs = [weakref.ref(h.data), weakref.ref(mask), weakref.ref(loss.grad_fn.softmax_parts[0])]
    del h, mask, y
    loss.backward()
    gc.disable()  # NOTE: reference counting alone must free them
    try:
        assert [r() for r in refs] == [None, None, None]
    finally:
        gc.enable()
    assert loss.grad_fn is not None  # the structure stays, for drawing


def nn_cross_entropy(y):
    from autograd_mini.ops import SoftmaxCrossEntropy

    return SoftmaxCrossEntropy.apply(y, targets=np.arange(40) % 8, reduction="mean")


# ***** higher order: create_graph *****


def f(x):
    return (am.tanh(x) * x * x).sum() + am.exp(x[0] * x[1])


def test_second_derivatives():
    x = leaf(3, scale=0.5)

    def gradient(x):
        return am.grad(f(x), x, create_graph=True)[0]

    assert gradcheck(gradient, (x,))
    (g,) = am.grad(f(x), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None


def test_hessian_vector_product():
    x = leaf(3, scale=0.5)
    v = weights(3)

    def gradient_dot_v(x):
        (g,) = am.grad(f(x), x, create_graph=True)
        return (g * Tensor(v)).sum()

    assert gradcheck(gradient_dot_v, (x,))  # its gradient is H v
    (hv,) = am.grad(gradient_dot_v(x), x)
    (g,) = am.grad(f(x), x, create_graph=True)
    g.backward(v)  # the same product through backward(gradient=v): x.grad = H^T v = H v
    np.testing.assert_allclose(x.grad.numpy(), hv.numpy(), rtol=1e-12)


def test_gradient_penalty_backpropagates_to_the_weights():
    x = leaf(4, 3)
    w = leaf(3, 2)
    b = leaf(2)

    def penalty(x, w, b):
        out = (am.tanh(x @ w + b) * Tensor(weights((4, 2)))).sum()
        (gx,) = am.grad(out, x, create_graph=True)
        return ((gx * gx).sum(axis=1) + 1e-3).sqrt().mean()

    assert gradcheck(penalty, (x, w, b))
    p = penalty(x, w, b)
    p.backward()
    gw, gb = am.grad(penalty(x, w, b), [w, b])
    np.testing.assert_allclose(w.grad.numpy(), gw.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), gb.numpy(), rtol=1e-12)
    assert x.grad is not None and x.grad.shape == x.shape


# ***** errors *****


def test_backward_of_a_non_scalar_needs_a_gradient():
    y = leaf(2, 3) * 2
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        y.backward()


def test_backward_gradient_of_the_wrong_shape_names_both_shapes():
    y = leaf(2, 3) * 2
    with pytest.raises(am.ShapeError, match=r"\(2, 3\).*\(3, 2\)"):
        y.backward(np.ones((3, 2)))
    with pytest.raises(ValueError):  # ShapeError is a ValueError
        y.backward(np.ones(6))


def test_backward_of_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="require grad"):
        Tensor(np.ones(())).backward()
    with pytest.raises(RuntimeError):
        (Tensor(np.ones(3)) * 2).sum().backward()


def test_errors_share_the_project_base_class():
    with pytest.raises(am.AutogradError):
        (leaf(2, 3) * 2).backward(np.ones(2))
    with pytest.raises(am.AutogradError):
        Tensor(np.ones(())).backward()
    x = leaf(2)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(am.AutogradError):
        y.backward()
    with pytest.raises(am.AutogradError):
        leaf(2, 3) + leaf(4)


def test_integer_and_bool_tensors_cannot_require_grad():
    for data in ([1, 2], np.array([True, False])):
        with pytest.raises(TypeError):
            Tensor(data, requires_grad=True)


def test_a_float32_seed_for_a_float64_output_is_cast():
    x = leaf(3)
    y = am.exp(x)
    y.backward(weights(3).astype(np.float32))
    assert x.grad.dtype == np.float64


# ***** .grad arrays are independent *****

SHARING = [
    # name              output from leaves a, b of shape (3,)
    ("a+b",             lambda a, b: a + b),
    ("a-b",             lambda a, b: a - b),
    ("(a+b)*w",         lambda a, b: (a + b) * Tensor(weights(3))),
    ("reshape",         lambda a, b: a.reshape(3, 1) + b.reshape(3, 1)),
    ("stack",           lambda a, b: am.stack([a, b])),
    ("concatenate",     lambda a, b: am.concatenate([a, b])),
    ("broadcast",       lambda a, b: a + b.reshape(3, 1)),
    ("a+b+a",           lambda a, b: a + b + a),
    ("where",           lambda a, b: am.where(np.array([True, False, True]), a, b) + a),
]


@pytest.mark.parametrize("name, fn", SHARING, ids=[row[0] for row in SHARING])
def test_leaf_grads_do_not_alias_each_other_or_the_seed(name, fn):
    a, b = leaf(3), leaf(3)
    y = fn(a, b)
    seed = weights(y.shape)
    kept = seed.copy()
    y.backward(seed)
    arrays = [a.grad.data, b.grad.data, seed, a.data, b.data]
    for i in range(len(arrays)):
        for j in range(i):
            assert not np.shares_memory(arrays[i], arrays[j]), (i, j)
    b_before = b.grad.numpy().copy()
    a.grad.data *= 100
    a.grad.data += 1
    np.testing.assert_array_equal(b.grad.numpy(), b_before)
    np.testing.assert_array_equal(seed, kept)


def test_a_seed_tensor_is_not_aliased_into_grad():
    a, b = leaf(3), leaf(3)
    seed = Tensor(weights(3))
    (a * 1).backward(seed)
    b.backward(seed)  # a leaf as its own output: its grad is the seed itself, which must be copied
    assert not np.shares_memory(a.grad.data, seed.data)
    assert not np.shares_memory(b.grad.data, seed.data)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_the_implicit_seed_of_a_scalar_output_stays_one(shape):
    # the seed of backward() without a gradient is a shared read-only 1: it must never become a .grad itself
    for make_output in (lambda x: x, lambda x: x.reshape(shape), lambda x: x * 1):
        x = Tensor(np.full(shape, 3.0), requires_grad=True)
        make_output(x).backward()  # x itself, a view of the seed, a new array
        assert x.grad.data.flags.writeable
        x.grad.data += 10  # in place, as an optimizer may do
        np.testing.assert_array_equal(x.grad.numpy(), np.full(shape, 11.0))
    y = Tensor(np.full(shape, 2.0), requires_grad=True)
    (y + y).backward()  # the seed handed on to both inputs of one op
    np.testing.assert_array_equal(y.grad.numpy(), np.full(shape, 2.0))


def test_grads_stay_independent_after_accumulation():
    a, b = leaf(3), leaf(3)
    for _ in range(2):
        (a + b).backward(weights(3))
    assert not np.shares_memory(a.grad.data, b.grad.data)


def test_retained_grad_of_an_intermediate_is_independent_of_leaf_grads():
    a, b = leaf(3), leaf(3)
    h = a + b
    h.retain_grad()
    (h * Tensor(weights(3))).sum().backward()
    for g in (a.grad, b.grad):
        assert not np.shares_memory(h.grad.data, g.data)


# ***** retain_grad *****


def test_retain_grad_on_an_intermediate():
    x = leaf(2, 3)
    h = am.tanh(x)
    assert h.retain_grad() is h
    other = am.exp(x)
    y = (h * h * Tensor(weights((2, 3)))).sum() + other.sum()
    h2 = h.detach().requires_grad_()  # the same function of a leaf h2 == h
    (expected,) = am.grad((h2 * h2 * Tensor(weights((2, 3)))).sum(), h2)
    y.backward()
    np.testing.assert_array_equal(h.grad.numpy(), expected.numpy())
    assert other.grad is None
    assert x.grad is not None


def test_retain_grad_needs_requires_grad():
    with pytest.raises(RuntimeError):
        Tensor(np.ones(2)).retain_grad()


# ***** memory: the graph is freed, no reference cycles *****


@contextmanager
def gc_disabled():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_graph_is_freed_after_backward_without_the_garbage_collector():
    with gc_disabled():
        x = leaf(300)  # NOTE: values under 1 KiB stay with the graph
        h = am.exp(x)
        values, tensor = weakref.ref(h.data), weakref.ref(h)
        y = (am.tanh(h) * h * x).sum()
        del h
        assert values() is not None  # held by the graph of y
        y.backward()
        assert values() is None  # backward released the saved values while y is still alive
        assert tensor() is not None  # the structure stays, for drawing
        del y
        assert tensor() is None  # and goes with the output
        assert gc.collect() == 0


def test_no_reference_cycles_after_deleting_an_output():
    with gc_disabled():
        x = leaf(3)
        h = am.sigmoid(x)  # saves its output: held by weakref, not in a cycle
        probes = [weakref.ref(h)]
        y = am.logsumexp(am.tanh(h) * x)
        probes.append(weakref.ref(y))
        del h, y
        assert all(p() is None for p in probes)
        assert gc.collect() == 0


def test_retain_graph_keeps_the_graph_until_the_output_goes():
    with gc_disabled():
        x = leaf(3)
        h = am.exp(x)
        probe = weakref.ref(h)
        y = (h * x).sum()
        del h
        y.backward(retain_graph=True)
        assert probe() is not None
        del y
        assert probe() is None
        assert gc.collect() == 0


def test_no_cycles_with_create_graph():
    with gc_disabled():
        x = leaf(3)
        (g,) = am.grad((am.tanh(x) * x).sum(), x, create_graph=True)
        probe = weakref.ref(g)
        (g * g).sum().backward()
        del g
        assert probe() is None
        assert gc.collect() == 0


# ***** iter_graph *****


@st.composite
def random_graphs(draw):
    """A random DAG of up to 12 ops over 1-3 leaves (and a constant), returned as (roots, every tensor)."""
    nodes = [draw(tensors((2,), elements=(0.5, 2)), label=f"leaf{i}") for i in range(draw(st.integers(1, 3)))]
    nodes.append(Tensor(np.ones(2)))  # a constant: visited only with everything=True
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["add", "mul", "exp", "neg"]))
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        y = {"add": lambda: a + b, "mul": lambda: a * b, "exp": lambda: am.exp(a * 0.1), "neg": lambda: -a}[op]()
        nodes.append(y)
    roots = draw(st.lists(st.sampled_from(nodes[-4:]), min_size=1, max_size=2))
    return roots, nodes


@pytest.mark.parametrize("everything", [False, True])
@given(graph=random_graphs())
def test_iter_graph_yields_each_tensor_once_after_all_its_consumers(everything, graph):
    roots, _ = graph
    order = list(iter_graph(roots, everything=everything))
    position = {id(t): i for i, t in enumerate(order)}
    assert len(position) == len(order)  # each tensor once
    for t in order:
        if t.grad_fn is None:
            continue
        for p in t.grad_fn.inputs:
            if everything or p.requires_grad:
                assert position[id(p)] > position[id(t)]  # the input comes after its consumer t
    # everything reachable is yielded: the roots, and the inputs that take part (all of them with everything)
    reachable, stack = set(), list(roots)
    while stack:
        t = stack.pop()
        if id(t) in reachable:
            continue
        reachable.add(id(t))
        inputs = t.grad_fn.inputs if t.grad_fn is not None else ()
        stack.extend(p for p in inputs if everything or p.requires_grad)
    assert set(position) == reachable
