"""nn.save / nn.load: bit-exact round trips, exact paths, rejection of bad files (truncated, random bytes,
pickled objects, tampered, foreign), and atomicity when a save fails midway."""
import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, array_shapes

import autograd_mini as am
import nn


def model():
    am.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2, bias=False))


def assert_same(a, b):
    """Same keys in the same order, and bit for bit the same arrays (so nan == nan, and -0.0 != 0.0)."""
    assert list(a) == list(b)
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), k


# ----- round trips ---------------------------------------------------------------------------------------------


def test_module_round_trip_is_bit_exact(tmp_path):
    m = model()
    m(am.Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)))  # move running stats
    path = tmp_path / "model.npz"
    nn.save(m, path)
    loaded = nn.load(path)
    assert_same(loaded, m.state_dict())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    fresh.load_state_dict(loaded)
    assert_same(fresh.state_dict(), m.state_dict())


dtypes = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int64, np.uint16, np.bool_, ">f8"])


@given(
    entries=st.dictionaries(
        st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=12).filter(
            lambda s: not s.startswith("__autograd_mini")
        ),
        dtypes.flatmap(lambda dt: arrays(dt, array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))),
        max_size=4,
    )
)
def test_any_numeric_mapping_round_trips(tmp_path_factory, entries):
    path = tmp_path_factory.mktemp("ckpt") / "state"
    nn.save(entries, path)
    assert_same(nn.load(path), entries)


def test_writes_exactly_the_given_path(tmp_path):
    path = tmp_path / "weights.ckpt"
    nn.save({"a": np.arange(3)}, path)
    assert os.listdir(tmp_path) == ["weights.ckpt"]
    nn.save({"a": np.arange(3)}, str(tmp_path / "noext"))
    assert sorted(os.listdir(tmp_path)) == ["noext", "weights.ckpt"]
    # a plain .npz archive, readable without pickle by numpy itself
    with np.load(path, allow_pickle=False) as z:
        assert np.array_equal(z["a"], np.arange(3)) and "__autograd_mini__" in z.files


def test_keys_that_clash_with_savez_parameters(tmp_path):
    state = {"file": np.ones(2), "allow_pickle": np.zeros(1), "a.b/c": np.arange(2)}
    nn.save(state, tmp_path / "x.npz")
    assert_same(nn.load(tmp_path / "x.npz"), state)


def test_accepts_tensors_and_overwrites(tmp_path):
    path = tmp_path / "t.npz"
    nn.save({"w": am.Tensor(np.ones(2, dtype=np.float32))}, path)
    nn.save({"w": np.zeros(3)}, path)
    assert_same(nn.load(path), {"w": np.zeros(3)})


def test_refuses_object_arrays_and_other_python_objects(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(nn.CheckpointError, match="'bad'.*objects"):
        nn.save({"bad": np.array([{"a": 1}], dtype=object)}, path)
    with pytest.raises(nn.CheckpointError, match=r"\['optim'\]\['fn'\].*builtin_function_or_method is not supported"):
        nn.save({"optim": {"fn": print}}, path)
    with pytest.raises(nn.CheckpointError, match=r"\['a'\]: its key 1.5 is a float"):
        nn.save({"a": {1.5: 1}}, path)
    with pytest.raises(nn.CheckpointError, match="key True is a bool"):
        nn.save({True: 1}, path)
    with pytest.raises(nn.CheckpointError, match=r"\['s'\].*set"):
        nn.save({"s": {1, 2}}, path)
    with pytest.raises(nn.CheckpointError, match="bytes"):
        nn.save({"b": b"raw"}, path)
    cyclic = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(nn.CheckpointError, match=r"\['a'\]\[0\]: it contains itself"):
        nn.save(cyclic, path)
    deep = []
    for _ in range(150):
        deep = [deep]
    with pytest.raises(nn.CheckpointError, match="nested more than 100 levels"):
        nn.save(deep, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_keys_that_were_reserved_in_format_1_are_ordinary_keys_now(tmp_path):
    state = {"__autograd_mini__": np.ones(1), "__autograd_mini_tree__": 3, "value": np.zeros(2)}
    nn.save(state, tmp_path / "x.npz")
    loaded = nn.load(tmp_path / "x.npz")
    assert list(loaded) == list(state) and loaded["__autograd_mini_tree__"] == 3
    assert_same({k: loaded[k] for k in ("__autograd_mini__", "value")},
                {k: state[k] for k in ("__autograd_mini__", "value")})


# ----- bad files ---------------------------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "good.npz"
    nn.save(model(), path)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.npz")


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.9, 0.999])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(nn.CheckpointError, match="good.npz"):
        nn.load(saved)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(nn.CheckpointError, match="noise.npz"):
        nn.load(path)


