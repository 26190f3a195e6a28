"""optim against torch.optim as an oracle: trajectories, schedules and clipping (skipped without torch)."""
import math

import numpy as np
import pytest

from autograd_mini import Tensor
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")

N_STEPS = 10
SHAPES = [(3, 2), (4,)]

# (our class, torch class name, arguments for both, extra arguments for torch only)
OPTIMIZERS = [
    (optim.SGD, "SGD", dict(lr=0.1), {}),
    (optim.SGD, "SGD", dict(lr=0.1, weight_decay=0.1), {}),
    (optim.SGD, "SGD", dict(lr=0.1, momentum=0.9), {}),
    (optim.SGD, "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), {}),
    (optim.Momentum, "SGD", dict(lr=0.1), dict(momentum=0.9)),
    (optim.Momentum, "SGD", dict(lr=0.1, nesterov=True), dict(momentum=0.9)),
    (optim.Adam, "Adam", {}, {}),
    (optim.Adam, "Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), {}),
    (optim.AdamW, "AdamW", {}, {}),
    (optim.AdamW, "AdamW", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1), {}),
    (optim.RMSprop, "RMSprop", {}, {}),
    (optim.RMSprop, "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.9, weight_decay=0.01), {}),
    (optim.Adagrad, "Adagrad", {}, {}),
    (optim.Adagrad, "Adagrad", dict(lr=0.1, eps=1e-6, weight_decay=0.01), {}),
    (optim.Adadelta, "Adadelta", {}, {}),
    (optim.Adadelta, "Adadelta", dict(lr=0.5, rho=0.95, eps=1e-4, weight_decay=0.01), {}),
]
IDS = [f"{ours.__name__}({', '.join(f'{k}={v}' for k, v in kw.items())})" for ours, _, kw, _ in OPTIMIZERS]
TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=1e-6)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ours, torch_name, kwargs, torch_extra", OPTIMIZERS, ids=IDS)
def test_trajectory_matches_torch(ours, torch_name, kwargs, torch_extra, dtype):
    rng = np.random.default_rng(0)
    x0 = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(dtype) for s in SHAPES] for _ in range(N_STEPS)]

    params = [Tensor(x.copy(), requires_grad=True) for x in x0]
    tparams = [torch.tensor(x.copy(), requires_grad=True) for x in x0]
    # two groups, the second with its own lr
    opt = ours([{"params": params[:1]}, {"params": params[1:], "lr": 0.003}], **kwargs)
    topt = getattr(torch.optim, torch_name)([{"params": tparams[:1]}, {"params": tparams[1:], "lr": 0.003}],
                                            **kwargs, **torch_extra)
    for step_grads in grads:
        for p, tp, g in zip(params, tparams, step_grads):
            p.grad = Tensor(g.copy())
            tp.grad = torch.tensor(g.copy())
        opt.step()
        topt.step()
        for p, tp in zip(params, tparams):
            assert p.data.dtype == dtype
            np.testing.assert_allclose(p.data, tp.detach().numpy(), **TOLERANCES[dtype])


SCHEDULERS = [
    (lambda opt: lr_scheduler.StepLR(opt, step_size=3),
     lambda topt: torch.optim.lr_scheduler.StepLR(topt, step_size=3)),
    (lambda opt: lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
     lambda topt: torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.5)),
    (lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.9),
     lambda topt: torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.9)),
    # torch has no inverse-time schedule; LambdaLR multiplies each group's initial lr by the factor
    (lambda opt: lr_scheduler.InverseTimeLR(opt, decay=0.5),
     lambda topt: torch.optim.lr_scheduler.LambdaLR(
         topt, [lambda t, lr0=lr0: 1 / (1 + lr0 * 0.5 * t) for lr0 in (0.1, 2.0)])),
]


@pytest.mark.parametrize("ours, theirs", SCHEDULERS, ids=["StepLR-3", "StepLR-2-0.5", "ExponentialLR", "InverseTimeLR"])
def test_lr_sequence_matches_torch(ours, theirs):
    params = [Tensor(np.zeros(2), requires_grad=True) for _ in range(2)]
    tparams = [torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    opt = optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, (0.1, 2.0))], lr=0.1)
    topt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tparams, (0.1, 2.0))], lr=0.1)
    sched, tsched = ours(opt), theirs(topt)
    for _ in range(N_STEPS):
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-13)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups],
                                   rtol=1e-13)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=s) for s in SHAPES]
    params = [Tensor(np.zeros(s), requires_grad=True) for s in SHAPES]
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, tp, g in zip(params, tparams, grads):
        p.grad = Tensor(g.copy())
        tp.grad = torch.tensor(g.copy())
    total = optim.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
    assert total == pytest.approx(float(ttotal), rel=1e-13)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-13)


def test_clip_grad_value_matches_torch():
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=s) for s in SHAPES]
    params = [Tensor(np.zeros(s), requires_grad=True) for s in SHAPES]
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, tp, g in zip(params, tparams, grads):
        p.grad = Tensor(g.copy())
        tp.grad = torch.tensor(g.copy())
    optim.clip_grad_value_(params, 0.5)
    torch.nn.utils.clip_grad_value_(tparams, 0.5)
    for p, tp in zip(params, tparams):
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())
