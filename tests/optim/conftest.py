"""Fixtures shared by the optim tests (fixtures, not imports: tests/ has no __init__.py files)."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from autograd_mini import Tensor

N_STEPS = 5


def _run(make_optimizer, x0, grads):
    """Optimize one parameter starting at x0, feeding grads[t] at step t; return the stacked iterates.

    Also checks that no step modifies the gradient array it was given (they may be shared)."""
    p = Tensor(x0.copy(), requires_grad=True)
    opt = make_optimizer([p])
    iterates = []
    for g in grads:
        g_before = g.copy()
        p.grad = Tensor(g)
        opt.step()
        assert np.array_equal(g, g_before), "step() modified the gradient array in place"
        iterates.append(p.data.copy())
    return np.stack(iterates)


@pytest.fixture(scope="session")
def run():
    """run(make_optimizer, x0, grads) -> iterates, one row per step (see _run)."""
    return _run


@pytest.fixture(scope="session")
def problem():
    """Strategy for (x0, grads): float64 arrays of one drawn shape, N_STEPS gradients (one per step)."""
    values = st.floats(-10, 10, allow_subnormal=False)

    def arrays_of(shape):
        return st.tuples(arrays(np.float64, shape, elements=values),
                         st.lists(arrays(np.float64, shape, elements=values), min_size=N_STEPS, max_size=N_STEPS))

    return array_shapes(min_dims=0, max_dims=2, max_side=4).flatmap(arrays_of)
