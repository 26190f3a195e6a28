"""Every primitive op, one module per section: its forward (numpy in, numpy out) next to its derivative (Tensor ops, vector-Jacobian).

Rules of this package:
- ``forward(ctx, *arrays, **attrs)`` computes the value; attributes needed later go on ``ctx``.
- ``backward(ctx, gy)`` returns one gradient per input (or None where ``ctx.needs_input_grad`` is False),
  written with Tensor ops only, so that with ``create_graph=True`` the backward pass is itself recorded and
  can be differentiated again.
- Gradients may come back in the broadcast shape: the engine sums them to each input's shape, once, for all ops.

Why each primitive of the math family is one (and not a composition) is written in ``ops/math.py``.

Everything not in this package is a composite in functional/ (a module per family), whose derivative follows from these.

Multi-output primitives: a forward may return a tuple of arrays. ``apply`` then returns a tuple of Tensors that
share one node, and the node's backward is ``backward(ctx, *gys)``: one gradient per output, in one call that the
engine makes after every output's gradient is complete (it walks nodes in creation order; the outputs of a node
share its number). A library op receives None for an output that got no gradient (it sets
``materialize_grads = False``); users' ops receive zeros unless they call ``ctx.set_materialize_grads(False)``.
Outputs that are not floating point are not differentiable (their gradient is always None).

``Split`` (split / chunk / unbind) is the first one. It is a primitive for speed: composed from GetItem, k pieces
cost k nodes whose backwards each scatter into a full-size array of zeros (IndexAdd), and then k - 1 full-size
additions; Split is one node whose backward is one concatenation (zeros only for the unused pieces). LSTMCell
splits its four gates with it at every step (benchmarks/bench_conv_lstm.py).
Shape, indexing and reduction primitives and why each earns its place (the rest of those families is composed):
- Prod: its derivative prod_{k != j} x_k is right at zeros (y / x is 0 / 0 there).
- Cumsum: O(n) forward and backward (a reversed cumsum) in one numpy call each; composed would be O(n^2).
- Cumprod: a derivative right at zeros (as Prod). LogCumSumExp: a stable forward and derivative.
- Einsum: contracts through BLAS without materializing the broadcast product; its derivatives are einsums.
Composed, with reasons: gather/scatter_add are GetItem/IndexAdd with an open index (same numpy calls, measured
equal speed); sort/topk/cummax/median are gathers at computed indices (ties route the gradient to the chosen
index); masked_fill is where; flip/roll/tril/diag/repeat are slicing, concatenation and products with masks.

``LSTMPointwise`` (recurrent.py: the LSTM cell after its two matrix products, two outputs h' and c'), its
backward ``LSTMPointwiseGrad`` and ``LSTMCell`` (the whole step: both products, the biases and LSTMPointwise)
are primitives for speed, as cuDNN's fused LSTM cell: one node per step instead of thirteen, measured in
benchmarks/bench_conv_lstm.py.

``LSTMLayer`` (recurrent_layer.py: one LSTM layer in one direction over a whole (T, N, I) sequence, outputs y, h_T,
c_T) is a primitive for speed, as PyTorch hands a layer to oneDNN/cuDNN: one node instead of one per step, the
recurrence in numpy with one product a step each way and the weight gradients of all steps in one product
(benchmarks/bench_layers.py: 1.47x PyTorch's training step, against 2.2-2.5x with an LSTMCell node per step).

``LayerNorm`` (norm.py: mean, biased variance, normalization, weight and bias over the trailing axes) is a
primitive for speed, as PyTorch's native_layer_norm: one node instead of eight, measured in benchmarks/bench_layers.py.
"""
from .elementwise import (Add, Sub, Neg, Mul, Div, Pow, Maximum, Where, Exp, Log, Tanh, TanhGrad, Sigmoid, SigmoidGrad,
                          Relu, Abs, Clip, Cast, Copy)
from .reduce import Sum, Max, LogSumExp, Prod
from .scan import Cumsum, Cumprod, LogCumSumExp
from .einsum import Einsum
from .shape import Reshape, Transpose, BroadcastTo, SumTo, GetItem, IndexAdd, Concatenate
from .linalg import Linear, MatMul, MatMulTransA
from .window import Pad, Unfold, Fold
from .loss import SoftmaxCrossEntropy, SoftmaxCrossEntropyGrad
from .shape import Split  # NOTE: several outputs (see above)
from .math import (Sin, Cos, Tan, Asin, Acos, Atan, Atan2, Sinh, Cosh, Asinh, Acosh, Atanh, Log1p, Expm1, Log2, Log10,
                   Erf, Erfc, Mod, Softmax)
from .recurrent import LSTMPointwise, LSTMPointwiseGrad, LSTMCell  # NOTE: fused LSTM cell (see above)
from .recurrent_layer import LSTMLayer  # NOTE: a whole LSTM layer over a sequence in one node, for speed (see its docstring)
from .norm import LayerNorm  # NOTE: fused layer normalization (see above)
