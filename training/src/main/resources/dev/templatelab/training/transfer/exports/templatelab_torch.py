# templatelab_torch.py — load a model exported by TemplateLab (export-1) in PyTorch.
"""Runs a network trained in TemplateLab with PyTorch alone.

``./templatelab export --checkpoint FILE.tlckpt --out model.safetensors`` writes the network's weights as a
safetensors file (PyTorch tensor names, the same ones ``./templatelab weights import`` reads) with the template,
its settings, the class names and the preprocessing in the file's metadata, and this module next to it. This module
rebuilds the template's network exactly (paddings, pooling, batch-norm epsilons, grouped convolutions, the
cosine head), so its logits equal ``./templatelab infer``'s and its probabilities ``./templatelab predict``'s up to
float rounding.

Command line, printing what ``./templatelab predict`` prints::

    python3 templatelab_torch.py model.safetensors IMAGE... [--top K] [--flips] [--json]

From Python::

    import templatelab_torch as tl
    model = tl.load("model.safetensors")               # eval mode; .template .labels .spec .preprocessing
    x = tl.preprocess("cat.jpg", model.preprocessing)  # [1, C, H, W], as TemplateLab's evaluation prepares it
    logits = model(x)                                  # raw logits [batch, classes], before softmax/sigmoid
    tl.predict(model, ["cat.jpg", "dog.png"], top=3)   # [[(label, probability), ...], ...]

Needs only PyTorch; NumPy and Pillow only for reading images (``preprocess``, ``predict`` on files). The safetensors
file is read here, without the ``safetensors`` package.

Images are read as TemplateLab reads them (8-bit JPEG, PNG, BMP, GIF, lossless WebP, CMYK JPEG, palette, alpha and
PNG transparency on white, 16-bit grey) to within float rounding of its input. Pillow cannot give 16-bit RGB(A) or
grey+alpha PNGs more than 8 bits, which it truncates where TemplateLab rounds (up to 1 level of 255), and lossy WebP
decodes differently in Java (see TemplateLab's README): convert such files to 8-bit PNG where exact parity matters.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "export-1"

RESNET_50 = "MMClassification_ResNet_50_RSB_A1"
RESNEXT_50 = "Clarifai_ResNext"
BN_INCEPTION = "Clarifai_InceptionBatchNorm"
INCEPTION_V2 = "Clarifai_InceptionV2"
EMBED_NORM = "Clarifai_InceptionTransferEmbedNorm"
TEMPLATES = (RESNET_50, RESNEXT_50, BN_INCEPTION, INCEPTION_V2, EMBED_NORM)

__all__ = ["read_safetensors", "write_safetensors", "build", "load", "preprocess", "probabilities", "predict",
           "TEMPLATES", "FORMAT"]


# --- safetensors -------------------------------------------------------------------------------------------------

_DTYPES = {"F64": (torch.float64, 8), "F32": (torch.float32, 4), "F16": (torch.float16, 2),
           "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8), "I32": (torch.int32, 4), "I16": (torch.int16, 2),
           "I8": (torch.int8, 1), "U8": (torch.uint8, 1), "BOOL": (torch.bool, 1)}
_CODES = {dtype: code for code, (dtype, _) in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


def read_safetensors(path):
    """Reads a safetensors file: ``(tensors, metadata)``, a dict name -> tensor (the stored dtype, little-endian data
    as the format prescribes) and the header's ``__metadata__`` (strings; empty if none). A truncated or malformed
    file raises ``ValueError`` saying what does not add up."""
    with open(path, "rb") as f:
        data = f.read()
    name = os.fspath(path)
    if len(data) < 8:
        raise ValueError(f"{name}: not a safetensors file ({len(data)} bytes, shorter than the 8-byte header length)")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > _MAX_HEADER or 8 + header_len > len(data):
        raise ValueError(f"{name}: header length {header_len} does not fit the file ({len(data)} bytes): "
                         "truncated or not a safetensors file")
    try:
        header = json.loads(data[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{name}: the header is not valid JSON ({e}): not a safetensors file") from None
    if not isinstance(header, dict):
        raise ValueError(f"{name}: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"{name}: __metadata__ must map names to strings")
    body = memoryview(bytearray(data[8 + header_len:]))     # writable, so the tensors can share it
    del data
    tensors = {}
    for key, info in header.items():
        try:
            dtype, size = _DTYPES[info["dtype"]]
            shape = [int(d) for d in info["shape"]]
            begin, end = (int(o) for o in info["data_offsets"])
        except KeyError as e:
            raise ValueError(f"{name}: tensor '{key}': unsupported dtype or missing field {e}") from None
        except (TypeError, ValueError):
            raise ValueError(f"{name}: tensor '{key}': malformed entry {info!r}") from None
        count = math.prod(shape)
        if any(d < 0 for d in shape) or not 0 <= begin <= end or end - begin != count * size:
            raise ValueError(f"{name}: tensor '{key}': offsets [{begin}, {end}] do not match its shape {shape} "
                             f"of {info['dtype']}")
        if end > len(body):
            raise ValueError(f"{name}: tensor '{key}' ends at byte {end} of the data, which has only {len(body)} "
                             "bytes: the file is truncated")
        if count == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            # frombuffer shares the file's bytes; a tensor that starts off its element alignment gets its own copy
            t = torch.frombuffer(body[begin:end] if begin % size == 0 else bytearray(body[begin:end]),
                                 dtype=torch.uint8)
            if sys.byteorder == "big" and size > 1:
                t = t.view(-1, size).flip(1).contiguous()
            t = t.view(dtype).reshape(shape)
        tensors[key] = t
    return tensors, dict(metadata)


def write_safetensors(tensors, path, metadata=None):
    """Writes ``tensors`` (name -> tensor) as a safetensors file, with ``metadata`` (str -> str) as __metadata__;
    what ``./templatelab weights import`` reads."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for key, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in _CODES:
            raise ValueError(f"tensor '{key}': dtype {t.dtype} has no safetensors code here")
        raw = t.reshape(-1).view(torch.uint8) if t.numel() else torch.empty(0, dtype=torch.uint8)
        if sys.byteorder == "big" and t.element_size() > 1:
            raw = raw.view(-1, t.element_size()).flip(1).reshape(-1)
        blob = bytes(raw.numpy().tobytes())
        header[key] = {"dtype": _CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# --- building blocks ---------------------------------------------------------------------------------------------

class _Shapes:
    """Channel counts read from the tensors; a missing tensor is an error naming it and the template."""

    def __init__(self, tensors, template):
        self.tensors = tensors
        self.template = template

    def out(self, name):
        t = self.tensors.get(name + ".weight")
        if t is None:
            raise ValueError(f"the weights have no tensor '{name}.weight', which {self.template} needs "
                             "(is this a file for another template?)")
        return int(t.shape[0])


def _bn(channels, eps):
    return nn.BatchNorm2d(channels, eps=eps)


def _same_pad(x, k, s, value=0.0):
    """TensorFlow SAME padding for a k x k window at stride s: total (ceil(in/s) - 1) * s + k - in per axis, the odd
    row/column at the bottom/right. Depends on the input size, so it is computed per call."""
    h, w = x.shape[-2], x.shape[-1]
    ph = max(0, (-(-h // s) - 1) * s + k - h)
    pw = max(0, (-(-w // s) - 1) * s + k - w)
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=value)


# --- ResNet-50 / ResNeXt-50 (torchvision layout) -----------------------------------------------------------------

class Bottleneck(nn.Module):
    """torchvision's bottleneck: 1x1 -> 3x3 (stride, groups) -> 1x1, BN after each, projection shortcut when the
    stride or the channels change, ReLU after the sum."""

    def __init__(self, cin, width, out, stride, groups, eps):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = _bn(width, eps)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = _bn(width, eps)
        self.conv3 = nn.Conv2d(width, out, 1, bias=False)
        self.bn3 = _bn(out, eps)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), _bn(out, eps))
                           if stride != 1 or cin != out else None)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """ResNet-50 (groups 1) or ResNeXt-50 32x4d (groups 32): 7x7/2 stem, BN, ReLU, 3x3/2 max pool (padding 1), four
    stages of 3, 4, 6, 3 bottlenecks (stride on the first 3x3 of stages 2-4), global average pool, linear ``fc``.
    Channel counts come from the tensors, so any width multiplier fits."""

    DEPTHS = (3, 4, 6, 3)

    def __init__(self, shapes, channels, groups, eps=1e-5):
        super().__init__()
        stem = shapes.out("conv1")
        self.conv1 = nn.Conv2d(channels, stem, 7, 2, 3, bias=False)
        self.bn1 = _bn(stem, eps)
        cin = stem
        for stage, depth in enumerate(self.DEPTHS):
            blocks = []
            for block in range(depth):
                prefix = f"layer{stage + 1}.{block}"
                width, out = shapes.out(prefix + ".conv1"), shapes.out(prefix + ".conv3")
                stride = 2 if stage > 0 and block == 0 else 1
                blocks.append(Bottleneck(cin, width, out, stride, groups, eps))
                cin = out
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, shapes.out("fc"))

    def features(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))

    def forward(self, x):
        return self.fc(self.features(x))


# --- BN-Inception (Caffe / Cadene layout) and EmbedNorm ----------------------------------------------------------

# (module, pool of the pool branch: "avg" or "max", or None for a stride-2 grid reduction)
_BN_INCEPTION_MODULES = (("inception_3a", "avg"), ("inception_3b", "avg"), ("inception_3c", None),
                         ("inception_4a", "avg"), ("inception_4b", "avg"), ("inception_4c", "avg"),
                         ("inception_4d", "avg"), ("inception_4e", None), ("inception_5a", "avg"),
                         ("inception_5b", "max"))


class CosineClassifier(nn.Module):
    """``logits = scale * x . (w / |w|)`` with one unit-norm weight row per class and no bias (TemplateLab's
    CosineClassifierLayer; fed an L2-normalised embedding, each logit is scale times a cosine)."""

    def __init__(self, features, classes, scale):
        super().__init__()
        self.scale = float(scale)
        self.weight = nn.Parameter(torch.zeros(classes, features))

    def forward(self, x):
        return self.scale * (x @ (self.weight / self.weight.norm(dim=1, keepdim=True)).t())


class BNInception(nn.Module):
    """Cadene's ``bninception`` (Caffe): conv (with bias) -> BN (eps 1e-5) -> ReLU units, 3x3/2 max pools in Caffe's
    ceil mode, stride-1 average pools counting the padded zeros, global average pool. Head: ``last_linear``, or with
    ``embed_norm`` the EmbedNorm head: ``embedding`` (linear with bias) -> L2 normalisation -> cosine classifier
    ``cosine_logits``. Flat Caffe names (``inception_3a_1x1``, ``inception_3a_1x1_bn``) as in the state dict."""

    def __init__(self, shapes, channels, embed_norm=False, cosine_scale=16.0, eps=1e-5):
        super().__init__()
        self.units = {}
        self._unit(shapes, "conv1_7x7_s2", channels, 7, 2, eps)
        c = self._unit(shapes, "conv2_3x3_reduce", self.units["conv1_7x7_s2"], 1, 1, eps)
        cin = self._unit(shapes, "conv2_3x3", c, 3, 1, eps)
        self.modules_ = _BN_INCEPTION_MODULES
        for name, pool in self.modules_:
            c3 = self._unit(shapes, name + "_3x3", self._unit(shapes, name + "_3x3_reduce", cin, 1, 1, eps), 3,
                            1 if pool else 2, eps)
            cd = self._unit(shapes, name + "_double_3x3_reduce", cin, 1, 1, eps)
            cd = self._unit(shapes, name + "_double_3x3_1", cd, 3, 1, eps)
            cd = self._unit(shapes, name + "_double_3x3_2", cd, 3, 1 if pool else 2, eps)
            if pool is None:
                cin = c3 + cd + cin
            else:
                c1 = self._unit(shapes, name + "_1x1", cin, 1, 1, eps)
                proj = self._unit(shapes, name + "_pool_proj", cin, 1, 1, eps)
                cin = c1 + c3 + cd + proj
        self.embed_norm = embed_norm
        if embed_norm:
            embedding = shapes.out("embedding")
            self.embedding = nn.Linear(cin, embedding, bias=True)
            self.cosine_logits = CosineClassifier(embedding, shapes.out("cosine_logits"), cosine_scale)
        else:
            self.last_linear = nn.Linear(cin, shapes.out("last_linear"))

    def _unit(self, shapes, name, cin, k, s, eps):
        cout = shapes.out(name)
        setattr(self, name, nn.Conv2d(cin, cout, k, s, k // 2, bias=True))
        setattr(self, name + "_bn", _bn(cout, eps))
        self.units[name] = cout
        return cout

    def _u(self, name, x):
        return F.relu(getattr(self, name + "_bn")(getattr(self, name)(x)))

    def features(self, x):
        x = F.max_pool2d(self._u("conv1_7x7_s2", x), 3, 2, ceil_mode=True)
        x = self._u("conv2_3x3", self._u("conv2_3x3_reduce", x))
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        for name, pool in self.modules_:
            b3 = self._u(name + "_3x3", self._u(name + "_3x3_reduce", x))
            bd = self._u(name + "_double_3x3_2", self._u(name + "_double_3x3_1", self._u(name + "_double_3x3_reduce", x)))
            if pool is None:
                p = F.max_pool2d(x, 3, 2, ceil_mode=True)
                if p.shape[-2:] != b3.shape[-2:]:
                    raise ValueError(f"BN-Inception cannot run at this input size: {name} joins a {tuple(b3.shape[-2:])}"
                                     f" convolution with a {tuple(p.shape[-2:])} ceil-mode pool (as in Caffe: "
                                     "use an input size whose activations stay even, e.g. a multiple of 32)")
                x = torch.cat([b3, bd, p], 1)
            else:
                p = (F.avg_pool2d(x, 3, 1, 1, count_include_pad=True) if pool == "avg"
                     else F.max_pool2d(x, 3, 1, 1))
                x = torch.cat([self._u(name + "_1x1", x), b3, bd, self._u(name + "_pool_proj", p)], 1)
        return x.mean(dim=(2, 3))

    def forward(self, x):
        x = self.features(x)
        if self.embed_norm:
            return self.cosine_logits(F.normalize(self.embedding(x), dim=1, eps=1e-12))
        return self.last_linear(x)


# --- Inception-v2 (TF-slim layout) -------------------------------------------------------------------------------

_V2_MODULES = (("Mixed_3b", "avg"), ("Mixed_3c", "avg"), ("Mixed_4a", None), ("Mixed_4b", "avg"),
               ("Mixed_4c", "avg"), ("Mixed_4d", "avg"), ("Mixed_4e", "avg"), ("Mixed_5a", None),
               ("Mixed_5b", "avg"), ("Mixed_5c", "max"))


class SlimUnit(nn.Module):
    """slim.conv2d in the Inception arg scope: SAME padding, conv without bias, BN (eps 1e-3; TF-slim has no scale,
    so ``bn.weight`` is 1 in TemplateLab's files too), ReLU."""

    def __init__(self, shapes, scope, cin, k, s, eps=1e-3):
        super().__init__()
        cout = shapes.out(scope + ".conv")
        self.k, self.s, self.out = k, s, cout
        self.conv = nn.Conv2d(cin, cout, k, s, 0, bias=False)
        self.bn = _bn(cout, eps)

    def forward(self, x):
        return F.relu(self.bn(self.conv(_same_pad(x, self.k, self.s))))


class SlimSeparableStem(nn.Module):
    """Conv2d_1a_7x7: separable 7x7/2 (depthwise, one group per input channel, then 1x1 pointwise), BN, ReLU."""

    def __init__(self, shapes, channels, eps=1e-3):
        super().__init__()
        depthwise = shapes.out("Conv2d_1a_7x7.depthwise")
        self.depthwise = nn.Conv2d(channels, depthwise, 7, 2, 0, groups=channels, bias=False)
        self.out = shapes.out("Conv2d_1a_7x7.pointwise")
        self.pointwise = nn.Conv2d(depthwise, self.out, 1, bias=False)
        self.bn = _bn(self.out, eps)

    def forward(self, x):
        return F.relu(self.bn(self.pointwise(self.depthwise(_same_pad(x, 7, 2)))))


class SlimMixed(nn.Module):
    """An Inception-v2 module with TF-slim's branch scopes; ``pool`` None is a stride-2 grid reduction."""

    def __init__(self, shapes, scope, cin, pool):
        super().__init__()
        self.pool = pool

        def branch(*units):
            d, c = nn.ModuleDict(), cin
            for unit, k, s in units:
                d[unit] = SlimUnit(shapes, f"{scope}.Branch_{len(branches)}.{unit}", c, k, s)
                c = d[unit].out
            branches.append(c)
            return d

        branches = []
        if pool is None:
            self.Branch_0 = branch(("Conv2d_0a_1x1", 1, 1), ("Conv2d_1a_3x3", 3, 2))
            self.Branch_1 = branch(("Conv2d_0a_1x1", 1, 1), ("Conv2d_0b_3x3", 3, 1), ("Conv2d_1a_3x3", 3, 2))
            self.out = sum(branches) + cin
        else:
            self.Branch_0 = branch(("Conv2d_0a_1x1", 1, 1))
            self.Branch_1 = branch(("Conv2d_0a_1x1", 1, 1), ("Conv2d_0b_3x3", 3, 1))
            self.Branch_2 = branch(("Conv2d_0a_1x1", 1, 1), ("Conv2d_0b_3x3", 3, 1), ("Conv2d_0c_3x3", 3, 1))
            self.Branch_3 = branch(("Conv2d_0b_1x1", 1, 1))
            self.out = sum(branches)

    @staticmethod
    def _run(branch, x):
        for unit in branch.values():
            x = unit(x)
        return x

    def forward(self, x):
        if self.pool is None:
            p = F.max_pool2d(_same_pad(x, 3, 2, float("-inf")), 3, 2)
            return torch.cat([self._run(self.Branch_0, x), self._run(self.Branch_1, x), p], 1)
        if self.pool == "avg":      # TF's SAME average pool divides by the real pixels only
            p = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        else:
            p = F.max_pool2d(x, 3, 1, 1)
        return torch.cat([self._run(self.Branch_0, x), self._run(self.Branch_1, x), self._run(self.Branch_2, x),
                          self._run(self.Branch_3, p)], 1)


class InceptionV2(nn.Module):
    """TF-slim's inception_v2 with its scope names: separable stem, SAME padding throughout (computed from the input
    size at each call), max pools whose padding never wins, global average pool, ``Logits.Conv2d_1c_1x1`` (a 1x1
    convolution with bias). Dropout before the logits is off in eval mode, as in TemplateLab's inference."""

    def __init__(self, shapes, channels):
        super().__init__()
        self.Conv2d_1a_7x7 = SlimSeparableStem(shapes, channels)
        self.Conv2d_2b_1x1 = SlimUnit(shapes, "Conv2d_2b_1x1", self.Conv2d_1a_7x7.out, 1, 1)
        self.Conv2d_2c_3x3 = SlimUnit(shapes, "Conv2d_2c_3x3", self.Conv2d_2b_1x1.out, 3, 1)
        cin = self.Conv2d_2c_3x3.out
        for scope, pool in _V2_MODULES:
            m = SlimMixed(shapes, scope, cin, pool)
            setattr(self, scope, m)
            cin = m.out
        self.Logits = nn.ModuleDict({"Conv2d_1c_1x1": nn.Conv2d(cin, shapes.out("Logits.Conv2d_1c_1x1"), 1, bias=True)})

    def features(self, x):
        x = self.Conv2d_1a_7x7(x)
        x = F.max_pool2d(_same_pad(x, 3, 2, float("-inf")), 3, 2)           # MaxPool_2a_3x3
        x = self.Conv2d_2c_3x3(self.Conv2d_2b_1x1(x))
        x = F.max_pool2d(_same_pad(x, 3, 2, float("-inf")), 3, 2)           # MaxPool_3a_3x3
        for scope, _ in _V2_MODULES:
            x = getattr(self, scope)(x)
        return x.mean(dim=(2, 3))

    def forward(self, x):
        x = self.features(x)[:, :, None, None]
        return self.Logits["Conv2d_1c_1x1"](x).flatten(1)


# --- the model ---------------------------------------------------------------------------------------------------

def _json(value, what):
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} is not valid JSON: {e}") from None


def build(template, spec, tensors):
    """The network of ``template`` for ``spec`` (a dict or its JSON: channels, cosineScale; the channel widths come
    from the tensors' shapes, so any widthMultiplier fits), with ``tensors`` (a state dict) loaded, strictly: every
    parameter and running statistic must be there with its shape, and nothing else (BN's num_batches_tracked may be
    absent). Returns the network in eval mode; ``model(x)`` gives the raw logits [batch, classes]."""
    spec = _json(spec, "spec")
    channels = int(spec.get("channels", 3))
    if channels not in (1, 3):
        raise ValueError(f"spec channels must be 1 or 3, got {channels}")
    shapes = _Shapes(tensors, template)
    if template == RESNET_50:
        model = ResNet(shapes, channels, groups=1)
    elif template == RESNEXT_50:
        model = ResNet(shapes, channels, groups=32)
    elif template == BN_INCEPTION:
        model = BNInception(shapes, channels)
    elif template == EMBED_NORM:
        model = BNInception(shapes, channels, embed_norm=True, cosine_scale=float(spec.get("cosineScale", 16.0)))
    elif template == INCEPTION_V2:
        model = InceptionV2(shapes, channels)
    else:
        raise ValueError(f"unknown template '{template}'; known: {', '.join(TEMPLATES)}")
    state = {}
    for key, t in tensors.items():
        state[key] = t.to(torch.float32) if t.is_floating_point() else t
    for name, module in model.named_modules():     # bookkeeping counters TemplateLab does not export
        if isinstance(module, nn.BatchNorm2d):
            state.setdefault(f"{name}.num_batches_tracked", torch.tensor(0, dtype=torch.long))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f"the weights do not fit {template}: {e}") from None
    classes = spec.get("numClasses")
    outputs = _classes(model)
    if classes is not None and int(classes) != outputs:
        raise ValueError(f"spec says {classes} classes, the classifier's weights have {outputs}")
    model.template = template
    model.spec = spec
    model.channels = channels
    model.head = spec.get("head", "SOFTMAX")
    return model.eval()


def _classes(model):
    if isinstance(model, ResNet):
        return model.fc.out_features
    if isinstance(model, InceptionV2):
        return model.Logits["Conv2d_1c_1x1"].out_channels
    return model.cosine_logits.weight.shape[0] if model.embed_norm else model.last_linear.out_features


def load(path, device=None):
    """The model in an export-1 file (``./templatelab export``), in eval mode, with attributes ``template``,
    ``labels``, ``spec``, ``preprocessing`` (dicts from the metadata), ``metadata`` (the raw __metadata__ strings) and
    ``checkpoint`` (the source checkpoint's metadata, or None)."""
    tensors, metadata = read_safetensors(path)
    fmt = metadata.get("templatelab.format")
    if fmt != FORMAT:
        raise ValueError(f"{os.fspath(path)} is not a TemplateLab export ({FORMAT}): templatelab.format is "
                         f"{fmt!r}" + ("" if fmt else "; a plain state dict needs build(template, spec, tensors)"))
    for key in ("templatelab.template", "templatelab.spec", "templatelab.labels", "templatelab.preprocessing"):
        if key not in metadata:
            raise ValueError(f"{os.fspath(path)}: the metadata lacks '{key}'")
    model = build(metadata["templatelab.template"], metadata["templatelab.spec"], tensors)
    model.labels = list(_json(metadata["templatelab.labels"], "templatelab.labels"))
    if len(model.labels) != _classes(model):
        raise ValueError(f"{len(model.labels)} labels for {_classes(model)} classes")
    model.preprocessing = _json(metadata["templatelab.preprocessing"], "templatelab.preprocessing")
    model.metadata = metadata
    model.checkpoint = _json(metadata["templatelab.checkpoint"], "templatelab.checkpoint") \
        if "templatelab.checkpoint" in metadata else None
    if device is not None:
        model.to(device)
    return model


# --- images ------------------------------------------------------------------------------------------------------

_LUMA = (0.299, 0.587, 0.114)      # ITU-R 601, as Pillow's convert("L") and TemplateLab


def _source(image):
    """An image as TemplateLab's decoder reads it: float64 HxWxC (C 1 or 3) holding 0-255 integers. Grey stays grey
    (16-bit scaled to 8 bits, rounded); alpha is composited on white; palette images become RGB."""
    import numpy as np
    from PIL import Image

    if not isinstance(image, Image.Image):
        if isinstance(image, np.ndarray):
            image = Image.fromarray(image)
        else:
            with Image.open(image) as opened:
                opened.load()
                return _source(opened)
    mode = image.mode
    transparent = image.info.get("transparency") if mode in ("L", "I", "RGB") else None
    if transparent is not None:     # a PNG tRNS colour: that colour is transparent, so white on white
        a = _source(_without_transparency(image))
        raw = np.asarray(image)
        hit = raw == transparent if raw.ndim == 2 else (raw == np.asarray(transparent)).all(axis=-1)
        a[hit] = 255.0
        return a
    if mode in ("1", "L"):
        return np.asarray(image.convert("L"), dtype=np.float64)[:, :, None]
    if mode in ("LA", "La"):
        a = np.asarray(image, dtype=np.float64)
        g, alpha = a[:, :, 0], a[:, :, 1] / 255.0
        g = g + 255 * (1 - alpha) if mode == "La" else g * alpha + 255 * (1 - alpha)
        return np.clip(np.floor(g + 0.5), 0, 255)[:, :, None]
    if mode == "I" or mode.startswith("I;16"):         # 16-bit grey (PNG)
        g = np.asarray(image, dtype=np.float64) * 255.0 / 65535
        return np.clip(np.floor(g + 0.5), 0, 255)[:, :, None]
    if mode == "RGB":
        return np.asarray(image, dtype=np.float64)
    if mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return np.asarray(image.convert("RGB"), dtype=np.float64)
    rgba = np.asarray(image.convert("RGBA"), dtype=np.int64)     # palette, RGBA, ...: on white
    a = rgba[:, :, 3:4]
    return ((rgba[:, :, :3] * a + 255 * (255 - a) + 127) // 255).astype(np.float64)


def _without_transparency(image):
    copy = image.copy()
    copy.info = {k: v for k, v in image.info.items() if k != "transparency"}
    return copy


def preprocess(image, preprocessing):
    """``image`` (a path, a PIL image or a uint8 array) as TemplateLab's evaluation feeds it: the whole image resized
    (no crop, aspect not kept) to width x height with Pillow's antialiased BILINEAR on float values (no rounding to
    8 bits), grey replicated to 3 channels or colour reduced to luma for 1-channel models, channels in the listed
    order, (pixel - mean) / std. Returns a float32 tensor [1, C, H, W]."""
    import numpy as np
    from PIL import Image

    p = _json(preprocessing, "preprocessing")
    width, height, channels = int(p["width"]), int(p["height"]), int(p.get("channels", 3))
    bgr = str(p.get("channelOrder", "RGB")).upper() == "BGR"
    mean, std = [float(v) for v in p["mean"]], [float(v) for v in p["std"]]
    src = _source(image)
    planes = []
    for c in range(src.shape[2]):
        plane = Image.fromarray(np.ascontiguousarray(src[:, :, c], dtype=np.float32), mode="F")
        if plane.size != (width, height):
            plane = plane.resize((width, height), Image.BILINEAR)
        planes.append(np.asarray(plane, dtype=np.float32))
    out = np.empty((channels, height, width), dtype=np.float32)
    if channels == 3:
        order = [2, 1, 0] if bgr else [0, 1, 2]
        for c in range(3):
            plane = planes[0] if len(planes) == 1 else planes[order[c]]
            out[c] = (plane - np.float32(mean[c])) / np.float32(std[c])
    else:
        if len(mean) == 3:       # an RGB-trained config read as grey: luma of the statistics
            rgb_mean, rgb_std = (mean[::-1], std[::-1]) if bgr else (mean, std)
            m = np.float32(sum(w * v for w, v in zip(_LUMA, rgb_mean)))
            s = np.float32(sum(w * v for w, v in zip(_LUMA, rgb_std)))
        else:
            m, s = np.float32(mean[0]), np.float32(std[0])
        if len(planes) == 1:
            grey = planes[0]
        else:
            r, g, b = (pl.astype(np.float64) for pl in planes)
            grey = (_LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b).astype(np.float32)
        out[0] = (grey - m) / s
    return torch.from_numpy(out)[None]


# --- prediction --------------------------------------------------------------------------------------------------

def probabilities(model, x, flips=False):
    """Class probabilities [batch, classes] for a preprocessed batch: softmax, or independent sigmoids for a
    SIGMOID (multi-label) head; with ``flips`` the mean of the image's and its mirror image's probabilities, as
    ``./templatelab predict --flips``."""
    head = getattr(model, "head", "SOFTMAX")
    activate = torch.sigmoid if str(head).upper() == "SIGMOID" else (lambda z: torch.softmax(z, dim=1))
    device = next(model.parameters()).device
    with torch.no_grad():
        x = x.to(device=device, dtype=torch.float32)
        p = activate(model(x))
        if flips:
            p = (p + activate(model(torch.flip(x, dims=[3])))) * 0.5
    return p.cpu()


def predict(model, images, top=3, flips=False):
    """Top classes of each image (paths, PIL images, or one of them): a list, per image, of ``top`` pairs
    ``(label, probability)``, most probable first (ties in class order); ``top=None`` lists every class."""
    if not isinstance(images, (list, tuple)):
        images = [images]
    labels = getattr(model, "labels", None) or [f"class_{i}" for i in range(_classes(model))]
    results = []
    for image in images:
        p = probabilities(model, preprocess(image, model.preprocessing), flips)[0].tolist()
        ranked = sorted(range(len(p)), key=lambda i: -p[i])
        results.append([(labels[i], p[i]) for i in ranked[:top]])
    return results


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="templatelab_torch.py",
                                     description="Classify images with a model exported by TemplateLab "
                                                 "(prints what './templatelab predict' prints).")
    parser.add_argument("model", help="the .safetensors file written by './templatelab export'")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--top", type=int, default=3, help="classes to show per image (default: 3)")
    parser.add_argument("--flips", action="store_true", help="average each image with its mirror")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    try:
        if args.top < 1:
            raise ValueError(f"--top must be at least 1, got {args.top}")
        for image in args.images:
            if not os.path.isfile(image):
                raise ValueError(f"no image file at {image}")
        model = load(args.model)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    results, unreadable = [], 0
    for image in args.images:
        try:
            x = preprocess(image, model.preprocessing)
        except Exception as e:      # one unreadable file costs its own line, not the others' results
            results.append({"image": image, "error": f"cannot read {image} as an image: {e}"})
            unreadable += 1
            continue
        p = probabilities(model, x, args.flips)[0].tolist()
        ranked = sorted(range(len(p)), key=lambda i: -p[i])[:args.top]
        results.append({"image": image,
                        "predictions": [{"label": model.labels[i], "probability": p[i]} for i in ranked]})
    if args.json:
        print(json.dumps(results, separators=(",", ":")))
    else:
        for r in results:
            print(r["image"])
            if "error" in r:
                print(f"  error: {r['error']}")
                continue
            for pr in r["predictions"]:
                print(f"  {pr['label']:<24} {pr['probability']:.4f}")
    if unreadable:
        print(f"error: none of the {len(args.images)} file(s) could be read as images; see above why"
              if unreadable == len(args.images) else
              f"error: {unreadable} of {len(args.images)} file(s) could not be read as images; the others' "
              "predictions are above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
