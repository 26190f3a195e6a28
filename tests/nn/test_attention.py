"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and TransformerEncoder: against
PyTorch with the same weights (forward, input and parameter gradients, float64), gradchecks, masks (masked keys
get zero weight and no gradient), state_dict keys, train/eval."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck, gradgradcheck
from nn import functional as NF

TOL = dict(rtol=1e-9, atol=1e-10)


def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _torch():
    return pytest.importorskip("torch")


def sdpa_ref(q, k, v, allowed=None, additive=None, scale=None):
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if additive is not None:
        s = s + additive
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m)
    tot = e.sum(-1, keepdims=True)
    p = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
    return p @ v


# ----- scaled_dot_product_attention -----------------------------------------------------------------------

@given(b=st.integers(1, 2), L=st.integers(1, 4), S=st.integers(1, 4), E=st.integers(1, 3), Ev=st.integers(1, 3),
       mask=st.sampled_from(["none", "bool", "float", "causal"]), seed=st.integers(0, 999))
def test_sdpa_values_and_gradcheck(b, L, S, E, Ev, mask, seed):
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((b, L, E)), rng.standard_normal((b, S, E)), rng.standard_normal((b, S, Ev))
    kw, allowed, additive = {}, None, None
    if mask == "bool":
        allowed = rng.random((L, S)) < 0.7
        kw["attn_mask"] = allowed
    elif mask == "float":
        additive = rng.standard_normal((b, L, S))
        kw["attn_mask"] = additive
    elif mask == "causal":
        allowed = np.tril(np.ones((L, S), dtype=bool))
        kw["is_causal"] = True
    y = NF.scaled_dot_product_attention(T(q), T(k), T(v), **kw)
    np.testing.assert_allclose(y.data, sdpa_ref(q, k, v, allowed, additive), rtol=1e-12, atol=1e-12)
    f = lambda q_, k_, v_: NF.scaled_dot_product_attention(q_, k_, v_, **kw)  # noqa: E731
    assert gradcheck(f, (T(q), T(k), T(v)))


def test_sdpa_second_order():
    rng = np.random.default_rng(0)
    q, k, v = (T(rng.standard_normal((2, 3, 2))) for _ in range(3))
    assert gradgradcheck(lambda a, b, c: NF.scaled_dot_product_attention(a, b, c, is_causal=True), (q, k, v))


def test_sdpa_masked_keys_get_no_gradient_and_empty_rows_are_zero():
    rng = np.random.default_rng(1)
    q, k, v = T(rng.standard_normal((3, 2))), T(rng.standard_normal((4, 2))), T(rng.standard_normal((4, 2)))
    allowed = np.array([[True, True, False, False], [True, False, True, False], [False] * 4])
    y = NF.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    np.testing.assert_array_equal(y.data[2], 0.0)  # a query with nothing to attend to: zeros, as PyTorch
    (y * T(rng.standard_normal(y.shape), False)).sum().backward()
    np.testing.assert_array_equal(k.grad.data[3], 0.0)  # key 3 is masked for every query
    np.testing.assert_array_equal(v.grad.data[3], 0.0)
    np.testing.assert_array_equal(q.grad.data[2], 0.0)
    assert np.abs(v.grad.data[:3]).min() > 0
    assert np.all(np.isfinite(k.grad.data))


@pytest.mark.parametrize("mask", ["bool2d", "bool4d", "float", "causal", "empty_row", "neginf_float"])
def test_sdpa_against_torch(mask):
    torch = _torch()
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3, 6, 2))
    kw = {}
    if mask == "bool2d":
        kw["attn_mask"] = rng.random((4, 6)) < 0.6
    elif mask == "bool4d":
        kw["attn_mask"] = rng.random((2, 1, 4, 6)) < 0.6
    elif mask == "float":
        kw["attn_mask"] = rng.standard_normal((4, 6))
    elif mask == "causal":
        kw["is_causal"] = True
    elif mask == "empty_row":
        m = rng.random((4, 6)) < 0.6
        m[1] = False
        kw["attn_mask"] = m
    elif mask == "neginf_float":
        m = rng.standard_normal((4, 6))
        m[2] = -np.inf
        m[0, :3] = -np.inf
        kw["attn_mask"] = m
    tkw = {key: (torch.tensor(val) if isinstance(val, np.ndarray) else val) for key, val in kw.items()}
    ours = [T(a) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = NF.scaled_dot_product_attention(*ours, scale=0.3, **kw)
    ty = torch.nn.functional.scaled_dot_product_attention(*theirs, scale=0.3, **tkw)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    w = rng.standard_normal(y.shape)
    (y * T(w, False)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), **TOL)


