"""ModuleDict, ParameterList, ParameterDict and Unflatten: registration, PyTorch's state_dict keys, editing."""
import numpy as np
import pytest

import autograd_mini as am
import nn


def Model(lib):
    """The same containers built with ``lib`` = our nn or torch.nn."""
    m = lib.Module()
    m.blocks = lib.ModuleDict({"enc": lib.Linear(2, 3), "dec": lib.Linear(3, 2)})
    m.plist = lib.ParameterList([lib.Parameter(_t(lib, np.ones(2))), lib.Parameter(_t(lib, np.zeros((2, 2))))])
    m.pdict = lib.ParameterDict({"scale": lib.Parameter(_t(lib, np.ones(3)))})
    return m


def _t(lib, a):
    return a if lib is nn else __import__("torch").tensor(a)


def test_state_dict_keys_match_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = Model(nn), Model(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def test_module_dict_editing():
    d = nn.ModuleDict([("a", nn.Linear(1, 1))])
    d["b"] = nn.Tanh()
    d.update({"c": nn.Linear(1, 2)})
    assert list(d) == d.keys() == ["a", "b", "c"] and len(d) == 3 and "b" in d
    assert isinstance(d.pop("b"), nn.Tanh) and "b" not in d
    assert [k for k, _ in d.named_parameters()] == ["a.weight", "a.bias", "c.weight", "c.bias"]
    del d["a"]
    assert d.keys() == ["c"]
    with pytest.raises(TypeError, match="Modules"):
        d.update({"x": 3})


def test_parameter_list_and_dict_editing():
    pl = nn.ParameterList()
    pl.append(np.ones(2)).extend([np.zeros(3)])
    assert isinstance(pl[0], nn.Parameter) and pl[-1].shape == (3,) and len(pl) == 2
    assert [k for k, _ in pl.named_parameters()] == ["0", "1"]
    pl[0] = np.full(2, 5.0)
    np.testing.assert_array_equal(pl[0].data, 5.0)
    assert len(pl[:1]) == 1
    with pytest.raises(IndexError):
        pl[2]
    pd = nn.ParameterDict({"w": np.ones(2)})
    pd["b"] = nn.Parameter(np.zeros(2))
    assert pd.keys() == ["w", "b"] and isinstance(pd["w"], nn.Parameter)
    loss = (am.Tensor(np.ones(2)) * pd["w"]).sum() + pd["b"].sum()
    loss.backward()
    np.testing.assert_array_equal(pd["w"].grad.data, 1.0)
    pd.pop("w")
    assert pd.keys() == ["b"]


def test_unflatten_against_pytorch():
    x = am.Tensor(np.arange(24.0).reshape(2, 12), requires_grad=True)
    y = nn.Unflatten(1, (3, -1))(x)
    assert y.shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, 6))(x).shape == (2, 2, 6)
    (y * am.Tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.arange(24.0).reshape(2, 12))
    torch = pytest.importorskip("torch")
    assert tuple(torch.nn.Unflatten(1, (3, -1))(torch.zeros(2, 12)).shape) == y.shape
    with pytest.raises(am.ShapeError):
        nn.Unflatten(1, (5, 5))(x)


def test_unflatten_gradcheck():
    x = am.Tensor(np.random.default_rng(0).standard_normal((2, 6)), requires_grad=True)
    assert am.gradcheck(lambda t: nn.Unflatten(1, (2, 3))(t), (x,))
