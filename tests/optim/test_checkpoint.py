"""Whole-training checkpoints: for every optimizer and every scheduler, train k steps, save model + optimizer +
scheduler with nn.save, load them into fresh objects and train n more steps: the parameters equal those of an
uninterrupted run bit for bit."""
import inspect

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from optim.lr_scheduler import LRScheduler

# one or more configurations per optimizer class; every class in optim must appear (checked below)
OPTIMIZERS = {
    "SGD": lambda groups: optim.SGD(groups, lr=0.1),
    "SGD-nesterov-wd": lambda groups: optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Momentum": lambda groups: optim.Momentum(groups, lr=0.05),
    "Adam": lambda groups: optim.Adam(groups, lr=0.01, betas=(0.8, 0.95), weight_decay=0.001),
    "AdamW": lambda groups: optim.AdamW(groups, lr=0.01),
    "RMSprop": lambda groups: optim.RMSprop(groups, lr=0.01),
    "RMSprop-momentum": lambda groups: optim.RMSprop(groups, lr=0.01, momentum=0.5, weight_decay=0.01),
    "Adagrad": lambda groups: optim.Adagrad(groups, lr=0.1),
    "Adadelta": lambda groups: optim.Adadelta(groups, lr=1.0, rho=0.8),
}
SCHEDULERS = {
    "none": None,
    "StepLR": lambda opt: optim.StepLR(opt, step_size=2, gamma=0.5),
    "ExponentialLR": lambda opt: optim.ExponentialLR(opt, gamma=0.9),
    "InverseTimeLR": lambda opt: optim.InverseTimeLR(opt, decay=0.3),
}


def _subclasses(cls):
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_optimizer_and_scheduler_of_optim_has_a_checkpoint_case():
    def public(classes):
        return {c for c in classes if c.__module__.startswith("optim.") and not c.__name__.startswith("_")
                and not inspect.isabstract(c)}

    params = lambda: [am.Tensor(np.zeros(2), requires_grad=True)]  # noqa: E731
    covered = {type(f(params())) for f in OPTIMIZERS.values()}
    missing = public(_subclasses(optim.Optimizer)) - covered
    assert not missing, f"add a configuration to OPTIMIZERS for {sorted(c.__name__ for c in missing)}"
    covered = {type(f(optim.SGD(params(), lr=0.1))) for f in SCHEDULERS.values() if f is not None}
    missing = public(_subclasses(LRScheduler)) - covered
    assert not missing, f"add a configuration to SCHEDULERS for {sorted(c.__name__ for c in missing)}"


def make_run(make_optimizer, make_scheduler, seed):
    """A model, its optimizer (two groups with their own lrs, plus a parameter that never gets a gradient,
    so that it has no state) and scheduler."""
    am.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    unused = am.Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    opt = make_optimizer([{"params": model[0].parameters()},
                          {"params": [*model[2].parameters(), unused], "lr": 0.03}])
    sched = make_scheduler(opt) if make_scheduler is not None else None
    return model, opt, sched


def train(model, opt, sched, steps, start):
    for step in range(start, start + steps):
        rng = np.random.default_rng(step)  # the data of a step depends on its number only
        x = am.Tensor(rng.standard_normal((8, 3)).astype(np.float32))
        y = am.Tensor(rng.standard_normal((8, 2)).astype(np.float32))
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
        if sched is not None:
            sched.step()


@pytest.mark.parametrize("sched_name", list(SCHEDULERS))
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_training_resumes_bit_exactly(tmp_path, opt_name, sched_name):
    make_opt, make_sched = OPTIMIZERS[opt_name], SCHEDULERS[sched_name]
    k, n = 3, 4
    model, opt, sched = make_run(make_opt, make_sched, seed=0)
    train(model, opt, sched, k, start=0)
    path = tmp_path / "checkpoint.npz"
    nn.save({"model": model.state_dict(), "optim": opt.state_dict(),
             "sched": sched.state_dict() if sched is not None else None, "epoch": k}, path)
    train(model, opt, sched, n, start=k)

    ckpt = nn.load(path)
    fresh, opt2, sched2 = make_run(make_opt, make_sched, seed=1)  # other initial weights: all must be loaded
    assert not np.array_equal(fresh[0].weight.data, model[0].weight.data)
    fresh.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optim"])
    if sched2 is not None:
        sched2.load_state_dict(ckpt["sched"])
    assert ckpt["epoch"] == k and type(ckpt["epoch"]) is int
    train(fresh, opt2, sched2, n, start=ckpt["epoch"])

    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in opt2.param_groups]
    s1, s2 = opt.state_dict(), opt2.state_dict()
    assert s1["state"].keys() == s2["state"].keys() == {0, 1, 2, 3}  # the unused parameter has no state
    for i in s1["state"]:
        for key, value in s1["state"][i].items():
            other = s2["state"][i][key]
            if isinstance(value, np.ndarray):
                assert value.tobytes() == other.tobytes(), (i, key)
            else:
                assert value == other and type(value) is type(other), (i, key)
    if sched is not None:
        assert sched.state_dict() == sched2.state_dict()


def test_a_checkpoint_taken_before_the_first_step_resumes_too(tmp_path):
    """Lazy state (nothing yet, or SGD's momentum buffer still None) survives the round trip."""
    for name, make_opt in OPTIMIZERS.items():
        model, opt, sched = make_run(make_opt, SCHEDULERS["StepLR"], seed=0)
        nn.save({"model": model, "optim": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "c.npz")
        train(model, opt, sched, 2, start=0)
        ckpt = nn.load(tmp_path / "c.npz")
        fresh, opt2, sched2 = make_run(make_opt, SCHEDULERS["StepLR"], seed=1)
        fresh.load_state_dict(ckpt["model"])
        opt2.load_state_dict(ckpt["optim"])
        sched2.load_state_dict(ckpt["sched"])
        train(fresh, opt2, sched2, 2, start=0)
        for a, b in zip(model.parameters(), fresh.parameters()):
            assert a.data.tobytes() == b.data.tobytes(), name


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_an_optimizer_state_dict_saves_on_its_own(tmp_path, opt_name):
    """The failure that opened the issue: nn.save(opt.state_dict()) raised 'array of Python objects'."""
    model, opt, _ = make_run(OPTIMIZERS[opt_name], None, seed=0)
    train(model, opt, None, 2, start=0)
    nn.save(opt.state_dict(), tmp_path / "opt.npz")
    loaded = nn.load(tmp_path / "opt.npz")
    saved = opt.state_dict()
    assert loaded["param_groups"] == saved["param_groups"]
    for i, entry in saved["state"].items():
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                assert loaded["state"][i][key].tobytes() == value.tobytes() and loaded["state"][i][key].flags.writeable
            else:
                assert loaded["state"][i][key] == value
