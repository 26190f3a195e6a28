"""Settings and fixtures shared by the whole test suite.

Hypothesis profiles (pick one with the environment variable HYPOTHESIS_PROFILE):

    ci        25 examples per test, derandomized (the same inputs on every run, so CI is reproducible);
              sized so that the whole suite runs in a few minutes on 2 cores.
    dev       10 examples per test, random: a quick local loop that still explores new inputs over time.
    thorough  300 examples per test: run before a release or after touching the engine or an op.

Without HYPOTHESIS_PROFILE the profile is "ci" when the variable CI is set (as CI services do) and "dev"
otherwise. No profile has a deadline: a full-Jacobian gradcheck legitimately takes longer than 200 ms.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

import autograd_mini as am
from autograd_mini import grad_mode

# NOTE: too_slow is a wall-clock check on data generation; on a loaded 2-core machine it fails at random
_SLOW_OK = dict(suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True,
                          **_SLOW_OK)
settings.register_profile("dev", max_examples=10, deadline=None, **_SLOW_OK)
settings.register_profile("thorough", max_examples=300, deadline=None, **_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _isolate_global_state():
    """Seed the global RNG for every test and restore the default dtype and grad mode after it."""
    am.manual_seed(0)
    dtype, grad_enabled = am.get_default_dtype(), am.is_grad_enabled()
    yield
    am.set_default_dtype(dtype)
    grad_mode.set_mode(grad_enabled)  # NOTE: a test that fails inside no_grad() must not leak it to the next
    if am.is_anomaly_enabled():
        am.set_detect_anomaly(False)
