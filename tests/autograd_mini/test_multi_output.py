"""Nodes with several outputs: split / chunk / unbind (ops.Split) and users' Functions whose forward returns a
tuple; the engine runs such a node's backward once, with every output's gradient, and everything that walks
or inspects the graph (hooks, retain_grad, grad(), higher order, freed graphs, version checks, anomaly mode,
drawings, the mutation audit) works with them."""
import importlib.util
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Function, Tensor, gradcheck, gradgradcheck, ops
from autograd_mini.errors import AnomalyError, GradcheckError, GraphFreedError, ShapeError
from autograd_mini.function import is_freed
from autograd_mini.testing import tensors

RNG = np.random.default_rng(0)


def leaf(*shape):
    return Tensor(RNG.standard_normal(shape), requires_grad=True)


def sizes_for(n, data):
    """A drawn list of section lengths (some may be 0) that sum to n."""
    cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=0, max_size=3)))
    bounds = [0] + cuts + [n]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def weighted(outs, keep, seed=1):
    """sum_k <w_k, outs[k]> over the outputs in keep, with random weights w_k (a non-trivial upstream gradient);
    the other outputs are left unused."""
    rng = np.random.default_rng(seed)
    total = None
    for k in keep:
        term = (outs[k] * rng.standard_normal(outs[k].shape)).sum()
        total = term if total is None else total + term
    return total


# ***** split / chunk / unbind: forward against numpy, gradients against finite differences *****


