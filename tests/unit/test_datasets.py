"""Tests of physml.datasets: MNIST, Fashion-MNIST and CIFAR-10 read from files in their own
formats, which each test writes itself (a few images each), and the digits fallback.

Nothing here downloads: the download path is tested against a ``file://`` mirror."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
import warnings

import numpy as np
import pytest

from physml import datasets

# --------------------------------------------------------------------------- writing the formats


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file as LeCun describes it: magic 0 0 type ndim, big-endian sizes, big-endian data."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int16): 0x0B, np.dtype(np.float32): 0x0D}
    code = codes[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array: np.ndarray, gz: bool) -> None:
    raw = idx_bytes(array)
    path.write_bytes(gzip.compress(raw) if gz else raw)


def tiny_mnist(rng, n: int, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    images = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


def write_mnist(folder, gz: bool, seed: int = 0, n_train: int = 5, n_test: int = 3) -> dict:
    """The four MNIST files (``n_train`` + ``n_test`` random images) in ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    parts = {"train": tiny_mnist(rng, n_train), "t10k": tiny_mnist(rng, n_test)}
    suffix = ".gz" if gz else ""
    for split, (images, labels) in parts.items():
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images, gz)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels, gz)
    return parts


def cifar_batch(rng, n: int) -> dict:
    """A batch as CIFAR-10's python version stores it: a Python 2 pickle, read with bytes keys."""
    return {
        b"batch_label": b"testing batch 1 of 1",
        b"labels": [int(v) for v in rng.integers(0, 10, size=n)],
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }


def write_cifar(root, seed: int = 0, n: int = 2) -> dict:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batches[name] = cifar_batch(rng, n)
        with open(folder / name, "wb") as f:
            pickle.dump(batches[name], f, protocol=2)
    return batches


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """No data folder from the environment; HOME in a temporary folder (nothing found there)."""
    monkeypatch.delenv(datasets.ENV_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


# --------------------------------------------------------------------------- the readers


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32])
def test_read_idx_reads_what_was_written(tmp_path, gz, dtype):
    a = (
        (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        if dtype != np.uint8
        else np.arange(24, dtype=dtype)
    )
    path = tmp_path / "a-file"
    write_idx(path, a, gz)
    out = datasets.read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, a)


def test_read_idx_refuses_damaged_files(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 10) + bytes(9))  # one byte short
    with pytest.raises(ValueError, match="does not match its header"):
        datasets.read_idx(path)
    path.write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(path)
    path.write_bytes(b"\x00\x00\x08\x03\x00")
    with pytest.raises(ValueError, match="truncated"):
        datasets.read_idx(path)
    path.write_bytes(gzip.compress(idx_bytes(np.arange(5, dtype=np.uint8)))[:-6])
    with pytest.raises(ValueError, match="damaged gzip"):
        datasets.read_idx(path)
    with pytest.raises(FileNotFoundError, match="path"):
        datasets.read_idx(tmp_path / "missing")
    with pytest.raises(TypeError, match="path"):
        datasets.read_idx(3)


def test_read_cifar_batch_reads_the_python_version(tmp_path):
    batch = write_cifar(tmp_path, n=3)["data_batch_2"]
    images, labels = datasets.read_cifar_batch(tmp_path / "cifar-10-batches-py" / "data_batch_2")
    assert images.shape == (3, 3, 32, 32) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, batch[b"labels"])
    # the first 1024 values of a row are the red channel, row by row
    np.testing.assert_array_equal(images[1, 0].ravel(), batch[b"data"][1, :1024])
    np.testing.assert_array_equal(images[1, 2, 31], batch[b"data"][1, -32:])


