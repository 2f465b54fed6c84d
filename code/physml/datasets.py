"""Real-size image sets: MNIST, Fashion-MNIST and CIFAR-10 from the reader's own files.

The book trains on scikit-learn's 8x8 digits, which ship with scikit-learn and need no
download. The course projects (and the *Real-size data* notes of the chapters on neural
networks, PyTorch, CNNs and the generative models) use the standard sets instead:

* MNIST (LeCun et al., 1998): 60 000 + 10 000 handwritten digits, 28x28 grey levels;
* Fashion-MNIST (Xiao et al., 2017): the same format, ten classes of clothing;
* CIFAR-10 (Krizhevsky, 2009): 50 000 + 10 000 colour images, 3x32x32, ten classes.

:func:`load_images` reads them from a data folder (``root``; default ``$PHYSML_DATA``, else
``~/.physml/data``) in their own formats: MNIST and Fashion-MNIST as IDX files, gzipped or
not (:func:`read_idx`), CIFAR-10 as the pickled batches of its "python version"
(:func:`read_cifar_batch`). The files are looked for in the folders torchvision's dataset
classes use (``<root>/MNIST/raw``, ``<root>/FashionMNIST/raw``,
``<root>/cifar-10-batches-py``), so a folder that ``torchvision.datasets.MNIST(root,
download=True)`` filled elsewhere (a cluster, a department GPU) can be copied and used as it
is, and in a plain ``<root>/<name>`` folder.

**Why not through torchvision.** The torchvision wheel that matches the book's torch
(torchvision 0.28.0 for torch 2.13.0) is built against CUDA; with the CPU build of torch
pinned here its compiled operators do not load (``import torchvision`` fails with
"operator torchvision::nms does not exist"). The formats are simple, so physml reads them
itself with NumPy and needs no torchvision at all.

**No download unless asked.** Nothing is downloaded unless the caller passes
``download=True`` (the book build and the tests never do). When the files are missing,
:func:`load_images` warns with a message that names the folders it looked in and how to
get the files, and returns scikit-learn's 8x8 digits instead, flagged with
``fallback=True`` (``allow_fallback=False`` raises ``FileNotFoundError`` instead).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import check_bool, check_choice, check_int

__all__ = [
    "DATASETS",
    "ENV_VARIABLE",
    "ImageData",
    "default_root",
    "load_images",
    "read_cifar_batch",
    "read_idx",
]

#: The real-size sets :func:`load_images` knows.
DATASETS = ("mnist", "fashion-mnist", "cifar10")
#: The environment variable that names the data folder.
ENV_VARIABLE = "PHYSML_DATA"

_DIGIT_CLASSES = tuple(str(d) for d in range(10))
_FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = "test_batch"

#: Where ``download=True`` fetches each set (the addresses and MD5 sums torchvision uses).
_SOURCES: dict[str, dict] = {
    "mnist": {
        "mirrors": ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        "files": (
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ),
        "size": "11 MB",
    },
    "fashion-mnist": {
        "mirrors": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        "files": (
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ),
        "size": "30 MB",
    },
    "cifar10": {
        "mirrors": ("https://www.cs.toronto.edu/~kriz/",),
        "files": (("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"),),
        "size": "163 MB",
    },
}
#: The folder torchvision's dataset class keeps each set in (below the root).
_TORCHVISION_FOLDER = {"mnist": "MNIST/raw", "fashion-mnist": "FashionMNIST/raw", "cifar10": _CIFAR_FOLDER}


@dataclass(frozen=True)
class ImageData:
    """An image classification set as NumPy arrays, as :func:`load_images` returns it.

    ``X_train`` and ``X_test`` have shape ``(n, channels, height, width)`` (the layout of
    ``torch.nn.Conv2d``), float32 grey or colour levels in [0, 1]; ``y_train`` and ``y_test``
    are int64 class indices, names in ``classes``. ``fallback`` is True when the requested
    set (``requested``) was not found and these are scikit-learn's 8x8 digits instead;
    ``message`` then says where :func:`load_images` looked and how to get the files.
    ``source`` names the files read (or the fallback).
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    fallback: bool
    source: str
    classes: tuple[str, ...] = _DIGIT_CLASSES
    requested: str = ""
    message: str = ""

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one image."""
        return tuple(self.X_train.shape[1:])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __repr__(self) -> str:
        note = f", fallback for {self.requested!r}" if self.fallback else ""
        return (
            f"ImageData({self.name!r}: {len(self.X_train)} train + {len(self.X_test)} test images "
            f"of shape {self.image_shape}, {self.n_classes} classes{note}; source: {self.source})"
        )


def default_root() -> Path:
    """The data folder: ``$PHYSML_DATA`` if set (and not empty), else ``~/.physml/data``."""
    value = os.environ.get(ENV_VARIABLE, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".physml" / "data"


def _as_path(path, name: str) -> Path:
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(path).__name__}")
    if isinstance(path, str) and not path.strip():
        raise ValueError(f"{name} must be a path, got an empty string")
    return Path(path).expanduser()


def _open_maybe_gzip(path: Path) -> bytes:
    """The bytes of ``path``, decompressed when it is a gzip file (told by its magic bytes)."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as err:
        raise ValueError(f"path {str(path)!r} is a damaged gzip file: {err}") from None


