"""Module, Parameter, ModuleList, Sequential: registration, traversal, modes, repr, call scopes and hooks,
state_dict / load_state_dict, functional_call."""
import copy

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import function as am_function
from nn.module import current_module_path


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))  # NOTE: the dtype of fc's parameters
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.layers = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 1)])
        self.bn = nn.BatchNorm1d(3)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        h = self.bn(self.first(x))
        for layer in self.layers:
            h = layer(self.drop(h))
        return h


# ----- Parameter ---------------------------------------------------------------------------------------------


def test_parameter_dtype_and_requires_grad():
    assert nn.Parameter(np.zeros(2, dtype=np.float64)).dtype == np.float64
    assert nn.Parameter(np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert nn.Parameter([1.0, 2.0]).dtype == am.get_default_dtype()
    assert nn.Parameter(np.arange(3)).dtype == am.get_default_dtype()  # integers become float
    p = nn.Parameter(np.ones(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, am.Tensor)
    assert not nn.Parameter(np.ones(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError):
        nn.Parameter(np.array(["a"]))


def test_parameter_wraps_without_copy_and_ops_return_plain_tensors():
    a = np.ones(3)
    p = nn.Parameter(a)
    assert p.data is a
    assert type(p * 2) is am.Tensor


# ----- registration and traversal ----------------------------------------------------------------------------


def test_named_parameters_order_and_dotted_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    # as PyTorch: module by module (depth first), each module's own parameters before its children's
    assert names == [
        "first.scale", "first.fc.weight", "first.fc.bias",
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "bn.weight", "bn.bias",
    ]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == ["bn.running_mean", "bn.running_var"]


def test_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["first", "layers", "bn", "drop"]
    assert list(net.children())[0] is net.first
    names = [n for n, _ in net.named_modules()]
    assert names == ["", "first", "first.fc", "first.act", "layers", "layers.0", "layers.1", "bn", "drop"]
    assert next(iter(net.modules())) is net


def test_tied_weights_appear_once():
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight
    model = nn.Sequential(a, b, a)  # a module used twice
    params = list(model.parameters())
    assert len(params) == 3  # a.weight, a.bias, b.bias
    assert len({id(p) for p in params}) == 3
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(model.modules())) == 3
    # state_dict lists every name (like PyTorch), and loading it back works
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    model.load_state_dict(model.state_dict())


def test_none_keeps_the_slot_and_wrong_types_raise():
    lin = nn.Linear(2, 3, bias=False)
    assert lin.bias is None
    assert "bias" in lin._parameters and [n for n, _ in lin.named_parameters()] == ["weight"]
    lin.bias = nn.Parameter(np.zeros(3))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    lin.bias = None
    assert lin.bias is None and "bias" not in lin.state_dict()
    with pytest.raises(TypeError, match="Parameter or None"):
        lin.weight = am.Tensor(np.zeros((3, 2)))
    seq = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="Module or None"):
        seq.__setattr__("0", 3)


def test_reassigning_and_deleting_unregisters():
    m = nn.Module()
    m.x = nn.Parameter(np.ones(1))
    m.x = nn.Linear(1, 1)  # the name now holds a module, not a parameter
    assert [n for n, _ in m.named_parameters()] == ["x.weight", "x.bias"]
    del m.x
    assert list(m.parameters()) == [] and not hasattr(m, "x")
    m.plain = 3
    assert m.plain == 3 and list(m.children()) == []


def test_assignment_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(1))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_register_buffer():
    m = nn.Module()
    m.register_buffer("stat", np.arange(3.0))
    assert isinstance(m.stat, am.Tensor) and not m.stat.requires_grad
    assert list(m.state_dict()) == ["stat"] and list(m.parameters()) == []
    m.stat = np.zeros(3)  # assigning to a buffer name replaces the buffer
    assert np.array_equal(m.state_dict()["stat"], np.zeros(3))
    with pytest.raises(TypeError, match="must not require grad"):
        m.register_buffer("bad", am.Tensor(np.ones(1), requires_grad=True))
    with pytest.raises(KeyError):
        m.register_buffer("a.b", np.ones(1))