def test_read_cifar_batch_accepts_str_keys(tmp_path):
    path = tmp_path / "b"
    data = np.zeros((1, 3072), dtype=np.uint8)
    path.write_bytes(pickle.dumps({"data": data, "labels": [4]}))
    images, labels = datasets.read_cifar_batch(path)
    assert images.shape == (1, 3, 32, 32) and labels.tolist() == [4]


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ({"labels": [1]}, "need data and labels"),
        ({"data": np.zeros((1, 100), dtype=np.uint8), "labels": [1]}, "shape"),
        ({"data": np.zeros((2, 3072), dtype=np.uint8), "labels": [1]}, "labels must be 2"),
        ({"data": np.zeros((1, 3072), dtype=np.uint8), "labels": [12]}, "0-9"),
        ([1, 2, 3], "not a dict"),
        ({"data": _Evil(), "labels": [1]}, "not allowed"),
    ],
)
def test_read_cifar_batch_refuses_what_is_not_a_batch(tmp_path, content, match):
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps(content))
    with pytest.raises(ValueError, match=match):
        datasets.read_cifar_batch(path)


def test_read_cifar_batch_refuses_a_truncated_file(tmp_path):
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps({"data": np.zeros((1, 3072), dtype=np.uint8), "labels": [1]})[:50])
    with pytest.raises(ValueError, match="not a CIFAR-10 batch"):
        datasets.read_cifar_batch(path)


# --------------------------------------------------------------------------- load_images


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(("name", "folder"), [("mnist", "MNIST/raw"), ("fashion-mnist", "FashionMNIST/raw")])
def test_load_idx_sets_in_torchvisions_layout(tmp_path, no_env, gz, name, folder):
    parts = write_mnist(tmp_path / folder, gz)
    data = datasets.load_images(name, tmp_path)
    assert not data.fallback and data.name == name and data.requested == name
    assert data.X_train.shape == (5, 1, 28, 28) and data.X_test.shape == (3, 1, 28, 28)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    np.testing.assert_allclose(data.X_train[:, 0] * 255, parts["train"][0], atol=1e-4)
    np.testing.assert_array_equal(data.y_test, parts["t10k"][1])
    assert data.image_shape == (1, 28, 28) and data.n_classes == 10
    assert data.source == str(tmp_path / folder)
    assert (data.classes[0] == "0") == (name == "mnist")


def test_load_from_a_plain_folder_and_the_environment(tmp_path, no_env, monkeypatch):
    parts = write_mnist(tmp_path / "mnist", gz=True)
    monkeypatch.setenv(datasets.ENV_VARIABLE, str(tmp_path))
    assert datasets.default_root() == tmp_path
    data = datasets.load_images("mnist", n_train=2, n_test=1)
    assert len(data.X_train) == 2 and len(data.y_test) == 1
    np.testing.assert_array_equal(data.y_train, parts["train"][1][:2])


def test_load_cifar10(tmp_path, no_env):
    batches = write_cifar(tmp_path, n=2)
    data = datasets.load_images("cifar10", str(tmp_path))
    assert not data.fallback and data.X_train.shape == (10, 3, 32, 32) and data.X_test.shape == (2, 3, 32, 32)
    labels = sum((batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    np.testing.assert_array_equal(data.y_train, labels)
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    assert data.classes[0] == "airplane"


def test_missing_files_give_the_digits_with_a_message(tmp_path, no_env):
    with pytest.warns(UserWarning, match="mnist not found") as record:
        data = datasets.load_images("mnist", tmp_path)
    message = str(record[0].message)
    assert str(tmp_path / "MNIST" / "raw") in message and "download=True" in message
    assert datasets.ENV_VARIABLE in message
    assert data.fallback and data.name == "digits" and data.requested == "mnist"
    assert data.message == message and "load_digits" in data.source
    assert data.X_train.shape == (1437, 1, 8, 8) and data.X_test.shape == (360, 1, 8, 8)
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    assert "fallback for 'mnist'" in repr(data)


def test_the_default_root_is_in_home(no_env, tmp_path):
    assert datasets.default_root() == tmp_path / "home" / ".physml" / "data"
    with pytest.warns(UserWarning, match=str(tmp_path / "home" / ".physml" / "data")):
        assert datasets.load_images("cifar10", n_train=3).fallback


def test_incomplete_sets_are_not_used(tmp_path, no_env):
    write_mnist(tmp_path / "MNIST" / "raw", gz=False)
    (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    for name in ("mnist", "cifar10"):
        with pytest.warns(UserWarning, match="not found"):
            assert datasets.load_images(name, tmp_path).fallback


def test_no_fallback_raises(tmp_path, no_env):
    with pytest.raises(FileNotFoundError, match="fashion-mnist not found") as err:
        datasets.load_images("fashion-mnist", tmp_path, allow_fallback=False)
    assert "fallback=True" not in str(err.value)


def test_digits_on_request_is_no_fallback(no_env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = datasets.load_images("digits", n_test=10)
    assert not data.fallback and data.name == "digits" and len(data.X_test) == 10


def test_damaged_files_raise_not_fall_back(tmp_path, no_env):
    folder = tmp_path / "MNIST" / "raw"
    write_mnist(folder, gz=False)
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)))  # 5 images
    with pytest.raises(ValueError, match="5 images but"):
        datasets.load_images("mnist", tmp_path)
    write_mnist(folder, gz=False)
    (folder / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((3, 8, 8), dtype=np.uint8)))
    with pytest.raises(ValueError, match="differ"):
        datasets.load_images("mnist", tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "imagenet"}, ValueError, "name"),
        ({"name": 3}, ValueError, "name"),
        ({"name": "mnist", "root": 3}, TypeError, "root"),
        ({"name": "mnist", "root": ""}, ValueError, "root"),
        ({"name": "mnist", "download": "yes"}, TypeError, "download"),
        ({"name": "mnist", "allow_fallback": 1}, TypeError, "allow_fallback"),
        ({"name": "mnist", "n_train": 0}, ValueError, "n_train"),
        ({"name": "mnist", "n_test": 2.5}, TypeError, "n_test"),
    ],
)
def test_bad_arguments(no_env, kwargs, error, match):
    with pytest.raises(error, match=match):
        datasets.load_images(**kwargs)


