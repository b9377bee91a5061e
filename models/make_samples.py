#!/usr/bin/env python3
"""Writes the dev fleet's sample ONNX models into models/samples/.

Standard library only (no onnx package here): the protobuf bytes are written by hand. Weights
come from random.Random with a fixed seed, so re-running the script reproduces the committed
files byte for byte.

  embedding-mlp   input  "input" [1,64]        -> Gemm 64x128, Relu, Gemm 128x32 -> "embedding" [1,32]
                  IR version 3: the weights are also listed as graph inputs, as older exporters
                  did, which the worker must tell apart from the real input.
  cnn-classifier  input  "image" [1,1,28,28]   -> Conv 8, Relu, MaxPool, Conv 16, Relu, MaxPool,
                  Flatten, Gemm 784x10, Softmax -> "probabilities" [1,10]   (IR 7, opset 13)

Usage: python3 models/make_samples.py [OUTPUT_DIR]
"""
import json
import math
import os
import random
import struct
import sys

SEED = 20260204
FLOAT = 1


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint((field << 3) | wire)


def f_varint(field, n):
    return key(field, 0) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def f_float(field, x):
    return key(field, 5) + struct.pack("<f", x)


def tensor(name, dims, values):
    assert len(values) == math.prod(dims)
    body = b"".join(f_varint(1, d) for d in dims)
    body += f_varint(2, FLOAT) + f_bytes(8, name)
    body += f_bytes(9, struct.pack("<%df" % len(values), *values))
    return body


def value_info(name, dims):
    shape = b"".join(f_bytes(1, f_varint(1, d)) for d in dims)
    tensor_type = f_varint(1, FLOAT) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, tensor_type))


def attr_int(name, v):
    return f_bytes(1, name) + f_varint(3, v) + f_varint(20, 2)


def attr_float(name, v):
    return f_bytes(1, name) + f_float(2, v) + f_varint(20, 1)


def attr_ints(name, vs):
    return f_bytes(1, name) + b"".join(f_varint(8, v) for v in vs) + f_varint(20, 7)


def node(op, inputs, outputs, name, attrs=()):
    body = b"".join(f_bytes(1, i) for i in inputs)
    body += b"".join(f_bytes(2, o) for o in outputs)
    body += f_bytes(3, name) + f_bytes(4, op)
    body += b"".join(f_bytes(5, a) for a in attrs)
    return body


def model(ir_version, opset, graph_name, nodes, initializers, inputs, outputs):
    graph = b"".join(f_bytes(1, n) for n in nodes)
    graph += f_bytes(2, graph_name)
    graph += b"".join(f_bytes(5, t) for t in initializers)
    graph += b"".join(f_bytes(11, v) for v in inputs)
    graph += b"".join(f_bytes(12, v) for v in outputs)
    out = f_varint(1, ir_version) + f_bytes(2, "npufleet-make-samples") + f_bytes(3, "1")
    out += f_bytes(7, graph) + f_bytes(8, f_bytes(1, "") + f_varint(2, opset))
    return out


# Weights stored [out, in] with transB = 1, as PyTorch exports linear layers.
TRANS_B = attr_int("transB", 1)


def weights(rng, count, fan_in):
    scale = math.sqrt(2.0 / fan_in)
    return [rng.gauss(0.0, scale) for _ in range(count)]


def embedding_mlp(rng):
    w1 = weights(rng, 64 * 128, 64)
    b1 = [rng.uniform(-0.05, 0.05) for _ in range(128)]
    w2 = weights(rng, 128 * 32, 128)
    b2 = [rng.uniform(-0.05, 0.05) for _ in range(32)]
    inits = [tensor("fc1.weight", [128, 64], w1), tensor("fc1.bias", [128], b1),
             tensor("fc2.weight", [32, 128], w2), tensor("fc2.bias", [32], b2)]
    nodes = [node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["hidden"], "fc1", [TRANS_B]),
             node("Relu", ["hidden"], ["hidden_relu"], "relu1"),
             node("Gemm", ["hidden_relu", "fc2.weight", "fc2.bias"], ["embedding"], "fc2", [TRANS_B])]
    # IR 3 style: every initializer is also a graph input.
    inputs = [value_info("input", [1, 64]), value_info("fc1.weight", [128, 64]),
              value_info("fc1.bias", [128]), value_info("fc2.weight", [32, 128]),
              value_info("fc2.bias", [32])]
    return model(3, 8, "embedding_mlp", nodes, inits, inputs, [value_info("embedding", [1, 32])])


def cnn_classifier(rng):
    c1 = weights(rng, 8 * 1 * 3 * 3, 9)
    c1b = [0.0] * 8
    c2 = weights(rng, 16 * 8 * 3 * 3, 72)
    c2b = [0.0] * 16
    fc = weights(rng, 784 * 10, 784)
    fcb = [rng.uniform(-0.05, 0.05) for _ in range(10)]
    inits = [tensor("conv1.weight", [8, 1, 3, 3], c1), tensor("conv1.bias", [8], c1b),
             tensor("conv2.weight", [16, 8, 3, 3], c2), tensor("conv2.bias", [16], c2b),
             tensor("fc.weight", [10, 784], fc), tensor("fc.bias", [10], fcb)]
    conv = lambda n: [attr_ints("kernel_shape", [3, 3]), attr_ints("pads", [1, 1, 1, 1])]
    pool = [attr_ints("kernel_shape", [2, 2]), attr_ints("strides", [2, 2])]
    nodes = [node("Conv", ["image", "conv1.weight", "conv1.bias"], ["c1"], "conv1", conv(1)),
             node("Relu", ["c1"], ["r1"], "relu1"),
             node("MaxPool", ["r1"], ["p1"], "pool1", pool),
             node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], "conv2", conv(2)),
             node("Relu", ["c2"], ["r2"], "relu2"),
             node("MaxPool", ["r2"], ["p2"], "pool2", pool),
             node("Flatten", ["p2"], ["flat"], "flatten", [attr_int("axis", 1)]),
             node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], "fc", [TRANS_B]),
             node("Softmax", ["logits"], ["probabilities"], "softmax", [attr_int("axis", 1)])]
    return model(7, 13, "cnn_classifier", nodes, inits, [value_info("image", [1, 1, 28, 28])],
                 [value_info("probabilities", [1, 10])])


SIDECARS = {
    "embedding-mlp": {"displayName": "Embedding MLP (64 -> 32)", "version": "1.0.0",
                      "description": "Two-layer ReLU MLP mapping a 64-float feature vector to a "
                                     "32-float embedding. Random weights, fixed seed."},
    "cnn-classifier": {"displayName": "Small CNN classifier (28x28 -> 10)", "version": "1.0.0",
                       "description": "Two conv/pool stages and a linear layer with softmax over "
                                      "10 classes for a 1x28x28 image. Random weights, fixed seed."},
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "samples")
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(SEED)
    for name, data in (("embedding-mlp", embedding_mlp(rng)), ("cnn-classifier", cnn_classifier(rng))):
        with open(os.path.join(out_dir, name + ".onnx"), "wb") as f:
            f.write(data)
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(SIDECARS[name], f, indent=2)
            f.write("\n")
        print("wrote %s (%d bytes)" % (os.path.join(out_dir, name + ".onnx"), len(data)))


if __name__ == "__main__":
    main()
