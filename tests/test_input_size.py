"""The recipe's per-modality input size (docs/model-package.md section 2, format version 3), without data:

    /usr/bin/python3 tests/test_input_size.py

model.pool_to_grid on hand values; both encoders give the same P tokens at 64, 128 and 192 px and refuse
other sides; the vision graph exported with dynamic H and W agrees with PyTorch in ONNX Runtime at 64 and
128 (vit, cnn grid 8 and 4); a batch of two sizes (train.batch_pixels) gives each image the tokens it gets
alone (model.vision_tokens), also through the CLIP and VQA baselines; augment keeps the side and scales its
shift. Prints `N passed, N failed`.
"""
from __future__ import annotations

import os
import sys
import tempfile

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from py_runner import run_tests  # noqa: E402
from radz import ort  # noqa: E402
from radz.export import VisionGraph  # noqa: E402
from radz.model import ModelConfig, RadZ, check_input_size, init_weights, pool_to_grid, vision_tokens  # noqa: E402
from radz.train import augment, batch_pixels, input_size  # noqa: E402

torch.set_num_threads(1)


def tiny(arch: str, grid: int = 8) -> RadZ:
    mc = ModelConfig(hidden_size=16, n_heads=2, n_layers=1, feature_dim=8, vision_width=16, vision_layers=1,
                     vision_heads=2, stem_channels=(4, 8), vision_arch=arch, grid=grid, cnn_widths=(4, 8, 8, 16),
                     vocab_size=40, max_length=96)
    m = RadZ(mc)
    init_weights(m, torch.Generator().manual_seed(0))
    with torch.no_grad():   # BatchNorm statistics other than the initial ones, so eval mode matters
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2, generator=torch.Generator().manual_seed(1))
                mod.running_var.uniform_(0.5, 2.0, generator=torch.Generator().manual_seed(2))
    return m.eval()


def test_pool_to_grid_hand_values():
    x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
    # 2x2 blocks of [[0,1,4,5],[2,3,6,7],[8,9,12,13],[10,11,14,15]]: means 2.5, 4.5, 10.5, 12.5
    assert pool_to_grid(x, 2).reshape(-1).tolist() == [2.5, 4.5, 10.5, 12.5]
    # a block of 1 x 1: unchanged, bit for bit (the 64 px case)
    y = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(3))
    assert torch.equal(pool_to_grid(y, 8), y)


def test_sizes_checked():
    m = tiny("vit")
    for ok in (64, 128, 192, 256):
        check_input_size(m.cfg, ok)
    for bad in (32, 96, 100, 224):
        try:
            check_input_size(m.cfg, bad)
            raise AssertionError(f"{bad} accepted")
        except ValueError as e:
            assert "multiple of 64" in str(e), e
    assert input_size({"input_sizes": {"mri": 128}}, "mri") == 128
    assert input_size({"input_sizes": {"mri": 128}}, "cxr") == 64
    assert input_size({}, "mri") == 64   # a config saved before input_sizes existed


def test_same_tokens_at_every_size():
    for arch, grid in (("vit", 8), ("cnn", 8), ("cnn", 4)):
        m = tiny(arch, grid)
        for s in (64, 128, 192):
            with torch.no_grad():
                t = m.vision(torch.rand(2, 1, s, s, generator=torch.Generator().manual_seed(s)))
            assert tuple(t.shape) == (2, grid * grid, 16), (arch, grid, s, t.shape)


