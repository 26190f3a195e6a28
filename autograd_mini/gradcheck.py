"""gradcheck / gradgradcheck: the one numeric checker of derivatives, used by every test and open to users.

The full reverse-mode Jacobian (one backward pass per output element) is compared, element by element, with
central finite differences (f(x + eps) - f(x - eps)) / (2 eps), all in float64.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .engine import grad as _grad
from .errors import GradcheckError
from .grad_mode import no_grad
from .tensor import Tensor


def _prepare(inputs) -> Tuple[List, List[int]]:
    """Float64 copies of the inputs (same requires_grad); returns them and the indices to check."""
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = (inputs,)
    xs, check = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, (Tensor, np.ndarray)) and np.asarray(x).dtype.kind == "f":
            req = x.requires_grad if isinstance(x, Tensor) else True
            xs.append(Tensor(np.array(np.asarray(x), dtype=np.float64), requires_grad=req))
            if req:
                check.append(i)
        else:
            xs.append(x)
    if not check:
        raise ValueError("gradcheck: no floating-point input requires grad, so there is nothing to check")
    return xs, check


def _outputs(out) -> List[Tensor]:
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got {type(o).__name__}")
    return outs


def _analytic(fn, xs, check) -> List[List[np.ndarray]]:
    """jac[k][j]: d out_k (flattened) / d xs[check[j]] (flattened), one backward pass per output element."""
    outs = _outputs(fn(*xs))
    wrt = [xs[i] for i in check]
    jac = []
    for o in outs:
        blocks = [np.zeros((o.size, xs[i].size)) for i in check]
        if o.requires_grad:
            for r in range(o.size):
                seed = np.zeros(o.size, dtype=o.dtype)
                seed[r] = 1
                gs = _grad(o, wrt, seed.reshape(o.shape), retain_graph=True, allow_unused=True)
                for j, g in enumerate(gs):
                    if g is not None:
                        blocks[j][r] = g.data.reshape(-1)
        jac.append(blocks)
    return jac


def _snapshot(out) -> List[np.ndarray]:
    # NOTE: copies: an output may be a view of the input that is being perturbed in place
    return [np.array(o.data, dtype=np.float64).reshape(-1) for o in _outputs(out)]


def _numeric(fn, xs, check, eps) -> List[List[np.ndarray]]:
    # NOTE: fn runs with grad mode on: it may itself call grad() (gradgradcheck does)
    if True:
        base = _outputs(fn(*xs))
        jac = [[np.zeros((o.size, xs[i].size)) for i in check] for o in base]
        for j, i in enumerate(check):
            flat = xs[i].data.reshape(-1)  # NOTE: a view: writing to it perturbs the input in place
            for e in range(flat.size):
                orig = flat[e]
                flat[e] = orig + eps
                plus = _snapshot(fn(*xs))
                flat[e] = orig - eps
                minus = _snapshot(fn(*xs))
                flat[e] = orig
                for k in range(len(base)):
                    jac[k][j][:, e] = (plus[k] - minus[k]) / (2 * eps)
    return jac


def gradcheck(
    fn: Callable,
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check fn's reverse-mode derivatives against central finite differences, in float64.

    Every input that is a floating-point Tensor with ``requires_grad=True`` is checked (ndarrays count as
    requiring grad); inputs are copied to float64 first. fn may return a Tensor or a tuple of Tensors. An
    element passes when |analytic - numeric| <= atol + rtol * |numeric|.

    Args:
        fn: function of the inputs returning Tensor(s).
        inputs: the inputs (Tensors, ndarrays, or other values passed through unchanged).
        eps: finite-difference step.
        atol, rtol: absolute and relative tolerance.
        raise_exception: raise GradcheckError on a mismatch (else return False).

    Returns:
        True if every derivative matches.

    Raises:
        GradcheckError: naming the output, the input, the element index and both values.
    """
    xs, check = _prepare(inputs)
    analytic = _analytic(fn, xs, check)
    numeric = _numeric(fn, xs, check, eps)
    for k, (ablocks, nblocks) in enumerate(zip(analytic, numeric)):
        for j, (a, n) in enumerate(zip(ablocks, nblocks)):
            bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))  # NOTE: written so that nan counts as a mismatch
            if bad.any():
                if not raise_exception:
                    return False
                r, e = np.argwhere(bad)[0]
                i = check[j]
                x_idx = np.unravel_index(e, xs[i].shape) if xs[i].ndim else ()
                outs_note = f"output {k}, " if len(analytic) > 1 else ""
                o_shape = a.shape[0]
                raise GradcheckError(
                    f"gradcheck failed: {outs_note}input {i} (shape {xs[i].shape}), element {tuple(int(v) for v in x_idx)}"
                    f", output element {int(r)} of {o_shape}: analytic {a[r, e]:.6g} vs numeric {n[r, e]:.6g} "
                    f"(|diff| {abs(a[r, e] - n[r, e]):.2e} > atol {atol} + rtol {rtol} * |numeric|); "
                    f"{int(bad.sum())} of {bad.size} entries of this Jacobian block disagree"
                )
    return True


def gradgradcheck(
    fn: Callable,
    inputs: Sequence,
    grad_outputs: Optional[Sequence] = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v, create_graph=True).

    Args:
        fn, inputs, eps, atol, rtol, raise_exception: as in ``gradcheck``.
        grad_outputs: the vectors v, one per output of fn (random, from ``seed``, when None).
        seed: seed of the random v.

    Returns:
        True if every second derivative matches.
    """
    xs, check = _prepare(inputs)
    with no_grad():
        outs = _outputs(fn(*xs))
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        vs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    else:
        vs = [Tensor(np.array(np.asarray(v), dtype=np.float64), requires_grad=True) for v in grad_outputs]
    n = len(xs)

    def first_derivative(*args):
        ins, v = list(args[:n]), list(args[n:])
        os = _outputs(fn(*ins))
        pairs = [(o, g) for o, g in zip(os, v) if o.requires_grad]
        wrt = [ins[i] for i in check]
        gs = _grad([o for o, _ in pairs], wrt, [g for _, g in pairs], create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(w.shape)) for g, w in zip(gs, wrt))

    return gradcheck(first_derivative, tuple(xs) + tuple(vs), eps, atol, rtol, raise_exception)