def test_sdpa_errors():
    x = T(np.zeros((2, 3)))
    with pytest.raises(am.ShapeError, match="query"):
        NF.scaled_dot_product_attention(x, T(np.zeros((2, 4))), x)
    with pytest.raises(ValueError, match="is_causal"):
        NF.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(TypeError, match="bool or float"):
        NF.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), int))


# ----- MultiheadAttention -----------------------------------------------------------------------------------

def mha_pair(E, heads, seed, **kw):
    torch = _torch()
    torch.manual_seed(seed)
    tm = torch.nn.MultiheadAttention(E, heads, **kw).double()
    om = nn.MultiheadAttention(E, heads, **kw).double()
    assert list(om.state_dict()) == list(tm.state_dict())
    assert all(om.state_dict()[k].shape == tuple(v.shape) for k, v in tm.state_dict().items())
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return om, tm


def check_mha(om, tm, inputs, seed, **kw):
    torch = _torch()
    rng = np.random.default_rng(seed)
    ours = [T(a) for a in inputs]
    theirs = [torch.tensor(a, requires_grad=True) for a in inputs]
    if len(inputs) == 1:  # self-attention: the same tensor three times
        ours, theirs = ours * 3, theirs * 3
    tkw = {key: (torch.tensor(val) if isinstance(val, np.ndarray) else val) for key, val in kw.items()}
    y, w = om(*ours, **kw)
    ty, tw = tm(*theirs, **tkw)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    if tw is None:
        assert w is None
    else:
        np.testing.assert_allclose(w.data, tw.detach().numpy(), **TOL)
    g = rng.standard_normal(y.shape)
    loss, tloss = (y * T(g, False)).sum(), (ty * torch.tensor(g)).sum()
    if w is not None and np.all(np.isfinite(w.data)):
        gw = rng.standard_normal(w.shape)
        loss, tloss = loss + (w * T(gw, False)).sum(), tloss + (tw * torch.tensor(gw)).sum()
    loss.backward()
    tloss.backward()
    for o, t in zip(ours[: len(inputs)], theirs[: len(inputs)]):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), **TOL)
    tp = dict(tm.named_parameters())
    for name, p in om.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), err_msg=name, **TOL)
    return y, w, ours


@settings(max_examples=15)
@given(batch_first=st.booleans(), self_attn=st.sampled_from(["self", "kv", "all"]), heads=st.sampled_from([1, 2]),
       need_weights=st.booleans(), average=st.booleans(), bias=st.booleans(), seed=st.integers(0, 999))
def test_mha_against_torch(batch_first, self_attn, heads, need_weights, average, bias, seed):
    E, n, L, S = 4, 2, 3, 5
    om, tm = mha_pair(E, heads, seed, batch_first=batch_first, bias=bias)
    rng = np.random.default_rng(seed)
    shape = lambda length: (n, length, E) if batch_first else (length, n, E)  # noqa: E731
    if self_attn == "self":
        inputs = [rng.standard_normal(shape(L))]
    elif self_attn == "kv":
        q = rng.standard_normal(shape(L))
        kv = rng.standard_normal(shape(S))
        inputs = [q, kv, kv]
    else:
        inputs = [rng.standard_normal(shape(L)), rng.standard_normal(shape(S)), rng.standard_normal(shape(S))]
    if self_attn == "kv":  # key is value: pass the same Tensor twice to exercise the fused K/V projection
        torch = _torch()
        ours = [T(inputs[0]), T(inputs[1])]
        theirs = [torch.tensor(inputs[0], requires_grad=True), torch.tensor(inputs[1], requires_grad=True)]
        y, w = om(ours[0], ours[1], ours[1], need_weights=need_weights, average_attn_weights=average)
        ty, tw = tm(theirs[0], theirs[1], theirs[1], need_weights=need_weights, average_attn_weights=average)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
        g = rng.standard_normal(y.shape)
        (y * T(g, False)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad.data, t.grad.numpy(), **TOL)
        return
    check_mha(om, tm, inputs, seed, need_weights=need_weights, average_attn_weights=average)


