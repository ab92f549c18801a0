"""CLIP-style dual encoder, the comparison row of the paper's decoder-side alignment claim (issue #11).

The same vision encoder as the compared DFAT row, its image tokens averaged into one vector and projected
(no decoder on the image side), and a separate small text encoder (token embeddings, learned positions,
two bidirectional transformer blocks, mean pooling) for reports and DKAM texts; the same BPE tokenizer,
the same alignment losses but the local one (global multi-positive InfoNCE and the category-guided term
against the DKAM anchors, which the text encoder computes), the same schedule, epochs and batches.
`radz.train --objective clip` trains it in place of stage 2 (stage 1, the decoder's language modelling,
is not used by this model). Not exported into packages: an ablation row only.
"""
from __future__ import annotations

import os
import random
import time

import numpy as np
import torch
import torch.nn as nn

from . import text
from .model import Block, ModelConfig, _head, init_weights, l2_normalize, text_batch, vision_encoder, vision_tokens

TEXT_WIDTH = 128
TEXT_LAYERS = 2
TEXT_HEADS = 4


class TextEncoder(nn.Module):
    def __init__(self, vocab_size: int, max_length: int, e: int):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, TEXT_WIDTH)
        self.pos = nn.Parameter(torch.zeros(max_length, TEXT_WIDTH))
        self.blocks = nn.ModuleList([Block(TEXT_WIDTH, TEXT_HEADS, 4 * TEXT_WIDTH, lora=False) for _ in range(TEXT_LAYERS)])
        self.ln = nn.LayerNorm(TEXT_WIDTH)
        self.text_head = _head(TEXT_WIDTH, e)
        self.anchor_head = _head(TEXT_WIDTH, e)

    def forward(self, ids: torch.Tensor, attention: torch.Tensor):
        t = ids.shape[1]
        keys = attention[:, None, None, :] > 0
        bias = torch.where(keys, torch.zeros(()), torch.full((), -1e9))
        x = self.tok(ids) + self.pos[:t][None]
        for b in self.blocks:
            x = b(x, bias)
        m = attention[:, :, None].float()
        pooled = self.ln((x * m).sum(dim=1) / torch.clamp(m.sum(dim=1), min=1.0))
        return l2_normalize(self.text_head(pooled)), l2_normalize(self.anchor_head(pooled))


class DualEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.vision = vision_encoder(cfg)
        self.image_head = _head(cfg.hidden_size, cfg.feature_dim)
        self.text = TextEncoder(cfg.vocab_size, cfg.max_length, cfg.feature_dim)
        self.log_temp = nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))
        self.cg_scale = nn.Parameter(torch.tensor(np.log(10.0), dtype=torch.float32))
        self.cg_bias = nn.Parameter(torch.tensor(0.0))

    def image_features(self, pixels: torch.Tensor) -> torch.Tensor:
        return l2_normalize(self.image_head(vision_tokens(self.vision, pixels).mean(dim=1)))

    def text_features(self, token_lists: list[list[int]], sp):
        ids, att, _, _ = text_batch(token_lists, sp, self.cfg.max_length - 1 - self.cfg.n_cls)
        return self.text(ids, att)


def anchors_of(model: DualEncoder, fs_by_mod: dict, desc_tokens: dict, sp, rng: random.Random, per: int) -> dict:
    order, lists = [], []
    for fs in fs_by_mod.values():
        for f in fs:
            toks = desc_tokens[f["id"]]
            for t in (toks if per <= 0 or per >= len(toks) else rng.sample(toks, per)):
                order.append(f["id"])
                lists.append(t)
    _, anc = model.text_features(lists, sp)
    out = {}
    for fid in dict.fromkeys(order):
        m = anc[torch.tensor([i for i, o in enumerate(order) if o == fid])].mean(dim=0)
        out[fid] = m / torch.clamp(m.norm(), min=1e-12)
    return out