def test_zero_grad_sets_none():
    lin = nn.Linear(2, 2)
    lin(am.Tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.layers.train(False)
    assert net.training and not net.layers[0].training
    with pytest.raises(TypeError):
        net.train("no")


def test_forward_not_defined():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()(1)


def test_to_double_converts_params_and_buffers():
    net = Net().double()
    assert all(t.dtype == np.float64 for t in list(net.parameters()) + list(net.buffers()))
    y = net(am.Tensor(np.ones((4, 2))))
    assert y.dtype == np.float64
    net.float()
    assert all(t.dtype == np.float32 for t in net.parameters())


def test_requires_grad_and_deepcopy():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    clone = copy.deepcopy(net)
    for (n1, a), (n2, b) in zip(net.state_dict().items(), clone.state_dict().items()):
        assert n1 == n2 and np.array_equal(a, b)
    assert next(clone.parameters()) is not next(net.parameters())


# ----- containers --------------------------------------------------------------------------------------------


def test_sequential_indexing_len_iter_append():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    seq.append(c)
    assert len(seq) == 3 and seq[2] is c
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    x = am.Tensor(np.ones((4, 2), dtype=np.float32))
    np.testing.assert_allclose(seq(x).data, c(b(a(x))).data)
    with pytest.raises(IndexError):
        seq[3]
    with pytest.raises(TypeError):
        nn.Sequential(a, "relu")


def test_module_list_mutation_renumbers():
    mods = [nn.Linear(1, 1) for _ in range(4)]
    ml = nn.ModuleList(mods[:2])
    ml.extend(mods[2:3])
    ml.insert(0, mods[3])
    assert list(ml) == [mods[3], mods[0], mods[1], mods[2]]
    del ml[1]
    assert list(ml) == [mods[3], mods[1], mods[2]]
    assert [n for n, _ in ml.named_children()] == ["0", "1", "2"]
    ml[0] = mods[0]
    assert ml[0] is mods[0]
    assert isinstance(ml[:2], nn.ModuleList) and len(ml[:2]) == 2


def test_sequential_from_ordered_dict():
    from collections import OrderedDict

    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(seq.act, nn.ReLU)


def test_repr_tree():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1, bias=False), nn.Sigmoid()))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=1, bias=False)\n"
        "    (1): Sigmoid()\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Conv2d(1, 6, 5, padding=2)) == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    assert repr(nn.BatchNorm1d(4)) == "BatchNorm1d(4, eps=1e-05, momentum=0.1)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"


# ----- module calls: scopes, stack and hooks -------------------------------------------------------------------


def test_graph_nodes_record_the_module_scope():
    net = Net().eval()
    x = am.Tensor(np.ones((2, 2), dtype=np.float32))
    y = net(x)
    assert am_function._scope is None  # every scope was closed again
    owners = [s.owner for s in y.grad_fn.scope.path()]  # the last op: layers.1's bias add
    assert owners == [net, net.layers[1]]
    fc_nodes = []
    for t in am.iter_graph([y]):
        node = t.grad_fn
        if node is not None and node.scope is not None and node.scope.owner is net.first.fc:
            fc_nodes.append(node)
    assert fc_nodes and all([s.owner for s in n.scope.path()] == [net, net.first, net.first.fc] for n in fc_nodes)


def test_module_stack_and_names_inside_forward():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append((nn.module_stack(), nn.module_path_names()))
            return x

    probe = Probe()
    outer = nn.Sequential(nn.Identity(), nn.Sequential(probe))
    outer(1)
    stack, names = seen[0]
    assert stack == (outer, outer[1], probe)
    assert names == ("Sequential", "1", "0")
    assert current_module_path is nn.module_stack
    assert nn.module_stack() == ()


def test_forward_call_hooks_enter_exit_order_and_removal():
    events = []
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    handle = nn.register_forward_call_hook(lambda m, phase: events.append((type(m).__name__, phase)))
    try:
        model(am.Tensor(np.ones((1, 2), dtype=np.float32)))
    finally:
        handle.remove()
    assert events == [
        ("Sequential", "enter"), ("Linear", "enter"), ("Linear", "exit"),
        ("ReLU", "enter"), ("ReLU", "exit"), ("Sequential", "exit"),
    ]
    events.clear()
    model(am.Tensor(np.ones((1, 2), dtype=np.float32)))
    assert events == []
    handle.remove()  # idempotent


