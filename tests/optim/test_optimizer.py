"""The Optimizer base class, and behaviour every optimizer shares (one table, parametrized)."""
import copy

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor
from optim import SGD, Adadelta, Adagrad, Adam, AdamW, Momentum, Optimizer, RMSprop

# every optimizer, and the variants that have extra state (momentum buffers) or extra terms (weight decay)
CASES = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (Momentum, dict(lr=0.1)),
    (Adam, dict(lr=0.1, weight_decay=0.01)),
    (AdamW, dict(lr=0.1)),
    (RMSprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
    (Adagrad, dict(lr=0.1, weight_decay=0.01)),
    (Adadelta, dict(weight_decay=0.01)),
]
IDS = [f"{cls.__name__}({', '.join(f'{k}={v}' for k, v in kw.items())})" for cls, kw in CASES]
SHAPES = [(3,), (2, 2), ()]


def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [Tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in SHAPES]


def gradients(n_steps, dtype=np.float64, seed=1):
    """One list of gradients (one per parameter) per step; parameter 1 has none for the first 3 steps
    (so a state_dict saved after 3 steps has no state for it)."""
    rng = np.random.default_rng(seed)
    steps = [[rng.normal(size=s).astype(dtype) for s in SHAPES] for _ in range(n_steps)]
    for t in range(min(3, n_steps)):
        steps[t][1] = None
    return steps


def train(opt, params, steps):
    for grads in steps:
        for p, g in zip(params, grads):
            p.grad = None if g is None else Tensor(g)
        opt.step()


def grouped(params, lr):
    return [{"params": params[:2]}, {"params": params[2:], "lr": lr / 2}]


# ----- every optimizer -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_state_dict_round_trip_resumes_bit_exactly(cls, kwargs, dtype):
    k, n = 3, 4
    steps = gradients(k + n, dtype)
    lr = kwargs.get("lr", 1.0)

    params = make_params(dtype)
    opt = cls(grouped(params, lr), **kwargs)
    train(opt, params, steps[:k])
    saved = opt.state_dict()
    assert 1 not in saved["state"]
    saved_params = [p.data.copy() for p in params]
    train(opt, params, steps[k:])  # the uninterrupted run; must not change `saved`

    resumed = [Tensor(x.copy(), requires_grad=True) for x in saved_params]
    opt2 = cls(grouped(resumed, lr), **kwargs)
    opt2.load_state_dict(saved)
    train(opt2, resumed, steps[k:])

    for p, q in zip(params, resumed):
        assert p.data.dtype == q.data.dtype == dtype
        assert np.array_equal(p.data, q.data)
    assert opt.state_dict().keys() == opt2.state_dict().keys()
    for i, state in opt.state_dict()["state"].items():
        for name, value in state.items():
            assert np.array_equal(value, opt2.state_dict()["state"][i][name]), name


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_state_dict_is_a_copy(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    train(opt, params, gradients(3))
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    train(opt, params, gradients(2, seed=5))
    opt.param_groups[0]["lr"] = 123.0
    for i, state in frozen["state"].items():
        for name, value in state.items():
            assert np.array_equal(saved["state"][i][name], value)
    assert saved["param_groups"] == frozen["param_groups"]


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_float32_parameters_stay_float32(cls, kwargs, grad_dtype):
    params = make_params(np.float32)
    opt = cls(params, **kwargs)
    train(opt, params, gradients(5, grad_dtype))
    for p in params:
        assert p.data.dtype == np.float32
        for name, value in opt.state[p].items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, name


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_parameters_without_grad_are_skipped(cls, kwargs):
    a, b = make_params()[:2]
    b_before = b.data.copy()
    opt = cls([a, b], **kwargs)
    a.grad = Tensor(np.ones_like(a.data))
    opt.step()
    assert np.array_equal(b.data, b_before)
    assert b not in opt.state and a in opt.state
    assert opt.state_dict()["state"].keys() == {0}


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_group_hyperparameters_override_defaults(cls, kwargs):
    lr = kwargs.get("lr", 1.0)
    params = make_params()
    opt = cls(grouped(params, lr), **kwargs)
    assert [g["lr"] for g in opt.param_groups] == [lr, lr / 2]
    steps = gradients(4)
    train(opt, params, steps)
    # the same run with one optimizer per group, each given its lr directly
    solo = make_params()
    opt_a = cls(solo[:2], **kwargs)
    opt_b = cls(solo[2:], **{**kwargs, "lr": lr / 2})
    for grads in steps:
        for p, g in zip(solo, grads):
            p.grad = None if g is None else Tensor(g)
        opt_a.step()
        opt_b.step()
    for p, q in zip(params, solo):
        assert np.array_equal(p.data, q.data)


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_shared_gradient_arrays_are_left_alone(cls, kwargs):
    # NOTE: backward may hand several parameters the same gradient Tensor or ndarray
    g = np.arange(3.0)
    a, b, c = (Tensor(np.ones(3), requires_grad=True) for _ in range(3))
    reference = Tensor(np.ones(3), requires_grad=True)
    opt, opt_ref = cls([a, b, c], **kwargs), cls([reference], **kwargs)
    for _ in range(3):
        a.grad = b.grad = Tensor(g)
        c.grad = Tensor(g)
        reference.grad = Tensor(g.copy())
        opt.step()
        opt_ref.step()
    np.testing.assert_array_equal(g, np.arange(3.0))
    for p in (a, b, c):
        assert np.array_equal(p.data, reference.data)


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_optimizers_can_be_built_from_a_generator(cls, kwargs):
    params = make_params()
    opt = cls((p for p in params), **kwargs)
    assert len(opt.param_groups) == 1 and len(opt.param_groups[0]["params"]) == 3


# convergence on f(x) = 0.5 x^T A x - b^T x (A symmetric positive definite, eigenvalues 0.5 to 4),
# whose minimum is x* = A^-1 b, from x = 0 with exact gradients A x - b
CONVERGENCE = [
    # optimizer                                             steps  tolerance on |x - x*|
    (lambda ps: SGD(ps, lr=0.2),                            300,   1e-10),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.5),              300,   1e-10),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True), 500, 1e-10),
    (lambda ps: Momentum(ps, lr=0.05),                      1000,  1e-10),
    (lambda ps: Adam(ps, lr=0.05),                          1000,  1e-10),
    (lambda ps: AdamW(ps, lr=0.05, weight_decay=0.0),       1000,  1e-10),
    # NOTE: with a fixed lr, RMSprop's steps stay about lr long, so it ends in a cycle of size O(lr)
    (lambda ps: RMSprop(ps, lr=1e-3),                       5000,  5e-3),
    (lambda ps: Adagrad(ps, lr=0.5),                        300,   1e-10),
    (lambda ps: Adadelta(ps, lr=0.5, eps=1e-4),             500,   1e-10),
]


