"""One training step (forward, backward, optimizer step) of a 2-layer TransformerEncoder and of a 1-layer LSTM,
autograd_mini vs PyTorch, float32, one thread each, the two timed in alternating blocks in one process.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_layers.py [--repeat 31] [--only transformer|lstm] [--dropout 0.1]

Transformer: nn.TransformerEncoder of 2 nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128,
dropout=0.1 (PyTorch's default; --dropout to change), batch_first=True) (post-norm, relu), input (batch 32,
sequence 32, 64), MSE loss against a fixed target, Adam(lr=1e-3) step.
LSTM: nn.LSTM(input_size=32, hidden_size=128) (one layer, (T, N, features) layout), input (sequence 50,
batch 32, 32), MSE of the whole output against a fixed target, SGD(lr=0.1) step.

Both frameworks start from the same weights (PyTorch's state_dict loaded into ours), and the first step's loss
is checked to agree before timing. Prints the median time per step of each, the interquartile range, and the
ratio autograd_mini / PyTorch of the medians (< 1 means autograd_mini is faster).

Measured on 2 cores shared with several other jobs (load average 4-10, so absolute times are inflated and
vary by 2x between runs; the ratios, from interleaved runs, moved by about +-0.05), --repeat 31:
transformer 0.82x PyTorch with dropout 0.1 (median of 8 runs, 0.80-0.90; PyTorch's dropout costs it more than
ours does), 1.14x with dropout 0 (1.08-1.22), since layer normalization is one fused node (ops.LayerNorm; the
composed one gave 1.03x (0.99-1.06) and 1.46x (1.14-1.64) in the same runs, alternating with these).
With dropout 0 the rest goes to numpy compute (cProfile: the products, ~40%, of which np.matmul on the
(32, 4, 32, 16) attention stacks is a third, softmax, elementwise passes) and the engine's per-node cost; with
dropout 0.1, drawing the masks (float64 uniforms, ~0.9 ms for each of 8 calls per step) is a fifth of the step.
LSTM 1.43x (3 runs: 1.40, 1.46, 1.43; our step 12.0-12.8 ms, PyTorch's 8.4-8.9 ms), where each layer is one
node for the whole sequence (ops.LSTMLayer; 2.2-2.5x with one fused ops.LSTMCell node per step, 3.2-3.3x with
the ~35 composed nodes per step before it). PyTorch hands the layer to oneDNN (mkldnn_rnn_layer: ~2.5 ms forward,
~4.6 ms backward) and spends ~1.3 ms on the loss, SGD and zero_grad. Ours: the node's forward ~4.7 ms, its
backward ~6.7 ms, ~0.9 ms outside the node (loss, SGD, engine). Its matrix products, each timed apart: the
forward's 50 per-step products W (512, 161) @ [h; x_t; 1] 2.15 ms (43 us each, in row blocks that OpenBLAS
computes without packing W: 54 us as one product), backward's 49 products dz @ w_hh 2.4 ms (49 us each), the
weight gradients of all steps in one product 2.2 ms (264 MFLOP, ~120 GFLOPS, the same in every operand layout
tried) and dx 0.64 ms: 7.4 ms. With the 0.9 ms outside, that is ~0.95x PyTorch's whole step before any
elementwise work, leaving ~0.4 ms for the ~1,100 elementwise numpy calls a step makes (15 a step forward, 7
backward, already fused as far as numpy allows; each costs ~1 us at least at these sizes, 1-10 us measured).
So 1.0x is out of reach for a numpy loop: it needs a fused compiled kernel (as oneDNN's), or a BLAS that packs
the weights once per sequence.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # NOTE: this checkout, not an install
import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402

F32 = np.float32


def time_interleaved(fns, repeat: int, warmup: int = 1):
    """Per fn: the times of ``repeat`` calls, taken in alternating order (A, B, A, B, ...), each call after
    ``warmup`` untimed ones (so that each timed call sees a warm cache, as in a training loop)."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, f in enumerate(fns):
            for _ in range(warmup):
                f()
            t0 = time.perf_counter()
            f()
            times[i].append(time.perf_counter() - t0)
    return [np.asarray(t) for t in times]