# IDX type codes (LeCun's format description): the element type of the array, big-endian
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not.

    An IDX file is a 4-byte magic number ``0 0 t d`` (``t`` the element type, ``d`` the number
    of dimensions), ``d`` big-endian 32-bit sizes, then the elements in C order, big-endian.
    Returns the array with its native type (uint8 for the image and label files). A file
    that is not IDX, or whose length does not match its header, raises ``ValueError``
    naming ``path``.
    """
    path = _as_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} is not a file")
    data = _open_maybe_gzip(path)
    where = f"path {str(path)!r}"
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES or data[3] < 1:
        raise ValueError(f"{where} is not an IDX file (magic number {data[:4].hex() or 'missing'})")
    dtype = np.dtype(_IDX_TYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{where} is truncated: its header needs {header} bytes, the file has {len(data)}")
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{where} does not match its header: shape {shape} of {dtype} needs {expected} bytes, "
            f"the file has {len(data)}"
        )
    array = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR batch and nothing else: only NumPy's array reconstruction may be
    called (a pickle can run arbitrary code; a downloaded file should not)."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")
        if module == "_codecs":
            import codecs

            return codecs.encode
        if name in ("ndarray", "dtype"):
            return getattr(np, name)
        core = np._core if hasattr(np, "_core") else np.core  # NumPy 2 renamed numpy.core
        return getattr(core.numeric if name == "_frombuffer" else core.multiarray, name)


def read_cifar_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch of CIFAR-10's python version (``data_batch_1`` ... ``test_batch``).

    A batch is a pickled dict with ``data``, a uint8 array of shape (n, 3072) whose rows hold
    the 1024 red, then green, then blue pixels of a 32x32 image row by row, and ``labels``,
    n integers 0-9 (the keys are bytes in the original Python 2 pickles). Returns
    ``(images, labels)``: uint8 images of shape (n, 3, 32, 32) and int64 labels. Only NumPy
    arrays may be unpickled; anything else raises ``ValueError`` naming ``path``.
    """
    path = _as_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} is not a file")
    where = f"path {str(path)!r}"
    try:
        with open(path, "rb") as f:
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise ValueError(f"{where} is not a CIFAR-10 batch: {err}") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{where} is not a CIFAR-10 batch: it holds a {type(batch).__name__}, not a dict")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(
            f"{where} is not a CIFAR-10 batch: keys {sorted(map(str, batch))}, need data and labels"
        )
    images = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"])
    if images.dtype != np.uint8 or images.ndim != 2 or images.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{where}: data must be uint8 of shape (n, 3072), got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or len(labels) != len(images):
        raise ValueError(
            f"{where}: labels must be {len(images)} integers (one per image), "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{where}: labels must lie in 0-9, got {labels.min()} to {labels.max()}")
    return images.reshape(-1, 3, 32, 32), labels.astype(np.int64)


# --------------------------------------------------------------------------- finding the files


def _candidates(name: str, root: Path) -> list[Path]:
    """The folders searched for ``name``: torchvision's layout, then ``<root>/<name>``."""
    return [root / _TORCHVISION_FOLDER[name], root / name]


def _find_idx(folder: Path) -> dict[str, Path] | None:
    found = {}
    for stem in _IDX_FILES:
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                found[stem] = candidate
                break
        else:
            return None
    return found


def _find_cifar(folder: Path) -> dict[str, Path] | None:
    names = (*_CIFAR_TRAIN, _CIFAR_TEST)
    if all((folder / n).is_file() for n in names):
        return {n: folder / n for n in names}
    return None


def _find(name: str, root: Path) -> dict[str, Path] | None:
    for folder in _candidates(name, root):
        found = _find_cifar(folder) if name == "cifar10" else _find_idx(folder)
        if found:
            return found
    return None


def _missing_message(name: str, root: Path, reason: str, fallback: bool) -> str:
    files = (
        ", ".join((*_CIFAR_TRAIN, _CIFAR_TEST))
        if name == "cifar10"
        else ", ".join(f"{s}[.gz]" for s in _IDX_FILES)
    )
    folders = " and ".join(str(f) for f in _candidates(name, root))
    source = _SOURCES[name]
    how = (
        f"To get them, call load_images({name!r}, download=True) on a machine with internet access "
        f"(about {source['size']}, into {root / _TORCHVISION_FOLDER[name].split('/')[0]}), or copy the "
        f"files into one of those folders (a root that torchvision.datasets filled works as it is); "
        f"set {ENV_VARIABLE} to use another data folder."
    )
    why = f" ({reason})" if reason else ""
    instead = " Using scikit-learn's 8x8 digits instead (fallback=True)." if fallback else ""
    return f"physml.datasets: {name} not found{why}. Looked for {files} in {folders}. {how}{instead}"


# --------------------------------------------------------------------------- downloading


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, target: Path, md5: str) -> None:
    """Download ``url`` to ``target`` through a temporary file, checking its MD5 sum."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as tmp:
        part = Path(tmp.name)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (fixed addresses)
                shutil.copyfileobj(response, tmp)
        except BaseException:
            tmp.close()
            part.unlink(missing_ok=True)
            raise
    if _md5(part) != md5:
        part.unlink(missing_ok=True)
        raise ValueError(f"{url}: MD5 sum does not match (damaged or changed file)")
    part.replace(target)


def _download(name: str, root: Path) -> None:
    """Fetch ``name`` into torchvision's folder layout below ``root`` (CIFAR-10 unpacked)."""
    source = _SOURCES[name]
    folder = root / ("" if name == "cifar10" else _TORCHVISION_FOLDER[name])
    for filename, md5 in source["files"]:
        target = folder / filename
        if not (target.is_file() and _md5(target) == md5):
            errors = []
            for mirror in source["mirrors"]:
                try:
                    _fetch(mirror + filename, target, md5)
                    break
                except (OSError, ValueError) as err:
                    errors.append(f"{mirror}{filename}: {err}")
            else:
                raise OSError("; ".join(errors))
        if filename.endswith(".tar.gz"):
            with tarfile.open(target) as archive:
                archive.extractall(folder, filter="data")