@pytest.mark.parametrize("kind", ["kpm_bool", "kpm_float", "mask2d_bool", "mask2d_float", "mask3d_bool",
                                  "mask3d_float", "both", "causal_mask"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks_against_torch(kind, need_weights):
    E, heads, n, L = 4, 2, 2, 5
    om, tm = mha_pair(E, heads, 7, batch_first=True)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n, L, E))
    kpm = np.array([[False] * L, [False, False, False, True, True]])
    kw = {}
    if kind in ("kpm_bool", "both"):
        kw["key_padding_mask"] = kpm
    if kind == "kpm_float":
        kw["key_padding_mask"] = np.where(kpm, -np.inf, rng.standard_normal(kpm.shape))
    if kind == "mask2d_bool":
        kw["attn_mask"] = np.triu(np.ones((L, L), dtype=bool), 1)
    if kind == "mask2d_float":
        kw["attn_mask"] = rng.standard_normal((L, L))
    if kind in ("mask3d_bool", "both"):
        m = rng.random((n * heads, L, L)) < 0.3
        m[:, :, 0] = False  # every query keeps key 0
        kw["attn_mask"] = m
    if kind == "mask3d_float":
        kw["attn_mask"] = rng.standard_normal((n * heads, L, L))
    if kind == "causal_mask":
        kw["attn_mask"] = np.triu(np.ones((L, L), dtype=bool), 1)
    y, w, ours = check_mha(om, tm, [x], 7, need_weights=need_weights, **kw)
    if kind in ("kpm_bool", "both") and need_weights:
        np.testing.assert_array_equal(w.data[1, :, 3:], 0.0)  # padded keys get zero weight


def test_mha_padded_keys_get_no_gradient():
    om = nn.MultiheadAttention(4, 2, batch_first=True).double()
    rng = np.random.default_rng(0)
    q, kv = T(rng.standard_normal((2, 3, 4))), T(rng.standard_normal((2, 5, 4)))
    kpm = np.array([[False] * 5, [False, False, True, True, True]])
    y, w = om(q, kv, kv, key_padding_mask=kpm)
    np.testing.assert_array_equal(w.data[1, :, 2:], 0.0)
    (y * T(rng.standard_normal(y.shape), False)).sum().backward()
    np.testing.assert_array_equal(kv.grad.data[1, 2:], 0.0)
    assert np.abs(kv.grad.data[0]).min() > 0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_mha_fully_masked_row_nan_with_weights_zero_without():
    om, tm = mha_pair(4, 2, 3, batch_first=True)
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    kpm = np.array([[False] * 3, [True] * 3])
    y, w = om(T(x), T(x), T(x), key_padding_mask=kpm)
    assert np.isnan(y.data[1]).all() and np.isnan(w.data[1]).all()
    y, _ = om(T(x), T(x), T(x), key_padding_mask=kpm, need_weights=False)
    torch = _torch()
    ty, _ = tm(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm), need_weights=False)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    np.testing.assert_array_equal(y.data[1], 0.0)


def test_mha_unbatched_against_torch():
    om, tm = mha_pair(4, 2, 5)
    x = np.random.default_rng(5).standard_normal((3, 4))
    check_mha(om, tm, [x], 5, key_padding_mask=np.array([False, False, True]))


def test_mha_gradcheck_with_masks():
    am.manual_seed(0)
    om = nn.MultiheadAttention(4, 2, batch_first=True).double()
    names = [k for k, _ in om.named_parameters()]
    rng = np.random.default_rng(0)
    x = T(rng.standard_normal((2, 3, 4)))
    kpm = np.array([[False] * 3, [False, False, True]])

    def f(x_, *ps):
        return nn.functional_call(om, dict(zip(names, ps)), x_, x_, x_, key_padding_mask=kpm,
                                  attn_mask=np.triu(np.ones((3, 3), dtype=bool), 1))[0]

    assert gradcheck(f, (x, *[T(p.data) for p in om.parameters()]))


def test_mha_init_and_errors():
    m = nn.MultiheadAttention(8, 2)
    np.testing.assert_array_equal(m.in_proj_bias.data, 0)
    np.testing.assert_array_equal(m.out_proj.bias.data, 0)
    bound = np.sqrt(6 / (8 + 24))
    assert np.abs(m.in_proj_weight.data).max() <= bound
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(6, 4)
    x = am.Tensor(np.zeros((3, 2, 8), dtype=np.float32))
    with pytest.raises(am.ShapeError, match="embed_dim=8"):
        m(x, x, am.Tensor(np.zeros((3, 2, 4), dtype=np.float32)))
    with pytest.raises(am.ShapeError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=np.zeros((3, 3), dtype=bool))
    with pytest.raises(am.ShapeError, match="attn_mask"):
        m(x, x, x, attn_mask=np.zeros((2, 3), dtype=bool))


def test_mha_dropout_train_eval():
    m = nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True).double()
    x = T(np.random.default_rng(0).standard_normal((2, 3, 4)), False)
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    np.testing.assert_array_equal(a.data, b.data)
    m.train()
    assert not np.allclose(m(x, x, x)[0].data, a.data)


# ----- Transformer ------------------------------------------------------------------------------------------