@pytest.mark.parametrize("make_optimizer, n_steps, tolerance", CONVERGENCE,
                         ids=["SGD", "SGD-momentum", "SGD-nesterov", "Momentum", "Adam", "AdamW", "RMSprop",
                              "Adagrad", "Adadelta"])
def test_converges_on_a_convex_quadratic(make_optimizer, n_steps, tolerance):
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    a = q @ np.diag([0.5, 1.0, 2.0, 4.0]) @ q.T
    b = rng.normal(size=4)
    x_star = np.linalg.solve(a, b)
    x = Tensor(np.zeros(4), requires_grad=True)
    opt = make_optimizer([x])
    for _ in range(n_steps):
        x.grad = Tensor(a @ x.data - b)
        opt.step()
    assert np.linalg.norm(x.data - x_star) < tolerance


# ----- the base class ------------------------------------------------------------------------------------

def param(shape=(2,)):
    return Tensor(np.zeros(shape), requires_grad=True)


def test_param_groups_are_filled_with_defaults():
    a, b = param(), param()
    opt = SGD([{"params": [a]}, {"params": b, "momentum": 0.5}], lr=0.1)
    assert opt.param_groups[0] == {"params": [a], "lr": 0.1, "momentum": 0.0, "nesterov": False,
                                   "weight_decay": 0.0}
    assert opt.param_groups[1]["params"][0] is b and opt.param_groups[1]["momentum"] == 0.5


def test_the_callers_group_dict_is_not_modified():
    group = {"params": (p for p in [param()]), "lr": 0.5}
    keys = set(group)
    SGD([group], lr=0.1)
    assert set(group) == keys