# --------------------------------------------------------------------------- loading


def _read_set(name: str, files: dict[str, Path]) -> tuple[np.ndarray, ...]:
    if name == "cifar10":
        parts = [read_cifar_batch(files[n]) for n in _CIFAR_TRAIN]
        X_train = np.concatenate([p[0] for p in parts])
        y_train = np.concatenate([p[1] for p in parts])
        X_test, y_test = read_cifar_batch(files[_CIFAR_TEST])
        return X_train, y_train, X_test, y_test
    out = []
    for split in ("train", "t10k"):
        images = read_idx(files[f"{split}-images-idx3-ubyte"])
        labels = read_idx(files[f"{split}-labels-idx1-ubyte"])
        where = str(files[f"{split}-images-idx3-ubyte"])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{where}: images must be uint8 of shape (n, height, width), got {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"{where}: {len(images)} images but {labels.shape} labels")
        if labels.size and labels.max() > 9:
            raise ValueError(f"{where}: labels must lie in 0-9, got up to {labels.max()}")
        out += [images[:, None, :, :], labels.astype(np.int64)]
    return tuple(out)


def _digits(n_train: int | None, n_test: int | None, requested: str, message: str) -> ImageData:
    """The fallback: scikit-learn's 8x8 digits with the split of the neural-network chapters."""
    from .nn.examples import digits_data

    X_train, X_test, y_train, y_test = digits_data(standardise=False)
    to_images = lambda X: (X / 16).reshape(-1, 1, 8, 8).astype(np.float32)  # noqa: E731
    return ImageData(
        name="digits",
        X_train=to_images(X_train)[:n_train],
        y_train=y_train.astype(np.int64)[:n_train],
        X_test=to_images(X_test)[:n_test],
        y_test=y_test.astype(np.int64)[:n_test],
        fallback=bool(requested) and requested != "digits",
        source="sklearn.datasets.load_digits (ships with scikit-learn)",
        classes=_DIGIT_CLASSES,
        requested=requested,
        message=message,
    )