def encoder_pair(seed, num_layers=None, final_norm=False, **kw):
    torch = _torch()
    torch.manual_seed(seed)
    tl = torch.nn.TransformerEncoderLayer(**kw).double()
    ol = nn.TransformerEncoderLayer(**{k: (v if not callable(v) else v[1]) if isinstance(v, tuple) else v
                                       for k, v in kw.items()}).double()
    if num_layers:
        tn = torch.nn.LayerNorm(kw["d_model"]).double() if final_norm else None
        on = nn.LayerNorm(kw["d_model"]).double() if final_norm else None
        tl = torch.nn.TransformerEncoder(tl, num_layers, norm=tn, enable_nested_tensor=False)
        ol = nn.TransformerEncoder(ol, num_layers, norm=on)
    assert list(ol.state_dict()) == list(tl.state_dict())
    assert all(ol.state_dict()[k].shape == tuple(v.shape) for k, v in tl.state_dict().items())
    ol.load_state_dict({k: v.numpy() for k, v in tl.state_dict().items()})
    return ol, tl


def check_encoder(ol, tl, x, seed, **kw):
    torch = _torch()
    rng = np.random.default_rng(seed)
    tkw = {key: (torch.tensor(val) if isinstance(val, np.ndarray) else val) for key, val in kw.items()}
    ox, tx = T(x), torch.tensor(x, requires_grad=True)
    y, ty = ol(ox, **kw), tl(tx, **tkw)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    g = rng.standard_normal(y.shape)
    (y * T(g, False)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
    tp = dict(tl.named_parameters())
    for name, p in ol.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), err_msg=name, **TOL)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_against_torch(norm_first, batch_first):
    ol, tl = encoder_pair(0, d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=batch_first,
                          norm_first=norm_first)
    x = np.random.default_rng(0).standard_normal((2, 5, 8) if batch_first else (5, 2, 8))
    kpm = np.array([[False] * 5, [False, False, False, True, True]])
    check_encoder(ol, tl, x, 0, src_key_padding_mask=kpm)
    ol.zero_grad()
    tl.zero_grad()
    check_encoder(ol, tl, x, 1, src_mask=np.triu(np.ones((5, 5), dtype=bool), 1))


def test_encoder_layer_callable_activation_and_eval_against_torch():
    torch = _torch()
    torch.manual_seed(1)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, activation=torch.tanh, batch_first=True).double()
    ol = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3, activation=am.tanh, batch_first=True).double()
    ol.load_state_dict({k: v.numpy() for k, v in tl.state_dict().items()})
    tl.eval()
    ol.eval()
    x = np.random.default_rng(1).standard_normal((2, 4, 8))
    check_encoder(ol, tl, x, 1)  # eval: dropout off, so the same values
    ol.train()
    y1, y2 = ol(T(x, False)), ol(T(x, False))
    assert not np.allclose(y1.data, y2.data)  # train: dropout on


@pytest.mark.parametrize("final_norm", [False, True])
def test_encoder_stack_against_torch(final_norm):
    ol, tl = encoder_pair(2, num_layers=2, final_norm=final_norm, d_model=8, nhead=4, dim_feedforward=12,
                          dropout=0.0, batch_first=True)
    assert ol.layers[0].linear1.weight is not ol.layers[1].linear1.weight  # deep copies, as PyTorch
    x = np.random.default_rng(2).standard_normal((3, 4, 8))
    check_encoder(ol, tl, x, 2, src_key_padding_mask=np.array([[False] * 4, [False] * 3 + [True], [False] * 4]))


def test_encoder_gelu_against_torch():
    ol, tl = encoder_pair(3, d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation="gelu")
    check_encoder(ol, tl, np.random.default_rng(3).standard_normal((4, 2, 8)), 3)


def test_encoder_gradcheck_small():
    am.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True, norm_first=True).double()
    names = [k for k, _ in layer.named_parameters()]
    x = T(np.random.default_rng(0).standard_normal((2, 3, 4)))

    def f(x_, *ps):
        kpm = np.array([[0, 0, 1], [0, 0, 0]], bool)
        return nn.functional_call(layer, dict(zip(names, ps)), x_, src_key_padding_mask=kpm)

    assert gradcheck(f, (x, *[T(p.data) for p in layer.parameters()]))


def test_mha_argument_order_as_pytorch():
    m = nn.MultiheadAttention(8, 2, 0.0, True, False, False, None, None, True)
    assert m.batch_first
    with pytest.raises(NotImplementedError, match="kdim"):
        nn.MultiheadAttention(8, 2, kdim=4)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(8, 2, add_bias_kv=True)


def test_encoder_layer_unbatched_against_torch():
    ol, tl = encoder_pair(4, d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
    check_encoder(ol, tl, np.random.default_rng(4).standard_normal((5, 8)), 4,
                  src_key_padding_mask=np.array([False, False, False, False, True]))