def test_pickle_file_is_not_unpickled(tmp_path, monkeypatch):
    import pickle

    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weight": np.ones(2)}))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(nn.CheckpointError, match="evil.npz"):
        nn.load(path)


def test_npz_with_a_pickled_object_array_is_rejected_without_unpickling(tmp_path, monkeypatch):
    import pickle

    path = tmp_path / "objects.npz"
    np.savez(path, weight=np.ones(2), payload=np.array([{"x": 1}, None], dtype=object))  # np.savez pickles these
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    with pytest.raises(nn.CheckpointError, match="objects.npz.*payload.*pickled"):
        nn.load(path)


def test_npy_and_foreign_npz(tmp_path):
    npy = tmp_path / "plain.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(nn.CheckpointError, match="plain.npy"):
        nn.load(npy)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, w=np.ones(3))
    with pytest.raises(nn.CheckpointError, match="foreign.npz.*not an autograd_mini checkpoint"):
        nn.load(foreign)


def _member_offset(path, name):
    """Byte offset of a member's data within the archive."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    header_len = 30 + int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little") + \
        int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    return info.header_offset + header_len


def test_flipped_byte_in_array_data_is_detected(saved):
    raw = bytearray(saved.read_bytes())
    pos = _member_offset(saved, "0.weight.npy") + 128 + 5  # inside the array bytes, after the .npy header
    raw[pos] ^= 0x01
    saved.write_bytes(bytes(raw))
    with pytest.raises(nn.CheckpointError, match="good.npz"):
        nn.load(saved)


def test_every_single_byte_flip_is_rejected_or_harmless(tmp_path):
    path = tmp_path / "small.npz"
    nn.save({"w": np.arange(4, dtype=np.float32)}, path)
    original = path.read_bytes()
    for pos in range(0, len(original), 7):
        raw = bytearray(original)
        raw[pos] ^= 0x10
        path.write_bytes(bytes(raw))
        try:
            loaded = nn.load(path)
        except nn.CheckpointError:
            continue
        # a flip that survived can only be in bytes that do not carry data (e.g. zip timestamps)
        assert_same(loaded, {"w": np.arange(4, dtype=np.float32)})


def test_consistently_rewritten_content_fails_the_checksum(saved, tmp_path):
    """Content changed and the zip re-written with valid CRCs: only the checksum can notice."""
    with zipfile.ZipFile(saved) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.full((4, 3), 9.0, dtype=np.float32))
    members["0.weight.npy"] = buf.getvalue()
    with zipfile.ZipFile(saved, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    with pytest.raises(nn.CheckpointError, match="good.npz.*checksum"):
        nn.load(saved)


def test_header_declaring_a_huge_shape_is_rejected(saved):
    with zipfile.ZipFile(saved) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    old = b"(4,), }" + b" " * 9
    new = b"(" + b"9" * 10 + b",), }"  # the same length, so the header stays well formed: 40 GB of float32
    assert len(old) == len(new) and old in members["0.bias.npy"]
    members["0.bias.npy"] = members["0.bias.npy"].replace(old, new, 1)
    with zipfile.ZipFile(saved, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    with pytest.raises(nn.CheckpointError, match="good.npz.*declares shape \\(9999999999,\\)"):
        nn.load(saved)


def test_wrong_shapes_and_missing_keys_reach_load_state_dict(tmp_path):
    path = tmp_path / "other.npz"
    nn.save({"0.weight": np.zeros((5, 3)), "0.bias": np.zeros(4)}, path)
    m = model()
    before = m.state_dict()
    with pytest.raises(nn.StateDictError) as info:
        m.load_state_dict(nn.load(path))
    assert "'0.weight': shape mismatch" in str(info.value) and "missing key(s)" in str(info.value)
    assert_same(m.state_dict(), before)


# ----- atomicity ---------------------------------------------------------------------------------------------------


def test_failure_midway_keeps_the_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    m = model()
    nn.save(m, path)
    before = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def crash_on_second_array(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            fp.write(b"partial garbage")
            raise OSError("disk full (simulated)")
        return real_write(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", crash_on_second_array)
    with pytest.raises(OSError, match="simulated"):
        nn.save({k: v + 1 for k, v in m.state_dict().items()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()
    assert_same(nn.load(path), m.state_dict())


def test_failure_before_replace_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    nn.save({"a": np.ones(2)}, path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        nn.save({"a": np.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]


def test_file_mode_is_kept_on_overwrite(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"a": np.ones(1)}, path)
    os.chmod(path, 0o640)
    nn.save({"a": np.ones(1)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o640


# ----- errors about the target folder name the path the user gave ------------------------------------------------


def test_missing_folder_names_the_target_path_not_the_temporary_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cannot save to 'missing_folder/model.npz': the folder "
                                                r"'missing_folder' .*does not exist; create it first") as info:
        nn.save(model(), "missing_folder/model.npz")
    assert ".tmp" not in str(info.value) and "os.makedirs('missing_folder', exist_ok=True)" in str(info.value)
    assert os.listdir(tmp_path) == []  # nothing created
    os.makedirs("missing_folder", exist_ok=True)  # the suggested fix works
    nn.save(model(), "missing_folder/model.npz")
    assert_same(nn.load("missing_folder/model.npz"), model().state_dict())


def test_folder_that_is_a_file(tmp_path):
    (tmp_path / "notes").write_text("not a folder")
    target = str(tmp_path / "notes" / "model.npz")
    with pytest.raises(NotADirectoryError, match=r"cannot save to '.*notes/model.npz': '.*notes' is a file"):
        nn.save(model(), target)


def test_unwritable_folder_names_the_target_path(tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", os.path.join(str(tmp_path), ".model.npz.abc123.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    target = str(tmp_path / "model.npz")
    with pytest.raises(PermissionError, match=r"cannot save to '.*model.npz': cannot create a file in .*Permission") \
            as info:
        nn.save(model(), target)
    assert ".tmp" not in str(info.value)


# ----- nested training states (format 2) ----------------------------------------------------------------------------


def assert_identical(a, b, where="value"):
    """Same structure, same types (int is not float, tuple is not list), floats and arrays bit for bit."""
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict)), (where, type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b), where
        assert [type(k) for k in a] == [type(k) for k in b], where
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, float):
        assert np.float64(a).tobytes() == np.float64(b).tobytes(), (where, a, b)
    else:
        assert a == b, (where, a, b)


def roundtrip(value, tmp_path, name="ckpt.npz"):
    path = tmp_path / name
    nn.save(value, path)
    return nn.load(path)


def test_whole_training_state_round_trips_with_types_preserved(tmp_path):
    m = model()
    p = [t for t in m.parameters()]
    import optim

    opt = optim.Adam(p, lr=1e-3, betas=(0.9, 0.99))
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    for t in p:
        t.grad = am.Tensor(np.ones_like(t.data))
    opt.step()
    sched.step()
    state = {"model": m.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(), "epoch": 3,
             "best": 0.1, "note": "résumé ✓", "done": False, "none": None,
             "history": [0.5, 0.25, float("nan"), -0.0, float("inf"), 5e-324], "shape": (2, 3),
             "big": 2 ** 80, "neg": -7, "np": [np.float32(1.5), np.int64(-3), np.bool_(True)],
             "zero_d": np.array(2.5), "empty": np.zeros((0, 3), np.int16), "be": np.arange(3, dtype=">i4")}
    loaded = roundtrip(state, tmp_path)
    assert_identical(loaded, {**state, "model": dict(state["model"])})
    assert isinstance(loaded["optim"]["param_groups"][0]["betas"], tuple)
    assert list(loaded["optim"]["state"]) == [0, 1, 2, 3, 4]  # int keys stay ints
    assert type(loaded["optim"]["state"][0]["step"]) is int


def test_a_module_anywhere_is_saved_as_its_state_dict(tmp_path):
    m = model()
    loaded = roundtrip({"nets": [m, {"inner": m}]}, tmp_path)
    assert_same(loaded["nets"][0], m.state_dict())
    assert_same(loaded["nets"][1]["inner"], m.state_dict())


def test_flat_state_dict_members_keep_their_names(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"model": model(), "step": 1}, path)
    with np.load(path, allow_pickle=False) as z:
        assert {"model.0.weight", "model.1.running_mean", "__autograd_mini_tree__"} <= set(z.files)


def test_member_names_never_clash(tmp_path):
    state = {"a.b": np.ones(1), "a": {"b": np.zeros(1)}, "c": [np.arange(2), {"0": np.arange(3)}]}
    assert_identical(roundtrip(state, tmp_path), state)


def test_bare_values_at_the_top(tmp_path):
    for value in (np.arange(3), [1, 2.0], (None,), "text", 7, np.float16(2)):
        assert_identical(roundtrip(value, tmp_path), value)


leaves = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5)
          | dtypes.flatmap(lambda dt: arrays(dt, array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=2))))
structures = st.recursive(
    leaves,
    lambda children: (st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
                      | st.dictionaries(st.text(max_size=4) | st.integers(-5, 5), children, max_size=3)),
    max_leaves=12,
)


@given(value=structures)
def test_any_nested_structure_round_trips_exactly(tmp_path_factory, value):
    assert_identical(roundtrip(value, tmp_path_factory.mktemp("nested")), value)


def test_keys_with_a_nul_round_trip(tmp_path):
    # zipfile cuts a member name at a NUL when reading: found by the test above (a key "\x00"), which then
    # failed its own checksum on load
    value = {"\x00": np.array(0.0, dtype=np.float16), "a\x00b": np.ones(2), "a\\x00b": np.zeros(2)}
    assert_identical(roundtrip(value, tmp_path), value)


def test_files_of_format_1_still_load():
    """A file written by the format-1 writer (before nested checkpoints); committed as a fixture."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "checkpoint_v1.npz")
    with np.load(path, allow_pickle=False) as z:
        assert int(z["__autograd_mini__"]) == 1 and "__autograd_mini_tree__" not in z.files
    loaded = nn.load(path)
    expected = {"0.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
                "0.bias": np.array([-0.0, np.inf, np.nan]), "steps": np.array(3, dtype=np.int64),
                "mask": np.array([True, False]), "empty": np.zeros((0, 2), dtype=np.int8)}
    assert_same(loaded, expected)