def load_images(
    name: str,
    root=None,
    *,
    download: bool = False,
    allow_fallback: bool = True,
    n_train: int | None = None,
    n_test: int | None = None,
) -> ImageData:
    """Load MNIST, Fashion-MNIST or CIFAR-10 (``name`` one of :data:`DATASETS`, or ``"digits"``).

    ``root`` is the data folder (default :func:`default_root`: ``$PHYSML_DATA`` or
    ``~/.physml/data``); the files are looked for in ``<root>/MNIST/raw``,
    ``<root>/FashionMNIST/raw`` or ``<root>/cifar-10-batches-py`` (torchvision's layout)
    and in ``<root>/<name>``. With ``download=True`` missing files are downloaded there
    first (MD5-checked); nothing is downloaded otherwise. ``n_train`` and ``n_test`` keep the
    first images of each split (a quicker run; None keeps all).

    When the files are missing (or the download fails), a ``UserWarning`` names the folders
    searched and how to get the files, and the result is scikit-learn's 8x8 digits with
    ``fallback=True`` and that text in ``message``; with ``allow_fallback=False`` a
    ``FileNotFoundError`` is raised instead. Damaged files always raise ``ValueError``.
    ``name="digits"`` returns the 8x8 digits themselves (``fallback=False``).
    """
    check_choice(name, "name", (*DATASETS, "digits"))
    root = default_root() if root is None else _as_path(root, "root")
    check_bool(download, "download")
    check_bool(allow_fallback, "allow_fallback")
    if n_train is not None:
        n_train = check_int(n_train, "n_train", minimum=1)
    if n_test is not None:
        n_test = check_int(n_test, "n_test", minimum=1)
    if name == "digits":
        return _digits(n_train, n_test, "digits", "")

    files = _find(name, root)
    reason = ""
    if files is None and download:
        try:
            _download(name, root)
        except (OSError, ValueError, tarfile.TarError) as err:
            reason = f"download failed: {err}"
        files = _find(name, root)
    if files is None:
        message = _missing_message(name, root, reason, allow_fallback)
        if not allow_fallback:
            raise FileNotFoundError(message)
        warnings.warn(message, UserWarning, stacklevel=2)
        return _digits(n_train, n_test, name, message)

    X_train, y_train, X_test, y_test = _read_set(name, files)
    if X_train.shape[1:] != X_test.shape[1:]:
        raise ValueError(
            f"{name}: training images {X_train.shape[1:]} and test images {X_test.shape[1:]} differ"
        )
    scale = np.float32(1 / 255)
    return ImageData(
        name=name,
        X_train=X_train[:n_train].astype(np.float32) * scale,
        y_train=y_train[:n_train],
        X_test=X_test[:n_test].astype(np.float32) * scale,
        y_test=y_test[:n_test],
        fallback=False,
        source=str(next(iter(files.values())).parent),
        classes={"mnist": _DIGIT_CLASSES, "fashion-mnist": _FASHION_CLASSES}.get(name, _CIFAR_CLASSES),
        requested=name,
        message="",
    )
