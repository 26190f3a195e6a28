"""Learning-rate schedulers: closed forms, the t = 0 value at construction, resuming, argument checks."""
import numpy as np
import pytest

from autograd_mini import Tensor
from optim import SGD
from optim.lr_scheduler import ExponentialLR, InverseTimeLR, LRScheduler, StepLR

# scheduler factory, and its lr at step t from the initial lr, written out independently
SCHEDULES = [
    (lambda opt: StepLR(opt, step_size=3),                lambda lr0, t: lr0 * 0.1 ** (t // 3)),
    (lambda opt: StepLR(opt, step_size=2, gamma=0.5),     lambda lr0, t: lr0 * 0.5 ** (t // 2)),
    (lambda opt: ExponentialLR(opt, gamma=0.9),           lambda lr0, t: lr0 * 0.9 ** t),
    (lambda opt: InverseTimeLR(opt, decay=0.5),           lambda lr0, t: lr0 / (1 + lr0 * 0.5 * t)),
    (lambda opt: InverseTimeLR(opt, decay=0.0),           lambda lr0, t: lr0),
]
IDS = ["StepLR-3", "StepLR-2-0.5", "ExponentialLR", "InverseTimeLR", "InverseTimeLR-0"]


def two_group_sgd(lrs=(0.1, 2.0)):
    return SGD([{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs], lr=lrs[0])


@pytest.mark.parametrize("make_scheduler, closed_form", SCHEDULES, ids=IDS)
def test_lr_sequence_matches_closed_form(make_scheduler, closed_form):
    opt = two_group_sgd()
    sched = make_scheduler(opt)
    for t in range(12):
        expected = [closed_form(0.1, t), closed_form(2.0, t)]
        np.testing.assert_allclose(sched.get_last_lr(), expected, rtol=1e-15)
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], expected, rtol=1e-15)
        assert sched.last_epoch == t
        opt.step()
        sched.step()


@pytest.mark.parametrize("make_scheduler, closed_form", SCHEDULES, ids=IDS)
def test_construction_sets_the_t0_lr_and_records_initial_lr(make_scheduler, closed_form):
    opt = two_group_sgd()
    sched = make_scheduler(opt)
    assert sched.base_lrs == [0.1, 2.0]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 2.0]
    assert sched.get_last_lr() == [closed_form(0.1, 0), closed_form(2.0, 0)]


def test_no_drift_after_many_steps():
    opt = two_group_sgd()
    sched = ExponentialLR(opt, gamma=0.99)
    for _ in range(1000):
        sched.step()
    assert sched.get_last_lr() == [0.1 * 0.99 ** 1000, 2.0 * 0.99 ** 1000]  # exactly the closed form


def test_lr_is_recomputed_from_initial_lr_not_from_the_current_lr():
    opt = two_group_sgd()
    sched = StepLR(opt, step_size=10)
    opt.param_groups[0]["lr"] = 5.0
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.1


def test_the_optimizer_uses_the_scheduled_lr():
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = SGD([p], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = Tensor(np.ones(1))
        opt.step()
        sched.step()
    np.testing.assert_array_equal(p.data, [-(1.0 + 0.5 + 0.25)])


def test_existing_initial_lr_is_kept():
    opt = two_group_sgd()
    opt.param_groups[0]["initial_lr"] = 1.0
    sched = ExponentialLR(opt, gamma=0.5)
    assert sched.base_lrs == [1.0, 2.0] and opt.param_groups[0]["lr"] == 1.0


def test_get_last_lr_returns_a_copy():
    sched = ExponentialLR(two_group_sgd(), gamma=0.5)
    sched.get_last_lr().append(3.0)
    assert len(sched.get_last_lr()) == 2


@pytest.mark.parametrize("make_scheduler, closed_form", SCHEDULES, ids=IDS)
def test_state_dict_round_trip(make_scheduler, closed_form):
    opt = two_group_sgd()
    sched = make_scheduler(opt)
    for _ in range(4):
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched
    for _ in range(3):
        sched.step()

    opt2 = two_group_sgd()
    sched2 = make_scheduler(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.last_epoch == 4 and sched2.get_last_lr() == saved_sched["_last_lr"]
    for _ in range(3):
        sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


def test_resuming_with_last_epoch():
    opt = two_group_sgd()
    ExponentialLR(opt, gamma=0.5)
    sched = ExponentialLR(opt, gamma=0.5, last_epoch=4)  # as in PyTorch, construction takes one step
    assert sched.last_epoch == 5 and sched.get_last_lr() == [0.1 * 0.5 ** 5, 2.0 * 0.5 ** 5]


def test_resuming_without_initial_lr_is_a_key_error():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(two_group_sgd(), step_size=2, last_epoch=3)


def test_groups_added_after_the_scheduler_are_an_error():
    opt = two_group_sgd()
    sched = StepLR(opt, step_size=2)
    opt.add_param_group({"params": [Tensor(np.zeros(1), requires_grad=True)]})
    with pytest.raises(ValueError, match="has 3 parameter groups but the scheduler was created for 2"):
        sched.step()


def test_load_state_dict_checks_the_number_of_groups():
    sched = StepLR(two_group_sgd(), step_size=2)
    other = StepLR(SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1), step_size=2)
    with pytest.raises(ValueError, match="1 learning rates, the optimizer has 2"):
        sched.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="as returned by state_dict"):
        sched.load_state_dict({"last_epoch": 3})


@pytest.mark.parametrize("make_scheduler, message", [
    (lambda opt: StepLR(opt, step_size=0), r"invalid step_size: 0 \(must be an int >= 1\)"),
    (lambda opt: StepLR(opt, step_size=2.5), "invalid step_size: 2.5"),
    (lambda opt: StepLR(opt, step_size=True), "invalid step_size: True"),
    (lambda opt: StepLR(opt, step_size=2, gamma=-0.1), r"invalid gamma: -0.1 \(must be > 0\)"),
    (lambda opt: ExponentialLR(opt, gamma=0.0), "invalid gamma: 0.0"),
    (lambda opt: InverseTimeLR(opt, decay=-1.0), r"invalid decay: -1.0 \(must be >= 0\)"),
])
def test_invalid_arguments(make_scheduler, message):
    with pytest.raises(ValueError, match=message):
        make_scheduler(two_group_sgd())


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        ExponentialLR([], gamma=0.5)


def test_base_scheduler_is_abstract():
    with pytest.raises(NotImplementedError, match="must implement lr_at"):
        LRScheduler(two_group_sgd())


@pytest.mark.parametrize("make_scheduler, closed_form", SCHEDULES, ids=IDS)
def test_state_dict_is_plain_data_that_nn_save_stores_exactly(tmp_path, make_scheduler, closed_form):
    import nn

    sched = make_scheduler(two_group_sgd())
    for _ in range(5):
        sched.step()
    state = sched.state_dict()
    assert state["last_epoch"] == 5 and state["base_lrs"] == [0.1, 2.0]
    nn.save({"sched": state}, tmp_path / "s.npz")
    loaded = nn.load(tmp_path / "s.npz")["sched"]
    assert loaded == state and all(type(loaded[k]) is type(state[k]) for k in state)
    # everything but the optimizer (PyTorch semantics): the hyperparameters come back too
    other = make_scheduler(two_group_sgd())
    other.__dict__.update({k: (v * 3 if isinstance(v, float) else v) for k, v in vars(other).items()})
    other.load_state_dict(loaded)
    assert other.state_dict() == state
    for _ in range(3):
        other.step()
        sched.step()
    assert other.get_last_lr() == sched.get_last_lr()


def test_state_dict_is_a_copy():
    sched = StepLR(two_group_sgd(), step_size=2)
    state = sched.state_dict()
    state["base_lrs"].append(5.0)
    state["_last_lr"][0] = 9.0
    assert sched.base_lrs == [0.1, 2.0] and sched.get_last_lr() == [0.1, 2.0]
    sched.load_state_dict(sched.state_dict())
    assert sched.base_lrs is not state["base_lrs"]