def summary(name: str, t_ours: np.ndarray, t_torch: np.ndarray) -> float:
    q = lambda t: np.percentile(t, [25, 50, 75]) * 1e3  # noqa: E731
    (o25, o50, o75), (t25, t50, t75) = q(t_ours), q(t_torch)
    ratio = o50 / t50
    print(f"{name}: autograd_mini {o50:7.2f} ms (IQR {o25:.2f}-{o75:.2f})   PyTorch {t50:7.2f} ms "
          f"(IQR {t25:.2f}-{t75:.2f})   ratio {ratio:.2f}")
    return ratio


def transformer_models(torch, dropout: float):
    torch.manual_seed(0)
    kw = dict(d_model=64, nhead=4, dim_feedforward=128, dropout=dropout, batch_first=True)
    tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**kw), 2, enable_nested_tensor=False)
    om = nn.TransformerEncoder(nn.TransformerEncoderLayer(**kw), 2)
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return om, tm


def lstm_models(torch):
    torch.manual_seed(0)
    tm = torch.nn.LSTM(32, 128)
    om = nn.LSTM(32, 128)
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return om, tm


def make_steps(torch, om, tm, x, target, make_opt):
    opt_o, opt_t = make_opt(optim, om.parameters()), make_opt(torch.optim, tm.parameters())
    xo, yo = am.Tensor(x), am.Tensor(target)
    xt, yt = torch.tensor(x), torch.tensor(target)

    def output(model, inp):
        y = model(inp)
        return y[0] if isinstance(y, tuple) else y

    def ours():
        opt_o.zero_grad()
        loss = nn.functional.mse_loss(output(om, xo), yo)
        loss.backward()
        opt_o.step()
        return float(loss.item())

    def theirs():
        opt_t.zero_grad()
        loss = torch.nn.functional.mse_loss(output(tm, xt), yt)
        loss.backward()
        opt_t.step()
        return float(loss.item())

    return ours, theirs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=31, help="timed steps per framework (default 31)")
    p.add_argument("--only", choices=["transformer", "lstm"])
    p.add_argument("--dropout", type=float, default=0.1, help="the transformer's dropout (default 0.1)")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        print("note: OPENBLAS_NUM_THREADS is not 1; numpy may use several threads")
    rng = np.random.default_rng(0)
    am.manual_seed(0)
    results = {}
    if args.only in (None, "transformer"):
        om, tm = transformer_models(torch, args.dropout)
        om.eval(), tm.eval()  # the first loss is compared without dropout
        x = rng.standard_normal((32, 32, 64)).astype(F32)
        target = rng.standard_normal((32, 32, 64)).astype(F32)
        with torch.no_grad():
            ref = torch.nn.functional.mse_loss(tm(torch.tensor(x)), torch.tensor(target)).item()
        got = nn.functional.mse_loss(om(am.Tensor(x)), am.Tensor(target)).item()
        assert abs(got - ref) < 1e-4 * abs(ref), (got, ref)
        om.train(), tm.train()
        ours, theirs = make_steps(torch, om, tm, x, target, lambda lib, ps: lib.Adam(ps, lr=1e-3))
        t_o, t_t = time_interleaved([ours, theirs], args.repeat)
        name = (f"TransformerEncoder 2 x (d_model 64, 4 heads, ff 128, dropout {args.dropout}), "
                "batch 32 x seq 32, Adam step")
        results["transformer"] = summary(name, t_o, t_t)
    if args.only in (None, "lstm"):
        om, tm = lstm_models(torch)
        x = rng.standard_normal((50, 32, 32)).astype(F32)
        target = rng.standard_normal((50, 32, 128)).astype(F32)
        ours, theirs = make_steps(torch, om, tm, x, target, lambda lib, ps: lib.SGD(ps, lr=0.1))
        a, b = ours(), theirs()
        assert abs(a - b) < 1e-4 * abs(b), (a, b)
        t_o, t_t = time_interleaved([ours, theirs], args.repeat)
        results["lstm"] = summary("LSTM(32, 128), seq 50 x batch 32, SGD step", t_o, t_t)
    return results


if __name__ == "__main__":
    main()