def test_onnx_dynamic_size_matches_pytorch():
    with tempfile.TemporaryDirectory() as d, ort.OrtSession(threads=1) as s:
        for arch, grid in (("vit", 8), ("cnn", 8), ("cnn", 4)):
            m = tiny(arch, grid)
            p = os.path.join(d, f"{arch}{grid}.onnx")
            px = torch.rand(2, 1, 128, 128, generator=torch.Generator().manual_seed(1))
            torch.onnx.export(VisionGraph(m).eval(), (px,), p, opset_version=17, input_names=["pixels"],
                              output_names=["image_tokens"],
                              dynamic_axes={"pixels": {0: "N", 2: "H", 3: "W"}, "image_tokens": {0: "N"}})
            for size in (64, 128):
                x = np.random.default_rng(size).random((3, 1, size, size), dtype=np.float32)
                with torch.no_grad():
                    want = m.vision(torch.from_numpy(x)).numpy()
                got = s.run(p, {"pixels": x})["image_tokens"]
                assert got.shape == want.shape, (arch, grid, size, got.shape)
                d_max = float(np.max(np.abs(got - want)))
                assert d_max <= 1e-5, (arch, grid, size, d_max)


def test_mixed_batch_equals_one_at_a_time():
    images = {"cxr": np.random.default_rng(1).random((5, 64, 64), dtype=np.float32),
              "mri": np.random.default_rng(2).random((4, 128, 128), dtype=np.float32)}
    chunk = [("mri", 0), ("cxr", 1), ("cxr", 3), ("mri", 2), ("cxr", 0)]
    px = batch_pixels(images, chunk, torch.Generator().manual_seed(0))
    assert isinstance(px, list) and [idx for idx, _ in px] == [[0, 3], [1, 2, 4]], [idx for idx, _ in px]
    assert tuple(px[0][1].shape) == (2, 1, 128, 128) and tuple(px[1][1].shape) == (3, 1, 64, 64)
    for arch in ("vit", "cnn"):
        m = tiny(arch)
        with torch.no_grad():
            tok = vision_tokens(m.vision, px)
            for idx, group in px:
                for j, pos in enumerate(idx):
                    one = m.vision(group[j:j + 1])[0]
                    assert torch.allclose(tok[pos], one, atol=1e-6), (arch, pos)
    # one size: the one tensor of before (the 64 px recipe's batches, bit for bit)
    same = batch_pixels({"cxr": images["cxr"], "mri": images["cxr"]}, [("cxr", 0), ("mri", 1)],
                        torch.Generator().manual_seed(0))
    assert isinstance(same, torch.Tensor) and tuple(same.shape) == (2, 1, 64, 64)


def test_baselines_take_mixed_batches():
    from radz import clip, vqa
    from radz.model import special_ids
    images = {"cxr": np.random.default_rng(1).random((2, 64, 64), dtype=np.float32),
              "mri": np.random.default_rng(2).random((2, 128, 128), dtype=np.float32)}
    px = batch_pixels(images, [("cxr", 0), ("mri", 1), ("cxr", 1)], torch.Generator().manual_seed(0))
    m = tiny("cnn")
    dual = clip.DualEncoder(m.cfg).eval()
    with torch.no_grad():
        f = dual.image_features(px)
    assert tuple(f.shape) == (3, 8) and torch.allclose(f.norm(dim=1), torch.ones(3), atol=1e-5)
    sp = special_ids(m.cfg.n_cls, ["cxr", "mri"])
    with torch.no_grad():
        prefix = vqa.image_prefix(m, px, ["cxr", "mri", "cxr"], sp)
    assert tuple(prefix.shape) == (3, 2 + 64, 16)


def test_augment_keeps_the_side():
    g = torch.Generator().manual_seed(0)
    for s in (64, 128):
        x = torch.rand(3, 1, s, s, generator=g)
        y = augment(x, g)
        assert tuple(y.shape) == (3, 1, s, s)
    # the shift scales with the side: a 128 px image moves by up to 6 px (3 per 64)
    x = torch.zeros(1, 1, 128, 128)
    x[0, 0, :, 64:] = 1.0
    moved = set()
    for seed in range(40):
        y = augment(x, torch.Generator().manual_seed(seed))
        row = y[0, 0, 64]
        edge = int(torch.nonzero(row > 0.5)[0])   # where the bright half starts after the shift (gain/bias kept)
        moved.add(edge - 64)
    assert max(abs(v) for v in moved) == 6, sorted(moved)


if __name__ == "__main__":
    sys.exit(run_tests(dict(globals())))
