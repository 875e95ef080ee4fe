#!/usr/bin/env python3
"""Writes tiny_resnet50.h5: a Keras 2 functional model file (model_config JSON + model_weights groups, as
Keras 2.x saves them) of MMClassification_ResNet_50_RSB_A1 at width multiplier 0.0625, 32x32x3 input,
10 classes, with layer names equal to TemplateLab's vertex names (conv1, bn1, layer1_0_conv1, ...).

No TensorFlow is needed: the file is written with h5py (Debian: apt-get install python3-h5py;
run with /usr/bin/python3). Weights are seeded random values, so the test can check that each tensor
lands in the right DL4J layer. Regenerate with: /usr/bin/python3 make_tiny_resnet50_h5.py
"""
import json
import os

import h5py
import numpy as np

WIDTH = 0.0625
MIN_CHANNELS = 8
CLASSES = 10
SIZE = 32
DEPTHS = [3, 4, 6, 3]
PLANES = [64, 128, 256, 512]

rng = np.random.default_rng(20240601)
layers = []      # Keras layer configs in order
weights = {}     # layer name -> [(weight name, array)]


def scaled(c):
    return max(MIN_CHANNELS, int(c * WIDTH))


def init(name):
    return {"class_name": name, "config": {}}


def add(class_name, name, config, inbound):
    config = dict(config, name=name, trainable=True)
    layers.append({"class_name": class_name, "name": name, "config": config,
                   "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []})
    return name


def conv(name, x, cin, cout, k, stride, pad):
    if pad and stride != 1:                      # PyTorch's explicit pad as Keras does it: ZeroPadding2D + valid
        x = add("ZeroPadding2D", name + "_pad", {"padding": [[pad, pad], [pad, pad]], "data_format": "channels_last"}, [x])
        padding = "valid"
    else:
        padding = "same" if pad else "valid"
    add("Conv2D", name, {"filters": cout, "kernel_size": [k, k], "strides": [stride, stride], "padding": padding,
                         "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
                         "use_bias": False, "kernel_initializer": init("Zeros"), "bias_initializer": init("Zeros"),
                         "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                         "kernel_constraint": None, "bias_constraint": None}, [x])
    weights[name] = [("kernel", rng.normal(0, 0.1, (k, k, cin, cout)).astype(np.float32))]
    return name


def bn(name, x, c):
    add("BatchNormalization", name, {"axis": -1, "momentum": 0.9, "epsilon": 1e-5, "center": True, "scale": True,
                                     "beta_initializer": init("Zeros"), "gamma_initializer": init("Ones"),
                                     "moving_mean_initializer": init("Zeros"),
                                     "moving_variance_initializer": init("Ones"), "beta_regularizer": None,
                                     "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}, [x])
    weights[name] = [("gamma", rng.uniform(0.5, 1.5, c).astype(np.float32)),
                     ("beta", rng.normal(0, 0.1, c).astype(np.float32)),
                     ("moving_mean", rng.normal(0, 0.1, c).astype(np.float32)),
                     ("moving_variance", rng.uniform(0.5, 1.5, c).astype(np.float32))]
    return name


def relu(name, x):
    return add("Activation", name, {"activation": "relu"}, [x])


x = add("InputLayer", "input", {"batch_input_shape": [None, SIZE, SIZE, 3], "dtype": "float32", "sparse": False}, [])
stem = scaled(64)
x = relu("relu", bn("bn1", conv("conv1", x, 3, stem, 7, 2, 3), stem))
x = add("ZeroPadding2D", "maxpool_pad", {"padding": [[1, 1], [1, 1]], "data_format": "channels_last"}, [x])
x = add("MaxPooling2D", "maxpool", {"pool_size": [3, 3], "strides": [2, 2], "padding": "valid",
                                    "data_format": "channels_last"}, [x])
channels = stem
for stage, depth in enumerate(DEPTHS):
    planes = scaled(PLANES[stage])
    out = planes * 4
    for block in range(depth):
        n = f"layer{stage + 1}_{block}"
        stride = 2 if stage > 0 and block == 0 else 1
        shortcut = x
        if stride != 1 or channels != out:
            shortcut = bn(n + "_downsample_1", conv(n + "_downsample_0", x, channels, out, 1, stride, 0), out)
        y = relu(n + "_relu1", bn(n + "_bn1", conv(n + "_conv1", x, channels, planes, 1, 1, 0), planes))
        y = relu(n + "_relu2", bn(n + "_bn2", conv(n + "_conv2", y, planes, planes, 3, stride, 1), planes))
        y = bn(n + "_bn3", conv(n + "_conv3", y, planes, out, 1, 1, 0), out)
        x = relu(n + "_relu", add("Add", n + "_add", {}, [y, shortcut]))
        channels = out
x = add("GlobalAveragePooling2D", "avgpool", {"data_format": "channels_last"}, [x])
add("Dense", "classifier", {"units": CLASSES, "activation": "softmax", "use_bias": True,
                            "kernel_initializer": init("Zeros"), "bias_initializer": init("Zeros"),
                            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                            "kernel_constraint": None, "bias_constraint": None}, [x])
weights["classifier"] = [("kernel", rng.normal(0, 0.1, (channels, CLASSES)).astype(np.float32)),
                         ("bias", rng.normal(0, 0.1, CLASSES).astype(np.float32))]

model_config = {"class_name": "Model", "config": {"name": "tiny_resnet50", "layers": layers,
                                                  "input_layers": [["input", 0, 0]],
                                                  "output_layers": [["classifier", 0, 0]]}}
out_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_resnet50.h5")
with h5py.File(out_file, "w") as f:
    f.attrs["keras_version"] = b"2.2.4"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = np.array([name.encode("utf8") for name in weights])
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = b"2.2.4"
    for name, tensors in weights.items():
        lg = g.create_group(name)
        lg.attrs["weight_names"] = np.array([f"{name}/{w}:0".encode("utf8") for w, _ in tensors])
        inner = lg.create_group(name)
        for w, value in tensors:
            inner.create_dataset(w + ":0", data=value)
print(out_file, sum(v.size for t in weights.values() for _, v in t), "values")