def _write_forged(path, members, tree, version=2):
    """An archive with a valid checksum but a structure of our choosing (what a hostile writer could make)."""
    from nn import serialization as S

    arrays = dict(members)
    if tree is not None:
        arrays[S._TREE_KEY] = np.array(tree if isinstance(tree, str) else json.dumps(tree))
    arrays[S._CHECKSUM_KEY] = np.array(S._checksum(arrays))
    arrays[S._VERSION_KEY] = np.array(version, dtype=np.int64)
    with open(path, "wb") as f:
        S._write_npz(f, arrays)


@pytest.mark.parametrize("tree, message", [
    (None, "no '__autograd_mini_tree__'"),
    ({"t": "array", "m": "missing"}, "missing array member"),
    ({"t": "list", "v": [{"t": "array", "m": "w"}, {"t": "array", "m": "w"}]}, "twice"),
    ({"t": "none"}, r"not part of the structure"),
    ({"t": "int", "v": 1.5}, "malformed"),
    ({"t": "int", "v": True}, "malformed"),
    ({"t": "float", "v": "0xzz"}, "malformed"),
    ({"t": "float", "v": "nan:3ff0000000000000"}, "marked NaN but is not"),
    ({"t": "float", "v": "nan:00"}, "malformed"),
    ({"t": "pickle", "v": "cos\nsystem"}, "malformed"),
    ({"t": "dict", "v": [["a", {"t": "none"}], ["a", {"t": "none"}]]}, "duplicate dict key"),
    ({"t": "dict", "v": [[1.5, {"t": "none"}]]}, "malformed dict entry"),
    ({"t": "scalar", "m": "w"}, "has shape"),
    ("[" * 100000 + "]" * 100000, "malformed"),
    ("{not json", "malformed"),
], ids=["no-tree", "missing", "twice", "unused", "float-int", "bool-int", "bad-hex", "nan-not-nan", "nan-short",
        "unknown", "dup-key",
        "float-key", "scalar-shape", "deep-json", "not-json"])
