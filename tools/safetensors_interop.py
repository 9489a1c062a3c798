#!/usr/bin/env python3
"""Checks atrous's safetensors files against Python, both ways.

  safetensors_interop.py write PATH   writes the reference tensors below to PATH
  safetensors_interop.py check PATH   reads PATH (written by atrous) and checks it holds them

Uses the `safetensors` package (what PyTorch users load checkpoints with) when it is installed;
otherwise an implementation of the published format with the standard library alone (8-byte
little-endian header length, JSON header, raw little-endian data), since the package is not in
Debian's archive. Exit status 0 and the last line "OK ..." mean the check passed.
"""
import json
import struct
import sys

# name -> (dtype, shape, values): values are exact in float32, so both sides compare with ==.
REFERENCE = {
    "conv1.weight": ("F32", [2, 1, 3], [0.5, -1.25, 2.0, 3.5, -0.75, 8.0]),
    "conv1.bias": ("F32", [2], [0.125, -4.0]),
    "head.weight": ("F64", [1, 2], [1.0 / 3.0, -2.0e-300]),
}
METADATA = {"format": "pt", "written_by": "python"}


def write_stdlib(path):
    header, data = {"__metadata__": METADATA}, b""
    for name in sorted(REFERENCE):
        dtype, shape, values = REFERENCE[name]
        raw = struct.pack("<%d%s" % (len(values), "f" if dtype == "F32" else "d"), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def read_stdlib(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        fmt = {"F32": "f", "F64": "d"}[info["dtype"]]
        count = (end - begin) // struct.calcsize(fmt)
        out[name] = (info["dtype"], info["shape"], list(struct.unpack("<%d%s" % (count, fmt), data[begin:end])))
    return out, header.get("__metadata__", {})


def main():
    mode, path = sys.argv[1], sys.argv[2]
    try:
        import numpy as np
        from safetensors.numpy import load_file, save_file

        library = "safetensors package"
    except ImportError:
        library = "standard-library reader/writer"
    if mode == "write":
        if library == "safetensors package":
            arrays = {k: np.array(v, dtype=np.float32 if d == "F32" else np.float64).reshape(s) for k, (d, s, v) in REFERENCE.items()}
            save_file(arrays, path, metadata=METADATA)
        else:
            write_stdlib(path)
        print("OK wrote %s with the %s" % (path, library))
        return
    if library == "safetensors package":
        got = {k: ("F32" if a.dtype == np.float32 else "F64", list(a.shape), a.ravel().tolist()) for k, a in load_file(path).items()}
    else:
        got, metadata = read_stdlib(path)
        if metadata.get("written_by") != "atrous":
            sys.exit("metadata %r lacks written_by=atrous" % (metadata,))
    for name, want in REFERENCE.items():
        if got.get(name) != (want[0], want[1], want[2]):
            sys.exit("tensor %s: got %r, want %r" % (name, got.get(name), want))
    print("OK read %d tensors from %s with the %s" % (len(got), path, library))


if __name__ == "__main__":
    main()