@given(x=tensors(min_dims=1, max_dims=3, max_side=5), data=st.data())
def test_split_sections_forward_and_gradients(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    sizes = sizes_for(x.shape[axis], data)
    outs = am.split(x, sizes, dim=axis)
    ref = np.split(x.data, np.cumsum(sizes)[:-1], axis=axis)
    assert isinstance(outs, tuple) and len(outs) == len(sizes)
    for o, r in zip(outs, ref):
        np.testing.assert_array_equal(o.data, r)
    assert len({id(o.grad_fn) for o in outs}) == 1  # one node
    assert gradcheck(lambda t: am.split(t, sizes, axis), (x,))
    # only some outputs used: the others get zeros inside Split's backward
    keep = data.draw(st.lists(st.integers(0, len(sizes) - 1), min_size=1, unique=True))
    assert gradcheck(lambda t: weighted(am.split(t, sizes, axis), keep), (x,))


@given(x=tensors(min_dims=1, max_dims=3, max_side=5), data=st.data())
def test_split_size_chunk_unbind_forward_and_gradients(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    size = data.draw(st.integers(1, n + 1))
    pieces = am.split(x, size, axis=axis)  # numpy's spelling of dim
    assert [p.shape[axis] for p in pieces] == [size] * (n // size) + ([n % size] if n % size else [])
    np.testing.assert_array_equal(np.concatenate([p.data for p in pieces], axis=axis), x.data)
    chunks = data.draw(st.integers(1, n + 1))
    cs = x.chunk(chunks, axis)
    step = -(-n // chunks)
    assert [c.shape[axis] for c in cs] == [min(step, n - s) for s in range(0, n, step)]
    us = x.unbind(dim=axis)
    assert len(us) == n
    for k, u in enumerate(us):
        np.testing.assert_array_equal(u.data, np.take(x.data, k, axis=axis))
    assert gradcheck(lambda t: am.split(t, size, axis), (x,))
    assert gradcheck(lambda t: am.chunk(t, chunks, axis), (x,))
    assert gradcheck(lambda t: am.unbind(t, axis), (x,))
    keep = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True))
    assert gradcheck(lambda t: weighted(am.unbind(t, axis), keep), (x,))


@given(x=tensors(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_second_order(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    sizes = sizes_for(x.shape[axis], data)
    # products of the pieces, so that second derivatives are not all zero
    assert gradgradcheck(lambda t: tuple(p * p for p in am.split(t, sizes, axis)), (x,))
    assert gradgradcheck(lambda t: weighted([u * u * u for u in am.unbind(t, axis)], [0]), (x,))


def test_exact_gradient_with_unused_pieces():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    a, b, c = am.split(x, [1, 2, 1], dim=1)
    (b * Tensor([[1.0, 2.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.tile([0.0, 1.0, 2.0, 0.0], (3, 1)))
    x.grad = None
    u = am.unbind(x, 0)
    (u[2] * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0] * 4, [0.0] * 4, [3.0] * 4])


def test_edge_cases_follow_pytorch():
    x = Tensor(np.arange(5.0), requires_grad=True)
    assert [p.shape for p in am.split(x, 7)] == [(5,)]
    assert [p.shape for p in am.split(x, [2, 0, 3])] == [(2,), (0,), (3,)]
    assert [p.shape for p in am.chunk(x, 4)] == [(2,), (2,), (1,)]
    assert [p.shape for p in am.chunk(Tensor(np.zeros((2, 0))), 3, 1)] == [(2, 0)] * 3
    assert [p.shape for p in am.split(Tensor(np.zeros(0)), 2)] == [(0,)]
    assert am.unbind(Tensor(np.zeros((0, 3)))) == ()
    assert am.unbind(x)[3].shape == ()


def test_pieces_are_views_and_int_data_works():
    x = Tensor(np.arange(6).reshape(2, 3))
    a, b = x.split([1, 2], 1)
    assert a.dtype == x.dtype and not a.requires_grad and a.grad_fn is None
    assert np.shares_memory(a.data, x.data)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda x: am.split(x, [2, 2], 1), ShapeError, ["split", "[2, 2]", "sum to 4", "(3, 5)", "length 5"]),
        (lambda x: am.split(x, 2, dim=2), ShapeError, ["split", "dim 2", "(3, 5)"]),
        (lambda x: am.unbind(x, -3), ShapeError, ["unbind", "dim -3", "(3, 5)"]),
        (lambda x: am.chunk(x, 0), ValueError, ["chunk", "positive", "0"]),
        (lambda x: am.split(x, 0, 1), ValueError, ["split", "split_size", "0", "length 5"]),
        (lambda x: am.split(x, [3, -1], 1), ValueError, ["split", ">= 0"]),
        (lambda x: am.split(x, 2.5), TypeError, ["split", "2.5"]),
        (lambda x: am.split(x, 2, 1, axis=0), TypeError, ["split", "dim=1", "axis=0"]),
        (lambda x: am.split(x[0, 0], 1), ShapeError, ["split", "0-d"]),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, error, words):
    with pytest.raises(error) as e:
        call(Tensor(np.zeros((3, 5)), requires_grad=True))
    for w in words:
        assert w in str(e.value)


def test_against_torch():
    torch = pytest.importorskip("torch")
    x_np = RNG.standard_normal((4, 7, 3))
    for ours, theirs in [
        (lambda t: am.split(t, 3, 1), lambda t: torch.split(t, 3, 1)),
        (lambda t: am.split(t, [1, 4, 2], dim=-2), lambda t: torch.split(t, [1, 4, 2], dim=-2)),
        (lambda t: am.chunk(t, 3, dim=1), lambda t: torch.chunk(t, 3, dim=1)),
        (lambda t: t.chunk(5, 0), lambda t: t.chunk(5, 0)),
        (lambda t: am.unbind(t, 2), lambda t: torch.unbind(t, 2)),
    ]:
        x = Tensor(x_np, requires_grad=True)
        xt = torch.tensor(x_np, requires_grad=True)
        a, b = ours(x), theirs(xt)
        assert len(a) == len(b)
        for p, q in zip(a, b):
            np.testing.assert_array_equal(p.data, q.detach().numpy())
        ws = [RNG.standard_normal(p.shape) for p in a]
        keep = [k for k in range(len(a)) if k % 2 == 0]  # every other piece: the rest get no gradient
        sum(((a[k] * ws[k]).sum() for k in keep), Tensor(0.0)).backward()
        sum((b[k] * torch.tensor(ws[k])).sum() for k in keep).backward()
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_split_mutant_is_caught():
    """The mutation audit's 1.01x-scaled backward of Split fails gradcheck (tests/mutation_audit.py)."""
    spec = importlib.util.spec_from_file_location(
        "mutation_audit", pathlib.Path(__file__).parents[1] / "mutation_audit.py")
    audit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(audit)
    assert "Split" in audit._functions()
    original = ops.Split.backward
    x = leaf(3, 4)
    fns = [lambda t: am.split(t, [1, 3], 1), lambda t: weighted(am.unbind(t, 0), [1])]

    def mutate(gxs):
        gxs[0] = gxs[0] * audit.SCALE
        return gxs

    audit._wrap(ops.Split, mutate)
    try:
        for fn in fns:
            with pytest.raises(GradcheckError):
                gradcheck(fn, (x,))
    finally:
        ops.Split.backward = staticmethod(original)
    for fn in fns:
        assert gradcheck(fn, (x,))


# ***** users' Functions with several outputs *****


class SinCos(Function):
    """(s, c) = (sin x, cos x);  dx = gs * cos x - gc * sin x"""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        s, c = np.asarray(np.sin(x)), np.asarray(np.cos(x))  # NOTE: numpy gives scalars for 0-d x
        ctx.save_for_backward(s, c)  # the outputs: they come back as the output Tensors
        return s, c

    @staticmethod
    def backward(ctx, gs, gc):
        SinCos.calls += 1
        s, c = ctx.saved_tensors
        return gs * c - gc * s


class ProdSum(Function):
    """(p, s) = (x * y, x + y);  dx = gp * y + gs,  dy = gp * x + gs"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return [x * y, x + y]  # a list works too

    @staticmethod
    def backward(ctx, gp, gs):
        x, y = ctx.saved_tensors
        return gp * y + gs, gp * x + gs


@given(x=tensors(max_dims=2, elements=(-3, 3)))
def test_user_two_output_function_gradcheck(x):
    s, c = SinCos.apply(x)
    np.testing.assert_allclose(s.data, np.sin(x.data))
    np.testing.assert_allclose(c.data, np.cos(x.data))
    assert s.grad_fn is c.grad_fn and s.grad_fn.outputs == (s, c)
    assert gradcheck(SinCos.apply, (x,))
    assert gradgradcheck(SinCos.apply, (x,))
    assert gradcheck(lambda t: SinCos.apply(t)[1] * 2.0, (x,))  # the unused output gets materialized zeros


@given(shapes=st.sampled_from([((2, 3), (2, 3)), ((2, 3), (3,)), ((1,), (4, 1))]), data=st.data())
def test_user_function_with_broadcasting_inputs(shapes, data):
    x = data.draw(tensors(shapes[0]))
    y = data.draw(tensors(shapes[1]))
    assert gradcheck(ProdSum.apply, (x, y))
    assert gradgradcheck(ProdSum.apply, (x, y))


def test_backward_runs_once_after_all_outputs_gradients():
    x = leaf(3)
    s, c = SinCos.apply(x)
    # s is used early and late, c in the middle: the node must still run once, with complete gradients
    a = s * 2.0
    b = (c * a).tanh()
    loss = (b + s * s + c).sum()
    SinCos.calls = 0
    loss.backward()
    assert SinCos.calls == 1
    # against the chain rule by hand
    sx, cx = np.sin(x.data), np.cos(x.data)
    a_ = 2 * sx
    t_ = np.tanh(cx * a_)
    gb = 1 - t_ ** 2
    gs = gb * cx * 2 + 2 * sx
    gc = gb * a_ + 1
    np.testing.assert_allclose(x.grad.data, gs * cx - gc * sx, rtol=1e-12)


def test_materialize_and_none():
    got = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x, materialize=True):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            got.append((ga, gb))
            ga = 0 if ga is None else ga
            gb = 0 if gb is None else gb
            return ga * 2 + gb * 3

    x = leaf(2, 2)
    a, b = Two.apply(x)
    a.sum().backward()
    assert isinstance(got[-1][1], Tensor) and got[-1][1].shape == (2, 2) and not got[-1][1].data.any()
    del b  # a dead output is materialized too, from its recorded shape
    _, b = Two.apply(x, materialize=False)
    b.sum().backward()
    assert got[-1][0] is None
    np.testing.assert_allclose(x.grad.data, np.full((2, 2), 5.0))


def test_user_gradients_are_checked():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

        @staticmethod
        def backward(ctx, ga, gb):
            return ga, gb  # two gradients for one input

    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x, x.sum()

        @staticmethod
        def backward(ctx, ga, gb):
            return gb * np.ones((5,))

    with pytest.raises(RuntimeError, match="Wrong.backward returned 2 gradients for 1 input"):
        Wrong.apply(leaf(3))[0].sum().backward()
    with pytest.raises(ShapeError, match="BadShape.backward returned a gradient of shape"):
        BadShape.apply(leaf(3))[1].backward()


def test_non_float_outputs_are_not_differentiable():
    class MaxWithIndex(Function):
        @staticmethod
        def forward(ctx, x):
            i = x.argmax(axis=-1)
            ctx.i = i
            ctx.shape = x.shape
            return np.take_along_axis(x, i[..., None], -1)[..., 0], i

        @staticmethod
        def backward(ctx, gv, gi):
            assert gi is None
            onehot = np.zeros(ctx.shape)
            np.put_along_axis(onehot, ctx.i[..., None], 1.0, -1)
            return am.expand_dims(gv, -1) * onehot

    x = Tensor(np.array([[1.0, 3.0, 2.0], [5.0, 4.0, 0.0]]), requires_grad=True)
    v, i = MaxWithIndex.apply(x)
    assert v.requires_grad and not i.requires_grad and i.grad_fn is None
    np.testing.assert_array_equal(i.data, [1, 0])
    assert gradcheck(lambda t: MaxWithIndex.apply(t)[0], (x,))


def test_no_grad_and_inputs_without_grad():
    x = leaf(3)
    with am.no_grad():
        a, b = SinCos.apply(x)
    assert not a.requires_grad and a.grad_fn is None
    with pytest.raises(am.NoGradError, match="made by SinCos"):
        a.backward(np.ones(3))
    a, b = SinCos.apply(Tensor(np.ones(3)))
    assert not a.requires_grad and not b.requires_grad


def test_empty_tuple_is_refused():
    class Nothing(Function):
        @staticmethod
        def forward(ctx, x):
            return ()

    with pytest.raises(RuntimeError, match="Nothing.forward returned an empty tuple"):
        Nothing.apply(leaf(2))


# ***** the engine around such nodes *****


def test_grad_of_intermediate_outputs_and_several_roots():
    x = leaf(2, 6)
    a, b, c = am.chunk(x, 3, dim=1)
    y = (a * b * c).sum()
    ga, gc = am.grad(y, [a, c], retain_graph=True)
    np.testing.assert_allclose(ga.data, (b * c).data)
    np.testing.assert_allclose(gc.data, (a * b).data)
    gx = am.grad([a, c], x, [np.ones((2, 2)), 2 * np.ones((2, 2))])[0]
    np.testing.assert_array_equal(gx.data, np.tile([1, 1, 0, 0, 2, 2], (2, 1)))


def test_hooks_and_retain_grad_on_each_output():
    x = leaf(4)
    a, b = am.split(x, 2)
    seen = []
    a.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    b.retain_grad()
    a.retain_grad()
    (a * 1.5 + b * 2.5).sum().backward()
    np.testing.assert_allclose(seen[0], [1.5, 1.5])
    np.testing.assert_allclose(a.grad.data, [15.0, 15.0])  # retain_grad sees what the hook returned
    np.testing.assert_allclose(b.grad.data, [2.5, 2.5])
    np.testing.assert_allclose(x.grad.data, [15.0, 15.0, 2.5, 2.5])


def test_create_graph_through_a_user_op():
    x = Tensor(np.array([0.3, -1.2]), requires_grad=True)
    s, c = SinCos.apply(x)
    (g,) = am.grad((s * c).sum(), x, create_graph=True)  # d/dx sin x cos x = cos 2x
    np.testing.assert_allclose(g.data, np.cos(2 * x.data))
    (gg,) = am.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, -2 * np.sin(2 * x.data))


def test_freed_graph_raises_on_a_second_backward():
    x = leaf(3, 2)
    a, b = am.unbind(x, 1)
    y = (a * b).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data[:, ::-1])
    with pytest.raises(GraphFreedError, match="freed by an earlier backward"):
        y.backward()
    with pytest.raises(GraphFreedError, match="Split"):
        a.sum().backward()  # the Split node was freed too


def test_outputs_values_are_freed_after_backward_when_unused():
    x = leaf(64, 8)
    s, c = SinCos.apply(x)
    y = (s * c).sum()
    del s, c
    y.backward()
    node = y.grad_fn.freed_inputs[0].grad_fn.freed_inputs[0].grad_fn  # Sum <- Mul <- SinCos
    outs = [r() for r in node._outputs]
    assert node.name == "SinCos" and all(is_freed(o) for o in outs)


def test_version_check_on_outputs_and_inputs():
    x = leaf(3)
    s, c = SinCos.apply(x)
    loss = (s + c).sum()
    with am.no_grad():
        c.add_(1.0)  # an output that backward reads (saved), changed after the node was recorded
    with pytest.raises(RuntimeError, match="SinCos: its output 1 .* modified in place"):
        loss.backward()
    x = leaf(3)
    y = leaf(3)
    p, q = ProdSum.apply(x, y)
    with am.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="ProdSum: its input 1 .* modified in place"):
        (p + q).sum().backward()
    # Split never reads values: changing its input (and so its outputs, views of it) afterwards is no error
    z = leaf(4)
    a, b = am.split(z, 2)
    loss = (a + b).sum()
    with am.no_grad():
        z.mul_(3.0)
    loss.backward()
    np.testing.assert_array_equal(z.grad.data, np.ones(4))


def test_anomaly_mode_checks_each_output_and_the_backward():
    class HalfNaN(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0, np.log(x - 10.0)

        @staticmethod
        def backward(ctx, ga, gb):
            return ga + gb

    class BadBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0, x * 2.0

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * np.nan

    x = leaf(3)
    with am.detect_anomaly():
        with pytest.warns(RuntimeWarning), pytest.raises(AnomalyError, match="HalfNaN .* output 1 .* NaN"):
            HalfNaN.apply(x)
        a, b = BadBackward.apply(x)
        with pytest.raises(AnomalyError, match="BadBackward's backward returned"):
            (a + b).sum().backward()
        p, q = am.split(x, [1, 2])
        (p * q[0]).sum().backward()  # a library op with several outputs under anomaly mode
    assert x.grad is not None


def test_iter_graph_and_drawing_show_the_node_once():
    graphviz = pytest.importorskip("graphviz")  # noqa: F841
    from autograd_mini import viz

    x = leaf(3, 4)
    a, b, c, d = am.chunk(x, 4, dim=1)
    y = (a * b + c.tanh()).sum()
    walked = list(am.iter_graph([y]))
    assert len(walked) == len({id(t) for t in walked})
    assert sum(1 for t in walked if t.grad_fn is not None and t.grad_fn.name == "Split") == 3  # d is unused
    for when in ("before", "after"):
        if when == "after":
            y.backward()
        src = viz.draw_graph(y).source
        assert src.count('label="Split') == 1 and "(4 outputs)" in src
        op = next(line.split()[0] for line in src.splitlines() if 'label="Split' in line)
        outs = [line for line in src.splitlines() if line.strip().startswith(op + " -> ")]
        assert len(outs) == 3 and {o.split("label=")[1].split()[0] for o in outs} == {"0", "1", "2"}
        leaves = viz.draw_graph(y, show_tensors="leaves").source
        assert leaves.count('label="Split') == 1


def test_a_node_whose_outputs_get_no_gradient_is_skipped():
    class Block(Function):
        """y = x, with no gradient for x (a stop-gradient)."""

        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, gy):
            return None

    w = leaf(300)
    x = w * 3.0
    a, b = am.chunk(x, 2)
    y = (Block.apply(a).sum() + Block.apply(b).sum()) + (x * 2.0).sum()
    split, mul = a.grad_fn, x.grad_fn
    del a, b
    y.backward()
    np.testing.assert_allclose(w.grad.data, np.full(300, 6.0))
    assert split.inputs is not None and mul.inputs is None  # Split never ran (nothing reached it); Mul did
    assert not is_freed(x)  # held here, so its values stay