def test_malformed_structures_are_rejected(tmp_path, tree, message):
    path = tmp_path / "forged.npz"
    tree_value = tree
    if isinstance(tree, dict) and tree.get("t") in ("int", "float", "pickle", "dict"):
        tree_value = {"t": "list", "v": [tree, {"t": "array", "m": "w"}]}
    _write_forged(path, {"w": np.ones(2)}, tree_value)
    with pytest.raises(nn.CheckpointError, match="forged.npz.*" + message):
        nn.load(path)


def test_deeply_nested_valid_json_is_rejected_not_a_crash(tmp_path):
    tree = {"t": "none"}
    for _ in range(150):
        tree = {"t": "list", "v": [tree]}
    path = tmp_path / "deep.npz"
    _write_forged(path, {}, tree)
    with pytest.raises(nn.CheckpointError, match="nested more than 100 levels"):
        nn.load(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.95, 0.999])
def test_truncated_training_checkpoint(tmp_path, keep):
    path = tmp_path / "train.npz"
    nn.save({"model": model().state_dict(), "epoch": 3, "lr": [0.1, 0.01]}, path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(nn.CheckpointError, match="train.npz"):
        nn.load(path)


def test_edited_tree_fails_the_checksum(tmp_path):
    path = tmp_path / "train.npz"
    nn.save({"epoch": 3, "w": np.ones(2)}, path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    tree = members["__autograd_mini_tree__.npy"]
    assert b"3" in tree
    members["__autograd_mini_tree__.npy"] = tree.replace("3".encode("utf-32-le"), "4".encode("utf-32-le"), 1)
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    with pytest.raises(nn.CheckpointError, match="checksum"):
        nn.load(path)


def test_nan_keeps_its_sign_and_payload(tmp_path):
    import struct

    nans = [struct.unpack(">d", bytes.fromhex(h))[0] for h in ("7ff8000000000000", "fff8000000000000",
                                                                 "7ff8000000000123", "7ff0000000000001")]
    loaded = roundtrip({"nans": nans}, tmp_path)["nans"]
    assert [struct.pack(">d", x) for x in loaded] == [struct.pack(">d", x) for x in nans]


def test_unusual_strings_and_huge_ints(tmp_path):
    state = {"\ud800key": np.ones(1), "s": "\x00tab\there\ud800", "": [""], "big": -(2 ** 4000)}
    assert_identical(roundtrip(state, tmp_path), state)
    with pytest.raises(nn.CheckpointError, match="cannot save the checkpoint: Exceeds the limit"):
        nn.save({"huge": 10 ** 5000}, tmp_path / "huge.npz")
    assert not (tmp_path / "huge.npz").exists()