def test_hook_exit_runs_when_forward_raises_and_stack_unwinds():
    events = []

    class Boom(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    with nn.register_forward_call_hook(lambda m, phase: events.append(phase)):
        with pytest.raises(RuntimeError, match="boom"):
            nn.Sequential(Boom())(1)
    assert events == ["enter", "enter", "exit", "exit"]
    assert nn.module_stack() == () and am_function._scope is None


# ----- module forward hooks (register_forward_pre_hook / register_forward_hook) ----------------------------------


def _x(n=2):
    return am.Tensor(np.ones((1, n), dtype=np.float32))


class TwoArgs(nn.Module):
    def forward(self, a, b, scale=1.0):
        return (a + b) * scale


def test_forward_hooks_fire_once_per_call_in_registration_order():
    events = []
    lin = nn.Linear(2, 2)
    lin.register_forward_pre_hook(lambda m, args: events.append(("pre1", m, len(args))))
    lin.register_forward_pre_hook(lambda m, args: events.append(("pre2", m, len(args))))
    lin.register_forward_hook(lambda m, args, out: events.append(("post1", m, out.shape)))
    lin.register_forward_hook(lambda m, args, out: events.append(("post2", m, out.shape)))
    lin(_x())
    assert events == [("pre1", lin, 1), ("pre2", lin, 1), ("post1", lin, (1, 2)), ("post2", lin, (1, 2))]
    lin(_x())
    assert len(events) == 8


def test_pre_hook_replaces_the_input_and_a_single_value_is_wrapped():
    seen = []
    m = TwoArgs()
    m.register_forward_pre_hook(lambda mod, args: (args[0], args[1] * 10))  # a tuple: the new args
    m.register_forward_pre_hook(lambda mod, args: seen.append(args))  # sees the previous hook's result
    m.register_forward_hook(lambda mod, args, out: seen.append(args))  # sees the args forward received
    out = m(1.0, 2.0, scale=3.0)  # keyword arguments go to forward unchanged
    assert out == 63.0
    assert seen == [(1.0, 20.0), (1.0, 20.0)]

    lin = nn.Linear(2, 2)
    lin.register_forward_pre_hook(lambda mod, args: args[0] * 0)  # not a tuple: becomes (value,)
    assert np.array_equal(lin(_x()).data, np.broadcast_to(lin.bias.data, (1, 2)))


def test_forward_hook_replaces_the_output_and_the_next_hook_sees_it():
    seen = []
    lin = nn.Linear(2, 2)
    expected = lin(_x()).data
    lin.register_forward_hook(lambda mod, args, out: out * 2)
    lin.register_forward_hook(lambda mod, args, out: seen.append(out.data.copy()))  # returns None: keeps output
    out = lin(_x())
    np.testing.assert_allclose(out.data, 2 * expected)
    np.testing.assert_allclose(seen[0], 2 * expected)


def test_remove_unregisters_the_hook():
    calls = []
    lin = nn.Linear(2, 2)
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append("pre"))
    post = lin.register_forward_hook(lambda m, args, out: calls.append("post"))
    assert isinstance(pre, am.RemovableHandle) and isinstance(post, am.RemovableHandle)
    lin(_x())
    pre.remove()
    lin(_x())
    post.remove()
    post.remove()  # a second remove does nothing
    lin(_x())
    assert calls == ["pre", "post", "post"]
    with lin.register_forward_hook(lambda m, args, out: calls.append("ctx")):
        lin(_x())
    lin(_x())
    assert calls[-1] == "ctx" and calls.count("ctx") == 1


def test_hook_on_a_submodule_of_sequential_fires_inside_the_parent_call():
    events = []
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    model[1].register_forward_hook(lambda m, args, out: events.append((m, nn.module_stack())))
    model[0].register_forward_hook(lambda m, args, out: out * 0)  # its replacement reaches the next layer
    out = model(_x())
    assert len(events) == 1 and events[0][0] is model[1]
    assert events[0][1] == (model, model[1])  # the hook runs within the module's call scope
    np.testing.assert_allclose(out.data, model[2].bias.data.reshape(1, 1))


def test_hooks_are_not_saved_and_other_modules_are_unaffected():
    lin, other = nn.Linear(2, 2), nn.Linear(2, 2)
    lin.register_forward_pre_hook(lambda m, args: None)
    lin.register_forward_hook(lambda m, args, out: None)
    assert list(lin.state_dict()) == ["weight", "bias"]
    assert other._forward_hooks is None and nn.Linear._forward_hooks is None
    nn.Linear(2, 2).load_state_dict(lin.state_dict())


def test_module_hooks_and_forward_call_hooks_together():
    events = []
    lin = nn.Linear(2, 2)
    lin.register_forward_pre_hook(lambda m, args: events.append("pre"))
    lin.register_forward_hook(lambda m, args, out: events.append("post"))
    with nn.register_forward_call_hook(lambda m, phase: events.append(phase)):
        lin(_x())
    assert events == ["enter", "pre", "post", "exit"]


def test_a_hook_must_be_callable():
    with pytest.raises(TypeError, match="register_forward_hook expects a callable, got int"):
        nn.Linear(2, 2).register_forward_hook(3)
    with pytest.raises(TypeError, match="register_forward_pre_hook expects a callable"):
        nn.Linear(2, 2).register_forward_pre_hook(None)


# ----- state_dict / load_state_dict ----------------------------------------------------------------------------


def _snapshot(module):
    return {k: v.copy() for k, v in module.state_dict().items()}


def _assert_same(a, b):
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), k


