"""VQA-style scoring, the baseline of the paper's DFAT claim (issue #11, docs/results/ablations.md).

Instead of features at the special tokens, the decoder answers "Question: is there {finding} on this
{modality}? Answer:" after the image tokens, and a finding's score is log p(" yes.") - log p(" no.")
(each answer's token log-probabilities summed, teacher forcing through the tied LM head). Stage 2 of
this objective (`radz.train --objective vqa`) trains the same parameters as the alignment stage (vision
encoder, LoRA, special rows) for the same epochs and batches on yes/no questions about the same labels:
per image one question about one of its own findings (the normal class for a normal image) and one about
another training finding of its modality, the target from the labels. Held-out findings are never asked
in training; at test they are asked by name, zero-shot. Not exported into packages: an ablation row only.
"""
from __future__ import annotations

import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import text
from .model import RadZ, image_batch_embeds, vision_tokens

QUESTION = "Question: is there {name} on this {modality}? Answer:"
ANSWERS = (" yes.", " no.")


def question_tokens(tokc, finding: dict) -> list[int]:
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    return tokc(QUESTION.format(name=finding["display"].lower(), modality=display[finding["modality"]].lower()))


def answer_scores(model: RadZ, image_prefix: torch.Tensor, questions: list[list[int]], answers: list[list[int]],
                  ) -> torch.Tensor:
    """Summed log-probability of each answer after [image prefix][question]; image_prefix [N, L0, D] (bos,
    modality, image tokens), questions/answers N token lists. Returns [N]."""
    dec = model.decoder
    n, l0, d = image_prefix.shape
    seqs = [q + a for q, a in zip(questions, answers)]
    t = max(len(s) for s in seqs)
    ids = torch.zeros((n, t), dtype=torch.long)
    att = torch.ones((n, l0 + t), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        att[i, l0 + len(s):] = 0
    x = torch.cat([image_prefix, dec.tok(ids)], dim=1)
    h = dec.hidden(x, att, dec.cfg.n_layers)[:, l0 - 1:l0 + t - 1]          # positions predicting text tokens
    logp = F.log_softmax(F.linear(dec.ln_f(h), dec.tok.weight), dim=-1)
    tok_logp = logp.gather(2, ids[:, :, None]).squeeze(2)                   # [N, t]: log p of each text token
    mask = torch.zeros((n, t))
    for i, (q, a) in enumerate(zip(questions, answers)):
        mask[i, len(q):len(q) + len(a)] = 1.0                               # the answer's tokens only
    return (tok_logp * mask).sum(dim=1)


def image_prefix(model: RadZ, pixels: torch.Tensor, modalities: list[str], sp) -> torch.Tensor:
    """[bos][modality][P image tokens] embeddings (the image sequence of section 4 without the cls tokens)."""
    tok = vision_tokens(model.vision, pixels)   # pixels: a tensor, or per input size (train.batch_pixels)
    x, _, _ = image_batch_embeds(model.decoder.tok.weight, tok, [sp.modality[m] for m in modalities], sp)
    return x[:, :2 + tok.shape[1]]


def yes_no_logit(model: RadZ, prefix: torch.Tensor, questions: list[list[int]], tokc) -> torch.Tensor:
    """log p(yes) - log p(no) for each row (prefix row i asked questions[i])."""
    yes, no = tokc(ANSWERS[0]), tokc(ANSWERS[1])
    both = torch.cat([prefix, prefix])
    s = answer_scores(model, both, questions + questions, [yes] * len(questions) + [no] * len(questions))
    return s[:len(questions)] - s[len(questions):]


def pick_questions(batch: list[dict], fs_by_mod: dict, rng: random.Random) -> list[tuple[int, dict, float]]:
    """(image index, finding, target) pairs: one of the image's own findings, one other finding."""
    out = []
    for i, b in enumerate(batch):
        fs = fs_by_mod[b["modality"]]
        own = [f for f in fs if f["id"] in b["positives"]]
        other = [f for f in fs if f["id"] not in b["positives"]]
        if own:
            out.append((i, rng.choice(own), 1.0))
        if other:
            out.append((i, rng.choice(other), 0.0))
    return out


def train_vqa(model: RadZ, items: dict, images: dict, fs_by_mod: dict, tokc, sp, cfg, ckpt_dir: str,
              start: dict | None) -> None:
    """Stage 2 of the VQA objective: same trainable parameters, optimiser, schedule and epochs as the
    alignment stage (train.train_align), a yes/no loss instead of the alignment losses."""
    from .train import (batch_pixels, cosine_lr, epoch_seed, log, save_checkpoint, set_stage2_trainable,
                        stage2_epoch_order, stage2_steps_per_epoch)
    gen0 = torch.Generator().manual_seed(epoch_seed(cfg.seed, 2, 999))
    trainable = set_stage2_trainable(model, sp, gen0)
    decay = [p for n, p in trainable if p.dim() >= 2 and n != "decoder.tok.weight"]
    nodecay = [p for n, p in trainable if not (p.dim() >= 2 and n != "decoder.tok.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=cfg.align_lr, betas=(0.9, 0.98))
    first = 0
    if start is not None and start["stage"] == 2:
        model.load_state_dict(start["model"])
        opt.load_state_dict(start["optimizer"])
        first = start["epoch"] + 1
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
            prefix = image_prefix(model, px, [b["modality"] for b in batch], sp)
            qs = pick_questions(batch, fs_by_mod, rng)
            z = yes_no_logit(model, prefix[[i for i, _, _ in qs]], [question_tokens(tokc, f) for _, f, _ in qs], tokc)
            loss = F.binary_cross_entropy_with_logits(z, torch.tensor([t for _, _, t in qs]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
            opt.step()
            losses.append(float(loss))
        log(f"stage 2 (vqa) epoch {epoch + 1}/{cfg.align_epochs}: yes/no loss {np.mean(losses):.4f} lr {lr:.2e} "
            f"{time.time() - t0:.1f} s")
        save_checkpoint(os.path.join(ckpt_dir, f"s2-e{epoch:03d}.pt"),
                        {"stage": 2, "epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict()})


@torch.no_grad()
def score_images(model: RadZ, sp, tokc, pixels: np.ndarray, modality: str, findings: list[dict],
                 batch: int = 32) -> np.ndarray:
    """[N images, F findings] yes/no logits."""
    out = np.zeros((len(pixels), len(findings)))
    qs = [question_tokens(tokc, f) for f in findings]
    for s in range(0, len(pixels), batch):
        px = torch.from_numpy(pixels[s:s + batch])[:, None]
        prefix = image_prefix(model, px, [modality] * len(px), sp)
        for j, q in enumerate(qs):
            out[s:s + len(px), j] = yes_no_logit(model, prefix, [q] * len(px), tokc).numpy()
    return out