@pytest.mark.parametrize("params, error, message", [
    ([], ValueError, "empty parameter list"),
    (Tensor(np.zeros(2), requires_grad=True), TypeError, "single Tensor"),
    ({Tensor(np.zeros(2), requires_grad=True)}, TypeError, "not a set"),
    ([np.zeros(2)], TypeError, "can only optimize Tensors, got ndarray"),
    ([{"lr": 0.1}], ValueError, "'params' entry"),
    ([{"params": [Tensor(np.zeros(2), requires_grad=True)]}, [1]], TypeError, "must be a dict"),
])
def test_invalid_params_are_rejected(params, error, message):
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_non_leaf_tensors_are_rejected():
    x = param()
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([x * 2], lr=0.1)


def test_parameters_that_do_not_require_grad_are_accepted():
    # as in PyTorch: such a parameter simply never gets a gradient, or is updated if given one by hand
    p = Tensor(np.zeros(2))
    opt = SGD([p], lr=1.0)
    p.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(p.data, [-1.0, -1.0])


def test_duplicates_in_a_group_are_kept_once_with_a_warning():
    a = param()
    a.data[:] = [1.0, 2.0]  # equal-valued distinct tensors must both be kept: dedupe is by identity
    b = Tensor(a.data.copy(), requires_grad=True)
    with pytest.warns(UserWarning, match="more than once"):
        opt = SGD([a, b, a], lr=1.0)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(a), id(b)]
    a.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(a.data, [0.0, 1.0])  # updated once, not twice


def test_a_parameter_in_two_groups_is_rejected():
    a = param()
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [a]}, {"params": [param(), a]}], lr=0.1)


def test_add_param_group():
    a, b = param(), param()
    opt = SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 1.0})
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 1.0
    b.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(b.data, [-1.0, -1.0])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="invalid learning rate"):
        opt.add_param_group({"params": [param()], "lr": -1.0})
    assert len(opt.param_groups) == 2


def test_gradient_of_the_wrong_shape_is_rejected():
    p = param((2,))
    opt = SGD([p], lr=0.1)
    p.grad = Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) for a parameter of shape \(2,\)"):
        opt.step()


def test_step_returns_the_closure_value():
    p = param()
    opt = SGD([p], lr=0.1)

    def closure():
        p.grad = Tensor(np.ones(2))
        return 42.0

    assert opt.step(closure) == 42.0
    np.testing.assert_allclose(p.data, [-0.1, -0.1])
    assert opt.step() is None


def test_zero_grad_sets_to_none_by_default():
    a, b = param(), param()
    opt = SGD([a, b], lr=0.1)
    a.grad = Tensor(np.ones(2))
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_without_none_gives_fresh_zero_tensors():
    a, b, c = param(), param(), param()
    shared = np.ones(2, dtype=np.float32)
    a.grad = b.grad = Tensor(shared)
    opt = SGD([a, b, c], lr=0.1)
    opt.zero_grad(set_to_none=False)
    for p in (a, b):
        assert isinstance(p.grad, Tensor) and p.grad.dtype == np.float32
        np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])
    assert a.grad is not b.grad
    np.testing.assert_array_equal(shared, [1.0, 1.0])  # the shared array was not zeroed in place
    assert c.grad is None


def test_state_dict_numbers_parameters_across_groups():
    a, b, c = param(), param(), param()
    opt = SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    c.grad = Tensor(np.ones(2))
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert list(sd["state"]) == [2]
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"], [1.0, 1.0])