# --------------------------------------------------------------------------- download=True


def _mirror(tmp_path, monkeypatch, name: str, files: dict[str, bytes]) -> None:
    """Serve ``files`` from a ``file://`` mirror in place of the real addresses."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    entries = []
    for filename, content in files.items():
        (mirror / filename).write_bytes(content)
        entries.append((filename, hashlib.md5(content, usedforsecurity=False).hexdigest()))
    sources = dict(datasets._SOURCES)
    sources[name] = {**sources[name], "mirrors": (mirror.as_uri() + "/",), "files": tuple(entries)}
    monkeypatch.setattr(datasets, "_SOURCES", sources)


def test_download_is_only_made_when_asked(tmp_path, no_env, monkeypatch):
    rng = np.random.default_rng(1)
    files = {}
    for split, n in (("train", 4), ("t10k", 2)):
        images, labels = tiny_mnist(rng, n)
        files[f"{split}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images))
        files[f"{split}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    _mirror(tmp_path, monkeypatch, "mnist", files)
    root = tmp_path / "data"
    with pytest.warns(UserWarning):
        assert datasets.load_images("mnist", root).fallback  # no download by default
    assert not root.exists()
    data = datasets.load_images("mnist", root, download=True)
    assert not data.fallback and data.X_train.shape == (4, 1, 28, 28)
    assert (root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").is_file()


def test_download_of_cifar_unpacks_the_archive(tmp_path, no_env, monkeypatch):
    import io
    import tarfile

    src = tmp_path / "src"
    write_cifar(src, n=1)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    _mirror(tmp_path, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": buffer.getvalue()})
    data = datasets.load_images("cifar10", tmp_path / "data", download=True)
    assert not data.fallback and data.X_train.shape == (5, 3, 32, 32)


def test_a_failed_download_falls_back_and_says_why(tmp_path, no_env, monkeypatch):
    _mirror(tmp_path, monkeypatch, "fashion-mnist", {"train-images-idx3-ubyte.gz": b"x"})
    sources = dict(datasets._SOURCES)
    name, _ = sources["fashion-mnist"]["files"][0]
    sources["fashion-mnist"] = {**sources["fashion-mnist"], "files": ((name, "0" * 32),)}  # wrong MD5
    monkeypatch.setattr(datasets, "_SOURCES", sources)
    with pytest.warns(UserWarning, match="download failed.*MD5"):
        data = datasets.load_images("fashion-mnist", tmp_path / "data", download=True)
    assert data.fallback
    assert not list((tmp_path / "data").rglob("*.part"))  # no half-written file is left
