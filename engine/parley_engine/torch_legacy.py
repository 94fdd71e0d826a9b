"""Reads PyTorch's legacy serialization (``torch.save`` before 1.6, not a zip) without PyTorch.

Such a file is five pickles and then the raw storages: a magic number, the protocol version
(1001), system information (endianness, type sizes), the saved object, in which every tensor
is a ``torch._utils._rebuild_tensor_v2`` call over a persistent storage reference, and the
list of storage keys in the order their data follows. Each storage is an 8-byte little-endian
element count and then its elements. Only what a model state holds is understood (float, long
and int storages, tensors, ordered dicts); anything else is refused, so the file cannot run
code: the unpickler resolves no other global.
"""

import collections
import pickle
import struct
from dataclasses import dataclass
from typing import BinaryIO, Dict, Tuple

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001
_DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64, "IntStorage": np.int32}


@dataclass
class _Storage:
    key: str
    dtype: type
    size: int


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    shape: Tuple[int, ...]
    stride: Tuple[int, ...]


def _rebuild_tensor(storage, offset, shape, stride, *_):
    return _TensorRef(storage, int(offset), tuple(shape), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO):
        super().__init__(file)
        self.storages: Dict[str, _Storage] = {}

    def find_class(self, module: str, name: str):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a model state")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, size, _view = pid
        if kind != "storage" or storage_type not in _DTYPES:
            raise pickle.UnpicklingError(f"unknown persistent reference {kind!r} {storage_type!r}")
        storage = self.storages.setdefault(key, _Storage(key, _DTYPES[storage_type], int(size)))
        return storage


def load_state(path: str, entry: str = "model_state") -> Dict[str, np.ndarray]:
    """The tensors of ``obj[entry]`` in a legacy file, as contiguous numpy arrays by name."""
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError(f"{path} is not a legacy PyTorch file")
        if pickle.load(f) != PROTOCOL:
            raise ValueError(f"{path}: unknown legacy protocol")
        info = pickle.load(f)
        if not info.get("little_endian", False):
            raise ValueError(f"{path}: big-endian storages are not supported")
        unpickler = _Unpickler(f)
        saved = unpickler.load()
        data = {}
        for key in pickle.load(f):
            storage = unpickler.storages[key]
            (count,) = struct.unpack("<q", f.read(8))
            width = np.dtype(storage.dtype).itemsize
            data[key] = np.frombuffer(f.read(count * width), dtype=storage.dtype)
            if data[key].size != count:
                raise ValueError(f"{path} ends inside storage {key}")
    return {name: _tensor(ref, data) for name, ref in saved[entry].items()}


def _tensor(ref: _TensorRef, data: Dict[str, np.ndarray]) -> np.ndarray:
    flat = data[ref.storage.key]
    width = flat.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        flat[ref.offset:], shape=ref.shape, strides=tuple(s * width for s in ref.stride), writeable=False)
    return np.ascontiguousarray(view)