def test_state_dict_copies_and_includes_buffers():
    net = Net()
    sd = net.state_dict()
    assert "bn.running_mean" in sd and "bn.running_var" in sd
    sd["first.fc.weight"][...] = 123.0
    assert not np.any(net.first.fc.weight.data == 123.0)


def test_load_state_dict_round_trip_keeps_dtype():
    am.manual_seed(0)
    src, dst = Net(), Net()
    sd = {k: v.astype(np.float64) for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    _assert_same(dst.state_dict(), src.state_dict())
    assert dst.first.fc.weight.dtype == np.float32
    # values are copied into the existing arrays: the parameter objects stay the same
    w = dst.first.fc.weight
    dst.load_state_dict(Net().state_dict())
    assert dst.first.fc.weight is w


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda sd: sd.pop("first.fc.bias"), "missing key.*'first.fc.bias'"),
        (lambda sd: sd.update(extra=np.zeros(1)), "unexpected key.*'extra'"),
        (lambda sd: sd.update({"layers.0.weight": np.zeros((3, 4))}), "'layers.0.weight': shape mismatch"),
        (lambda sd: sd.update({"bn.running_var": np.array(["a", "b", "c"])}), "'bn.running_var': expected numeric"),
        (lambda sd: sd.update({"bn.bias": np.array([None, None, None])}), "'bn.bias': expected numeric"),
    ],
)
def test_strict_errors_change_nothing(edit, message):
    net = Net()
    before = _snapshot(net)
    sd = {k: v + 1 for k, v in Net().state_dict().items()}  # every value differs from net's
    edit(sd)
    with pytest.raises(nn.StateDictError, match=message):
        net.load_state_dict(sd)
    _assert_same(net.state_dict(), before)


def test_all_problems_listed_at_once():
    net = Net()
    sd = net.state_dict()
    sd.pop("first.scale")
    sd["junk"] = np.ones(2)
    sd["bn.weight"] = np.ones(7)
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(sd)
    text = str(info.value)
    assert "'first.scale'" in text and "'junk'" in text and "'bn.weight'" in text and "(7,)" in text


def test_non_strict_reports_but_still_checks_shapes():
    net = Net()
    sd = net.state_dict()
    sd.pop("first.scale")
    sd["junk"] = np.ones(2)
    sd["bn.bias"] = np.full(3, 5.0)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["first.scale"] and result.unexpected_keys == ["junk"]
    assert np.all(net.bn.bias.data == 5.0)
    sd["bn.bias"] = np.ones(4)
    with pytest.raises(nn.StateDictError, match="shape mismatch"):
        net.load_state_dict(sd, strict=False)


def test_load_state_dict_bumps_the_version_of_every_value_it_writes():
    net = Net()
    before = {name: t._version for name, t in net._state_items()}
    result = net.load_state_dict({k: v for k, v in Net().state_dict().items() if k != "first.scale"}, strict=False)
    assert result.missing_keys == ["first.scale"]
    for name, t in net._state_items():
        assert t._version == before[name] + (name != "first.scale"), name


def test_backward_after_load_state_dict_raises():
    lin = nn.Linear(2, 1)
    x = am.Tensor(np.ones((1, 2), dtype=np.float32), requires_grad=True)
    out = lin(x).sum()
    lin.load_state_dict(nn.Linear(2, 1).state_dict())
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()


def test_load_accepts_tensors():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": am.Tensor(np.eye(2)), "bias": [1.0, 2.0]})
    assert np.array_equal(lin.weight.data, np.eye(2)) and np.array_equal(lin.bias.data, [1.0, 2.0])


# ----- functional_call -----------------------------------------------------------------------------------------


def test_functional_call_replaces_and_restores():
    lin = nn.Linear(2, 1).double()
    w0 = lin.weight
    w = am.Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    b = am.Tensor(np.array([0.5]), requires_grad=True)
    y = nn.functional_call(lin, {"weight": w, "bias": b}, am.Tensor(np.array([[1.0, 1.0]])))
    assert y.item() == 3.5
    y.backward()
    assert np.array_equal(w.grad.data, [[1.0, 1.0]]) and lin.weight is w0 and lin.weight.grad is None
    with pytest.raises(KeyError):
        nn.functional_call(lin, {"nope": w}, 1)
    with pytest.raises(am.ShapeError):
        nn.functional_call(lin, {"weight": b}, 1)


def test_plain_attributes_and_properties():
    class WithProperty(nn.Module):
        def __init__(self):
            super().__init__()
            self._scale = 1.0
            self.scale = 3.0  # goes through the property's setter

        @property
        def scale(self):
            return self._scale

        @scale.setter
        def scale(self, value):
            self._scale = float(value) * 2

    m = WithProperty()
    assert m.scale == 6.0 and list(m.parameters()) == []