def test_load_state_dict_restores_hyperparameters_and_keeps_group_objects():
    a = param()
    opt = SGD([a], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.7
    group = opt.param_groups[0]
    opt.load_state_dict(sd)
    assert opt.param_groups[0] is group and group["lr"] == 0.7 and group["params"][0] is a


def _trained_adam():
    a, b = param((2,)), param((3,))
    opt = Adam([{"params": [a]}, {"params": [b]}], lr=0.1)
    a.grad, b.grad = Tensor(np.ones(2)), Tensor(np.ones(3))
    opt.step()
    return opt


def _break(change):
    def broken():
        sd = _trained_adam().state_dict()
        change(sd)
        return sd
    return broken


@pytest.mark.parametrize("make_bad, message", [
    (lambda: {"state": {}}, "'state' and 'param_groups'"),
    (lambda: {"state": [], "param_groups": [{}, {}]}, "a list of dicts with 'params'"),
    (_break(lambda sd: sd["param_groups"].pop()), "has 1 parameter groups, this optimizer has 2"),
    (_break(lambda sd: sd["param_groups"][1]["params"].append(7)), "group 1: .* 2 parameters, .* has 1"),
    (_break(lambda sd: sd["param_groups"][0].pop("betas")), r"lacks hyperparameters \['betas'\]"),
    (_break(lambda sd: sd["param_groups"][0].update(lr=-1.0)), "invalid learning rate"),
    (_break(lambda sd: sd["state"].update({9: {}})), "state for parameter 9"),
    (_break(lambda sd: sd["state"][1].pop("exp_avg_sq")), r"lacks \['exp_avg_sq'\]"),
    (_break(lambda sd: sd["state"][1].update(exp_avg=np.zeros(4))), r"'exp_avg' of parameter 1 has shape \(4,\)"),
    (_break(lambda sd: sd["state"][0].update(exp_avg=0.0)), "'exp_avg' of parameter 0 must be an ndarray"),
    (lambda: SGD([param(), param()], lr=0.1, momentum=0.9).state_dict(), "has 1 parameter groups"),
])
def test_load_state_dict_validates_and_loads_nothing_on_error(make_bad, message):
    opt = _trained_adam()
    before = opt.state_dict()
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(make_bad())
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for i, state in before["state"].items():
        for name, value in state.items():
            assert np.array_equal(after["state"][i][name], value)


def test_load_state_dict_rejects_state_of_another_optimizer_class():
    p = param()
    sgd = SGD([p], lr=0.1, momentum=0.9)
    p.grad = Tensor(np.ones(2))
    sgd.step()
    sd = sgd.state_dict()
    sd["param_groups"][0].update(betas=(0.9, 0.999), eps=1e-8)
    with pytest.raises(ValueError, match="was it saved by another optimizer class"):
        Adam([param()]).load_state_dict(sd)


def test_load_state_dict_casts_buffers_to_the_parameter_dtype():
    opt64 = _trained_adam()
    a, b = param((2,)), param((3,))
    a.data, b.data = a.data.astype(np.float32), b.data.astype(np.float32)
    opt32 = Adam([{"params": [a]}, {"params": [b]}], lr=0.1)
    opt32.load_state_dict(opt64.state_dict())
    assert opt32.state[a]["exp_avg"].dtype == np.float32


def test_optimizer_subclass_must_implement_update():
    p = param()
    opt = Optimizer([p], {})
    p.grad = Tensor(np.ones(2))
    with pytest.raises(NotImplementedError, match="must implement _update"):
        opt.step()


def test_repr_lists_groups():
    text = repr(SGD([param()], lr=0.1))
    assert text.startswith("SGD (") and "lr: 0.1" in text


# ----- version counters: step() marks the parameters it changes -----------------------------------------------


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_step_bumps_the_version_of_each_updated_parameter_once(cls, kwargs):
    params = make_params()
    opt = cls(params, **kwargs)
    for p, g in zip(params, gradients(1)[0]):
        p.grad = None if g is None else Tensor(g)
    before = [p._version for p in params]
    opt.step()
    assert [p._version - v for p, v in zip(params, before)] == [1, 0, 1]  # parameter 1 has no grad: untouched


def test_versions_stay_exact_across_many_steps_mixed_with_other_changes():
    """Reads in between, other in-place changes, a step that skips a parameter and a second optimizer over the
    same parameter: each parameter's version is the number of changes it saw."""
    a, b = param(), param()
    opt, other = SGD([a, b], lr=0.1), SGD([a], lr=0.1)
    expected = {"a": 0, "b": 0}

    def step(with_b=True, opt=opt):
        a.grad = Tensor(np.ones(2))
        b.grad = Tensor(np.ones(2)) if with_b else None
        opt.step()
        expected["a"] += 1
        expected["b"] += with_b

    for _ in range(3):
        step()
    assert (a._version, b._version) == (expected["a"], expected["b"])
    step(); step()
    with am.no_grad():
        a.add_(1.0)  # a change by another means, between steps
    expected["a"] += 1
    step(with_b=False)  # b has no gradient: not changed
    step(with_b=False, opt=other)  # a second optimizer over a
    step(); step()
    assert (a._version, b._version) == (expected["a"], expected["b"])


def test_a_graph_recorded_among_many_steps_still_raises():
    # steps are added to the counters in batches (every 64 steps, or when one is read): a graph recorded
    # between two batches, then more steps, must see the change
    w = am.Tensor([2., 2., 2.], requires_grad=True)
    opt = SGD([w], lr=0.01)

    def steps(k):
        for _ in range(k):
            w.grad = am.Tensor(np.ones(3))
            opt.step()

    steps(100)
    y = (am.Tensor([1., 2., 3.], requires_grad=True) * w).sum()
    steps(1)
    with pytest.raises(RuntimeError, match=r"saved version 100, current version 101"):
        y.backward()
    steps(99)
    assert w._version == 200


def test_steps_waiting_to_be_counted_stay_few():
    # a training loop never reads a version: the steps recorded for the counters must not pile up
    from autograd_mini import inplace

    w = am.Tensor([2., 2., 2.], requires_grad=True)
    opt = SGD([w], lr=0.01)
    for _ in range(3 * inplace._MAX_STEPS):
        w.grad = am.Tensor(np.ones(3))
        opt.step()
        assert len(inplace._steps) <= inplace._MAX_STEPS
    assert w._version == 3 * inplace._MAX_STEPS


def test_two_optimizers_taking_turns_keep_exact_versions():
    # a GAN's two optimizers: the records alternate between two sets of arrays (and share one)
    g, d, shared = param(), param(), param()
    opt_g, opt_d = SGD([g, shared], lr=0.1), SGD([d, shared], lr=0.1)
    for _ in range(100):
        for p, opt in ((d, opt_d), (g, opt_g)):
            p.grad = Tensor(np.ones(2))
            shared.grad = Tensor(np.ones(2))
            opt.step()
    assert (g._version, d._version, shared._version) == (100, 100, 200)


def test_steps_are_added_in_order_with_the_newest_stamp_last():
    from autograd_mini import inplace

    # w is in two optimizers with different other parameters: its records alternate between two sets of arrays
    w = am.Tensor([2., 2., 2.], requires_grad=True)
    first, second = SGD([w, param()], lr=0.01), SGD([param(), w], lr=0.01)
    other = SGD([param()], lr=0.01)
    for opt in (first, second, second, first, second, other, first, second):
        for p in opt.param_groups[0]["params"]:
            p.grad = am.Tensor(np.ones(p.shape))
        opt.step()
        if opt is not other:
            newest = inplace.last_stamp
    assert w._version == 7
    stamps = inplace._lookup(w.data, False).stamps
    assert stamps[-1] == newest and list(stamps) == sorted(stamps)


def test_deleting_the_optimizer_frees_the_arrays_of_its_recorded_steps():
    import gc
    import weakref

    w = am.Tensor([2., 2., 2.], requires_grad=True)
    opt = SGD([w], lr=0.01)
    w.grad = am.Tensor(np.ones(3))
    opt.step()
    alive = weakref.ref(w.data)
    del w, opt
    gc.collect()
    assert alive() is None


def test_an_optimizer_deleted_while_the_counters_are_locked_does_not_wait():
    # a deletion can happen inside the locked section (a garbage collection started by an allocation there):
    # release must not wait for the lock (a deadlock); the steps are added later
    from autograd_mini import inplace

    w = am.Tensor([2., 2., 2.], requires_grad=True)
    opt = SGD([w], lr=0.01)
    w.grad = am.Tensor(np.ones(3))
    opt.step()
    with inplace._flush_lock:
        inplace.release()
    assert inplace._steps
    inplace.release()
    assert not inplace._steps
    assert w._version == 1


def test_two_optimizers_over_one_parameter_interleaved_still_raise():
    # the change that matters is the newest one, made by the optimizer that also made the oldest
    w = am.Tensor([2., 2., 2.], requires_grad=True)
    first, second = SGD([w], lr=1.0), SGD([w], lr=1.0)
    for opt in (first, second):
        w.grad = am.Tensor(np.ones(3))
        opt.step()
    y = (am.Tensor([1., 2., 3.], requires_grad=True) * w).sum()
    w.grad = am.Tensor(np.ones(3))
    first.step()  # after y's node
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_backward_after_steps_names_the_saved_and_current_versions():
    w = am.Tensor([2., 2., 2.], requires_grad=True)
    opt = SGD([w], lr=1.0)
    for _ in range(2):  # two steps before the graph: its node sees version 2
        w.grad = am.Tensor(np.ones(3))
        opt.step()
    y = (am.Tensor([1., 2., 3.], requires_grad=True) * w).sum()
    for _ in range(3):  # three after: current version 5
        w.grad = am.Tensor(np.ones(3))
        opt.step()
    with pytest.raises(RuntimeError, match=r"saved version 2, current version 5"):
        y.backward()


def _issue_program():
    """The program of the bug report: before version bumps, x.grad silently became [100, 100, 100]."""
    x = am.Tensor([1., 2., 3.], requires_grad=True)
    w = am.Tensor([2., 2., 2.], requires_grad=True)
    y = (x * w).sum()
    opt = SGD([w], lr=1.0)
    w.grad = am.Tensor([-98., -98., -98.])
    opt.step()
    return x, y


def test_backward_after_step_raises_instead_of_using_the_new_values():
    x, y = _issue_program()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    assert x.grad is None


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_second_backward_after_step_raises(cls, kwargs):
    x = am.Tensor([1., 2., 3.], requires_grad=True)
    w = am.Tensor([2., -1., 0.5], requires_grad=True)
    out = (x * w).sum()
    opt = cls([w], **kwargs)
    out.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()


@pytest.mark.parametrize("cls, kwargs", [(SGD, dict(lr=0.1, momentum=0.9)), (Adam, dict(lr=0.01))],
                         ids=["SGD", "Adam"])
def test_the_usual_training_loop_does_not_raise(cls, kwargs):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = cls(model.parameters(), **kwargs)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype(np.float32), rng.normal(size=(8, 1)).astype(np.float32)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


# ----- hyperparameter types: checked once, in the base class, before the value checks --------------------------

ALL_CLASSES = [(SGD, dict(lr=0.1)), (Momentum, dict(lr=0.1)), (Adam, {}), (AdamW, {}), (RMSprop, {}),
               (Adagrad, {}), (Adadelta, {})]


@pytest.mark.parametrize("cls, kwargs", ALL_CLASSES, ids=[c.__name__ for c, _ in ALL_CLASSES])
@pytest.mark.parametrize("bad, shown", [("0.1", "str '0.1'"), (True, "bool True"), (None, "NoneType None"),
                                        ([0.1], r"list \[0.1\]"), (np.array(0.1), "ndarray")])
def test_every_numeric_hyperparameter_must_be_a_number(cls, kwargs, bad, shown):
    names = [k for k in cls([param()], **kwargs).defaults if k not in ("nesterov", "betas")]
    assert "lr" in names and "weight_decay" in names
    for name in names:
        with pytest.raises(TypeError, match=rf"^{cls.__name__}: {name} must be a number, got {shown}"):
            cls([param()], **{**kwargs, name: bad})


def test_the_issue_example_and_numpy_numbers():
    with pytest.raises(TypeError, match=r"^Adam: lr must be a number, got str '0.1'$"):
        Adam([param()], lr="0.1")
    Adam([param()], lr=np.float32(0.1), betas=(np.float64(0.9), 0.999), eps=np.int64(0))  # numpy numbers are fine
    SGD([param()], lr=1, momentum=0.9, nesterov=1)  # nesterov is a flag: any value, used for its truth


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("betas, message", [
    ((0.9, "0.999"), r"betas\[1\] must be a number, got str '0.999'"),
    ([True, 0.999], r"betas\[0\] must be a number, got bool True"),
    ("0.9, 0.999", r"betas must be a tuple of numbers, got str '0.9, 0.999'"),
    (0.9, r"betas must be a tuple of numbers, got float 0.9"),
])
def test_betas_must_be_numbers(cls, betas, message):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}: {message}"):
        cls([param()], betas=betas)


def test_group_overrides_and_loaded_groups_are_type_checked_too():
    opt = SGD([param()], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD: momentum in parameter group 1 must be a number, got str '0.9'"):
        opt.add_param_group({"params": [param()], "momentum": "0.9"})
    with pytest.raises(TypeError, match=r"SGD: lr in parameter group 0 must be a number, got str"):
        SGD([{"params": [param()], "lr": "1e-3"}], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = "0.5"
    with pytest.raises(TypeError, match=r"SGD: lr in loaded parameter group 0 must be a number, got str '0.5'"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1  # nothing was loaded