def train_clip(mc: ModelConfig, items: dict, images: dict, fs_by_mod: dict, tokc, sp, cfg, out_dir: str) -> DualEncoder:
    """Stage 2 of the dual encoder (checkpoints s2c-eNNN.pt in OUT/checkpoints, sorted after the stage 1 ones; resumable)."""
    from .train import (batch_pixels, category_loss, cosine_lr, epoch_seed, last_checkpoint, log,
                        report_for, assert_no_leak, save_checkpoint, soft_ce, soft_targets, stage2_epoch_order,
                        stage2_steps_per_epoch)
    model = DualEncoder(mc)
    init_weights(model, torch.Generator().manual_seed(cfg.seed))
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    nodecay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=cfg.align_lr, betas=(0.9, 0.98))
    ckpt_dir = os.path.join(out_dir, "checkpoints")
    first = 0
    last = last_checkpoint(ckpt_dir)
    if last and os.path.basename(last).startswith("s2c-"):
        start = torch.load(last)
        model.load_state_dict(start["model"])
        opt.load_state_dict(start["optimizer"])
        first = start["epoch"] + 1
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    desc_tokens = {f["id"]: [tokc(text.DKAM_TEMPLATE.format(modality=display[mod], name=f["display"], description=d))
                             for d in text.DESCRIPTIONS[f["id"]]] for mod, fs in fs_by_mod.items() for f in fs}
    steps_per_epoch = stage2_steps_per_epoch(items, cfg)
    total = cfg.align_epochs * steps_per_epoch
    for epoch in range(first, cfg.align_epochs):
        t0 = time.time()
        rng = random.Random(epoch_seed(cfg.seed, 2, epoch))
        gen = torch.Generator().manual_seed(epoch_seed(cfg.seed, 2, epoch))
        order = stage2_epoch_order(items, cfg, rng)
        model.train()
        losses = []
        for s in range(steps_per_epoch):
            step = epoch * steps_per_epoch + s
            lr = cosine_lr(cfg.align_lr, step, total, max(1, total // 20))
            for g in opt.param_groups:
                g["lr"] = lr
            chunk = order[s * cfg.align_batch:(s + 1) * cfg.align_batch]
            batch = [items[m][i] for m, i in chunk]
            px = batch_pixels(images, chunk, gen)
            reports = [report_for(b, rng, cfg.held_out) for b in batch]
            assert_no_leak(reports, cfg.held_out, "an alignment batch")
            anchors = anchors_of(model, fs_by_mod, desc_tokens, sp, rng, cfg.dkam_desc_per_step)
            img = model.image_features(px)
            txt, _ = model.text_features([tokc(r) for r in reports], sp)
            tgt = soft_targets([(b["modality"], tuple(sorted(b["positives"]))) for b in batch])
            sim = torch.clamp(model.log_temp.exp(), max=100.0) * img @ txt.T
            loss = 0.5 * (soft_ce(sim, tgt) + soft_ce(sim.T, tgt)) + cfg.w_cg * category_loss(
                model, img, txt, anchors, batch, fs_by_mod)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            losses.append(float(loss))
        log(f"stage 2 (clip) epoch {epoch + 1}/{cfg.align_epochs}: loss {np.mean(losses):.4f} lr {lr:.2e} "
            f"{time.time() - t0:.1f} s")
        save_checkpoint(os.path.join(ckpt_dir, f"s2c-e{epoch:03d}.pt"),
                        {"stage": 2, "epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict()})
    return model


def load(train_dir: str):
    """(DualEncoder in eval mode, TrainConfig dict, tokenizer, SpecialIds) from radz.train --objective clip."""
    import json
    from . import bpe
    from .model import special_ids
    with open(os.path.join(train_dir, "config.json")) as f:
        cfg = json.load(f)
    mc = ModelConfig.from_dict(cfg["model"])
    model = DualEncoder(mc)
    model.load_state_dict(torch.load(os.path.join(train_dir, "model.pt"))["model"])
    model.eval()
    sp = special_ids(mc.n_cls, [m["id"] for m in text.MODALITIES])
    return model, cfg, bpe.BpeTokenizer.from_file(os.path.join(train_dir, "tokenizer.json")), sp
