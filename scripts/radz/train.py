"""Train RadZ: tokenizer, stage 1 LM pre-training on generated text, stage 2 alignment (DFAT + DKAM).

    cd scripts && /usr/bin/python3 -m radz.train --quick --out ../build/quick-train

Writes into OUT: tokenizer.json, config.json, data.json (the images used), checkpoints/ (one per
epoch), model.pt (final weights, LoRA not merged), weights.sha256.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field, asdict

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch starts OpenMP: spinning threads starve a shared 2-core machine

import numpy as np
import torch
import torch.nn.functional as F

from . import bpe, splits, text
from .model import ModelConfig, RadZ, check_input_size, init_weights, special_ids, special_token_strings, text_batch, \
    image_batch_embeds, vision_tokens
from .preprocess import OUT_SIZE, load_images

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", ".."))
DEFAULT_DATA = os.path.join(REPO_ROOT, "..", "shared", "data")
DEFAULT_HELD_OUT = ["Pneumothorax", "Emphysema", "Fibrosis", "Mass"]
NIH_FINDINGS = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
                "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia"]
MRI_CLASSES = ["glioma", "meningioma", "pituitary", "notumor"]


@dataclass
class TrainConfig:
    """The recipe. The field defaults are recipe v1 (vision transformer encoder, LoRA-only stage 2, every chest
    image once per epoch, 1,500 brain MRI per epoch, no anchor separation), shipped until 2026-12-02; the shipped
    model's recipe is recipe_v4() (radz.train's default; docs/results/ablations.md, "Choosing v4"). recipe_v2()
    was issue #11's first candidate, measured on five folds and not shipped."""
    seed: int = 0
    quick: bool = False
    held_out: list = field(default_factory=lambda: list(DEFAULT_HELD_OUT))
    train_folds: list = field(default_factory=lambda: [0, 2, 3, 4])
    mri_train_split: str = "assets/splits/brain_mri_train.csv"   # relative to the repo root
    nih_limit: int = 0              # 0: all training-fold images
    mri_limit: int = 0
    vocab_size: int = 2048
    reports_per_image: int = 3      # tokenizer / LM corpus
    lm_glosses: str = ""            # "wordnet": WordNet glosses join the tokenizer / LM corpus (radz.glosses)
    lm_epochs: int = 6
    lm_steps_per_epoch: int = 150
    lm_batch: int = 32
    lm_lr: float = 1e-3
    align_epochs: int = 24
    align_batch: int = 64
    align_lr: float = 5e-4
    mri_per_epoch: int = 1500       # brain MRI images drawn per alignment epoch (0: all)
    mri_match_cxr: bool = False     # draw as many brain MRI per epoch as there are chest images (overrides mri_per_epoch)
    dkam_desc_per_step: int = 2     # descriptions per finding per step for the anchors
    anchor_every: int = 1           # recompute anchors (with gradient) every this many steps
    w_local: float = 0.5
    w_cg: float = 1.0
    w_sep: float = 0.0              # anchor separation: penalise cosine between two findings' anchors above sep_margin
    sep_margin: float = 0.2
    objective: str = "dfat"         # stage 2: "dfat" (alignment, the recipe); ablation baselines "vqa" (radz.vqa), "clip" (radz.clip)
    stage2_decoder: str = "lora"    # what of the decoder learns in stage 2: "lora" (adapters, heads, special-token rows)
                                    # or "full" (also every block and norm weight; token rows as for lora, positions frozen)
    cxr_sampling: str = "all"       # "all": every chest image once per epoch; "patient": as many draws, weighted 1/(images of the patient)
    threads: int = 2
    input_sizes: dict = field(default_factory=dict)   # modality -> side of its vision input (absent: 64); the
                                                      # package declares it (docs/model-package.md, format 3)
    model: dict = field(default_factory=lambda: ModelConfig().to_dict())


def check_recipe(cfg: TrainConfig) -> None:
    """Refuses recipes that train one thing and export another. The CNN encoder's BatchNorm normalises each
    training batch by its own statistics, and a batch of two input sizes runs one size at a time
    (model.vision_tokens), so each modality is normalised by its own statistics in training but by the shared
    running ones in the exported graph: measured on the v2 recipe with brain MRI at 128 px, MRI *training*
    images scored 0.911 top-1 with batch statistics and 0.466 with the running ones."""
    sizes = {input_size(cfg, m["id"]) for m in text.MODALITIES}
    if cfg.model.get("vision_arch", "vit") == "cnn" and len(sizes) > 1:
        raise SystemExit(f"config: the cnn vision encoder needs one input size for every modality (BatchNorm "
                         f"statistics differ between sizes), found {sorted(sizes)}; use --vision-arch vit or drop "
                         "--input-size/--mri-size")


def recipe_v1() -> TrainConfig:
    """Recipe v1 (the field defaults; shipped until 2026-12-02): `radz.train --recipe v1`."""
    return TrainConfig()


def config_drop_newer(saved: dict, now: dict) -> dict:
    """`now` (a config as JSON) without the top-level options that `saved` lacks and that sit at their v1 value:
    an option added to the recipe after `saved` was written, left at its default, is the same recipe."""
    v1 = json.loads(json.dumps(asdict(recipe_v1())))
    return {k: v for k, v in now.items() if k in saved or k == "model" or v != v1.get(k)}


def recipe_v2() -> TrainConfig:
    """Issue #11's candidate, `radz.train --recipe v2`: the cnn-balanced-sep ablation row (the CNN encoder with a
    4x4 grid, chest images drawn weighted 1/(images of their patient), as many brain MRI per epoch as chest
    images, anchor separation of weight 1 and margin 0.2). Its five folds are docs/results/oof-v2/: below v1
    on the seen findings, so not shipped."""
    return TrainConfig(mri_match_cxr=True, w_sep=1.0, sep_margin=0.2, cxr_sampling="patient",
                       model=ModelConfig(vision_arch="cnn", grid=4).to_dict())


def recipe_v4() -> TrainConfig:
    """The shipped recipe, radz.train's default (`--recipe v4`): the cnn-fulldec ablation row, i.e. v1 with the CNN
    encoder (4x4 grid) and the decoder's blocks and norms learning in stage 2 (not only the LoRA adapters; its
    learned positions stay frozen). One torch thread: its five folds (docs/results/oof/) and the shipped package
    were trained so, so that `scripts/train.sh` gives the shipped weights on this machine."""
    return TrainConfig(stage2_decoder="full", threads=1, model=ModelConfig(vision_arch="cnn", grid=4).to_dict())


RECIPES = {"v1": recipe_v1, "v2": recipe_v2, "v4": recipe_v4}
DEFAULT_RECIPE = "v4"


def quick_config() -> TrainConfig:
    """The smoke-test recipe (--quick): a tiny model on a data subset."""
    c = TrainConfig(quick=True, nih_limit=160, mri_limit=160, vocab_size=400, reports_per_image=2,
                    lm_epochs=2, lm_steps_per_epoch=15, lm_batch=16, lm_lr=2e-3,
                    align_epochs=2, align_batch=32, align_lr=1e-3, mri_per_epoch=0, dkam_desc_per_step=1,
                    threads=1)
    c.model = ModelConfig(hidden_size=48, n_heads=2, n_layers=2, feature_dim=32, vision_width=32, vision_layers=1,
                          vision_heads=2, stem_channels=(8, 16), lora_rank=4, lora_alpha=8.0).to_dict()
    return c


def input_size(cfg: TrainConfig | dict, modality: str) -> int:
    """The side of a modality's vision input: its input_sizes entry, else the fixed 64 (a config saved before
    input_sizes existed has none)."""
    sizes = cfg.get("input_sizes", {}) if isinstance(cfg, dict) else cfg.input_sizes
    return int(sizes.get(modality, OUT_SIZE))


def log(msg: str) -> None:
    print(msg, flush=True)


def epoch_seed(seed: int, stage: int, epoch: int) -> int:
    return (seed * 1000003 + stage * 10007 + epoch * 101) % (2 ** 62)


# ---------------------------------------------------------------- data

def findings_by_modality(held_out: list[str]) -> dict:
    """Training findings per modality, in text.FINDINGS order (held-out ones removed)."""
    out: dict = {}
    for f in text.FINDINGS:
        if f["id"] in held_out:
            continue
        out.setdefault(f["modality"], []).append(f)
    return out


def read_mri_split(path: str) -> list[dict]:
    if not os.path.exists(path):
        raise SystemExit(f"{path}: brain MRI split not found (expected columns path,label)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r.get("label") not in MRI_CLASSES:
            raise SystemExit(f"{path}: field label: expected one of {MRI_CLASSES}, found {r.get('label')!r}")
    return rows


def select_training_images(cfg: TrainConfig, data_dir: str) -> dict:
    """The images of stage 2 and of the calibration: NIH training folds without held-out positives, MRI train split."""
    nih = []
    for r in splits.nih_rows(data_dir):
        if int(r["fold"]) not in cfg.train_folds:
            continue
        pos = [f for f in NIH_FINDINGS if int(r[f]) == 1]
        if any(p in cfg.held_out for p in pos):
            continue
        nih.append({"path": "nih1000/" + r["path"], "modality": "cxr", "positives": pos or ["No_Finding"],
                    "patient": int(r["patient_id"])})
    mri = [{"path": "brain_mri/" + r["path"], "modality": "mri", "positives": [r["label"]]}
           for r in read_mri_split(os.path.join(REPO_ROOT, cfg.mri_train_split))]
    if cfg.nih_limit:
        nih = random.Random(cfg.seed).sample(nih, min(cfg.nih_limit, len(nih)))
        nih.sort(key=lambda r: r["path"])
    if cfg.mri_limit:
        mri = random.Random(cfg.seed + 1).sample(mri, min(cfg.mri_limit, len(mri)))
        mri.sort(key=lambda r: r["path"])
    return {"cxr": nih, "mri": mri}


def report_for(item: dict, rng: random.Random, held_out: list[str]) -> str:
    pos = [p for p in item["positives"] if p != "No_Finding"]
    return text.make_report(pos, item["modality"], rng, set(held_out))


def dkam_texts(fs_by_mod: dict) -> list[tuple[str, str]]:
    """(finding id, DKAM text) for every description of every training finding."""
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    out = []
    for mod, fs in fs_by_mod.items():
        for f in fs:
            for d in text.DESCRIPTIONS[f["id"]]:
                out.append((f["id"], text.DKAM_TEMPLATE.format(modality=display[mod], name=f["display"], description=d)))
    return out


def assert_no_leak(texts: list[str], held_out: list[str], what: str) -> None:
    bad = text.check_no_leak(texts, held_out)
    if bad:
        raise SystemExit(f"held-out finding leaked into {what}: {len(bad)} texts, e.g. {bad[0]!r}")


class TokenCache:
    def __init__(self, tok):
        self.tok = tok
        self.cache: dict = {}

    def __call__(self, s: str) -> list[int]:
        ids = self.cache.get(s)
        if ids is None:
            ids = self.tok.encode(s)
            self.cache[s] = ids
        return ids


# ---------------------------------------------------------------- checkpoints

def weights_sha256(state: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(state):
        t = state[k].detach().cpu().contiguous()
        h.update(k.encode() + b"\0" + str(t.dtype).encode() + str(list(t.shape)).encode() + b"\0")
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def save_checkpoint(path: str, payload: dict) -> None:
    tmp = path + ".tmp"
    torch.save(payload, tmp)
    os.replace(tmp, path)


def last_checkpoint(ckpt_dir: str) -> str | None:
    if not os.path.isdir(ckpt_dir):
        return None
    names = sorted(n for n in os.listdir(ckpt_dir) if n.endswith(".pt"))
    return os.path.join(ckpt_dir, names[-1]) if names else None


def cosine_lr(base: float, step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


# ---------------------------------------------------------------- stage 1: LM

def lm_corpus(items: list[dict], fs_by_mod: dict, cfg: TrainConfig, rng: random.Random) -> list[str]:
    texts = []
    for it in items:
        for _ in range(cfg.reports_per_image):
            texts.append(report_for(it, rng, cfg.held_out))
    dk = [t for _, t in dkam_texts(fs_by_mod)]
    descs = [d for fs in fs_by_mod.values() for f in fs for d in text.DESCRIPTIONS[f["id"]]]
    texts += dk * 3 + descs
    if cfg.lm_glosses == "wordnet":
        from .glosses import gloss_texts
        g = gloss_texts()
        leak = set(text.check_no_leak(g, cfg.held_out))
        texts += [t for t in g if t not in leak]
        log(f"WordNet glosses: {len(g) - len(leak)} texts ({len(leak)} naming a held-out finding left out)")
    elif cfg.lm_glosses:
        raise SystemExit(f"config lm_glosses: expected '' or 'wordnet', found {cfg.lm_glosses!r}")
    return texts


def lm_batches(encoded: list[list[int]], sp, max_len: int, batch: int, rng: random.Random):
    """One random batch of [bos] ids [eos] sequences, right-padded."""
    pick = [encoded[rng.randrange(len(encoded))] for _ in range(batch)]
    seqs = [[sp.bos] + ids[:max_len - 2] + [sp.eos] for ids in pick]
    t = max(len(s) for s in seqs)
    ids = torch.full((batch, t), sp.pad, dtype=torch.long)
    att = torch.zeros((batch, t), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        att[i, :len(s)] = 1
    return ids, att


def train_lm(model: RadZ, encoded: list[list[int]], sp, cfg: TrainConfig, ckpt_dir: str, start: dict | None) -> None:
    dec = model.decoder
    mc = model.cfg
    params = [p for n, p in dec.named_parameters() if not n.startswith(("image_head", "text_head", "anchor_head", "local_head"))]
    opt = torch.optim.AdamW(params, lr=cfg.lm_lr, betas=(0.9, 0.98), weight_decay=0.01)
    first = 0
    if start is not None and start["stage"] == 1:
        opt.load_state_dict(start["optimizer"])
        first = start["epoch"] + 1
    total = cfg.lm_epochs * cfg.lm_steps_per_epoch
    for epoch in range(first, cfg.lm_epochs):
        t0 = time.time()
        rng = random.Random(epoch_seed(cfg.seed, 1, epoch))
        dec.train()
        losses = []
        for s in range(cfg.lm_steps_per_epoch):
            step = epoch * cfg.lm_steps_per_epoch + s
            lr = cosine_lr(cfg.lm_lr, step, total, max(1, total // 20))
            for g in opt.param_groups:
                g["lr"] = lr
            ids, att = lm_batches(encoded, sp, mc.max_length, cfg.lm_batch, rng)
            logits = dec.lm_logits(ids, att)
            tgt = ids[:, 1:].masked_fill(att[:, 1:] == 0, -100)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            losses.append(loss.item())
        log(f"stage 1 epoch {epoch + 1}/{cfg.lm_epochs}: lm {np.mean(losses):.4f} lr {lr:.2e} {time.time() - t0:.1f} s")
        save_checkpoint(os.path.join(ckpt_dir, f"s1-e{epoch:03d}.pt"),
                        {"stage": 1, "epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict()})


# ---------------------------------------------------------------- stage 2: alignment

def soft_targets(keys: list) -> torch.Tensor:
    """Multi-positive targets: pairs with the same (modality, label set) are positives; rows sum to 1."""
    n = len(keys)
    m = torch.tensor([[1.0 if keys[i] == keys[j] else 0.0 for j in range(n)] for i in range(n)])
    return m / m.sum(dim=1, keepdim=True)


def soft_ce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def augment(x: torch.Tensor, gen: torch.Generator, shift: int | None = None) -> torch.Tensor:
    """Random translation (edge padding) and mild intensity jitter; x [N,1,H,W]. The shift is 3 px of a 64 px
    image, scaled with the side (6 px at 128)."""
    n, h, w = x.shape[0], x.shape[2], x.shape[3]
    if shift is None:
        shift = max(1, round(3 * h / OUT_SIZE))
    pad = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    off = torch.randint(0, 2 * shift + 1, (n, 2), generator=gen)
    out = torch.stack([pad[i, :, off[i, 0]:off[i, 0] + h, off[i, 1]:off[i, 1] + w] for i in range(n)])
    gain = 1.0 + 0.1 * (torch.rand((n, 1, 1, 1), generator=gen) - 0.5)
    bias = 0.05 * (torch.rand((n, 1, 1, 1), generator=gen) - 0.5)
    return torch.clamp(out * gain + bias, 0.0, 1.0)


def set_stage2_trainable(model: RadZ, sp, gen: torch.Generator, decoder: str = "lora") -> list:
    """Freezes the model but what stage 2 trains: the vision encoder, the decoder's LoRA adapters (built here),
    the feature heads, the loss scales and the special tokens' embedding rows; decoder "full" also every other
    decoder weight (blocks, norms; the positions are listed but train_align leaves them out of its optimizer)
    but the token embedding rows of ordinary tokens."""
    if decoder not in ("lora", "full"):
        raise SystemExit(f"config stage2_decoder: expected lora or full, found {decoder!r}")
    mc = model.cfg
    for p in model.parameters():
        p.requires_grad_(False)
    for lin in model.decoder.lora_linears():
        if lin.lora_a is None:
            lin.enable_lora(mc.lora_rank, mc.lora_alpha, gen)
    trainable = []
    for n, p in model.named_parameters():
        train = (n.startswith("vision.") or ".lora_" in n or n.startswith(("decoder.image_head", "decoder.text_head",
                 "decoder.anchor_head", "decoder.local_head")) or n in ("log_temp", "cg_scale", "cg_bias", "decoder.tok.weight")
                 or (decoder == "full" and n.startswith("decoder.")))
        p.requires_grad_(train)
        if train:
            trainable.append((n, p))
    rows = torch.zeros(mc.vocab_size, 1)
    rows[sp.img_cls + sp.txt_cls + list(sp.modality.values())] = 1.0
    model.decoder.tok.weight.register_hook(lambda g: g * rows)   # only the special rows learn
    return trainable


def compute_anchors(model: RadZ, fs_by_mod: dict, desc_tokens: dict, sp, mc: ModelConfig, rng: random.Random, per: int):
    """Anchor per training finding: L2-normalised mean of anchor_feature over (a sample of) its descriptions."""
    order, lists = [], []
    for mod, fs in fs_by_mod.items():
        for f in fs:
            toks = desc_tokens[f["id"]]
            pick = toks if per <= 0 or per >= len(toks) else rng.sample(toks, per)
            for t in pick:
                order.append(f["id"])
                lists.append(t)
    ids, att, pool, _ = text_batch(lists, sp, mc.max_length - 1 - mc.n_cls)
    _, _, anc, _ = model.decoder.features(model.decoder.tok(ids), att, pool)
    out = {}
    for fid in dict.fromkeys(order):
        sel = torch.tensor([i for i, o in enumerate(order) if o == fid])
        m = anc[sel].mean(dim=0)
        out[fid] = m / torch.clamp(m.norm(), min=1e-12)
    return out


def align_step(model: RadZ, batch: list[dict], pixels, reports: list[list[int]], anchors: dict,
               fs_by_mod: dict, sp, cfg: TrainConfig) -> dict:
    mc = model.cfg
    dec = model.decoder
    p = mc.image_tokens
    tokens = vision_tokens(model.vision, pixels)
    emb = dec.tok.weight
    x, att, pool = image_batch_embeds(emb, tokens, [sp.modality[b["modality"]] for b in batch], sp)
    img, _, _, img_local = dec.features(x, att, pool)
    ids, tatt, tpool, _ = text_batch(reports, sp, mc.max_length - 1 - mc.n_cls)
    _, txt, _, _ = dec.features(dec.tok(ids), tatt, tpool)

    keys = [(b["modality"], tuple(sorted(b["positives"]))) for b in batch]
    tgt = soft_targets(keys)
    temp = torch.clamp(model.log_temp.exp(), max=100.0)
    sim = temp * img @ txt.T
    l_global = 0.5 * (soft_ce(sim, tgt) + soft_ce(sim.T, tgt))
    local = img_local[:, 2:2 + p, :]                                   # image content positions
    sim_l = temp * torch.einsum("ipe,je->ijp", local, txt).max(dim=2).values
    l_local = 0.5 * (soft_ce(sim_l, tgt) + soft_ce(sim_l.T, tgt))

    l_cg = category_loss(model, img, txt, anchors, batch, fs_by_mod)
    l_sep = anchor_separation(anchors, fs_by_mod, cfg.sep_margin) if cfg.w_sep > 0 else torch.zeros(())
    loss = l_global + cfg.w_local * l_local + cfg.w_cg * l_cg + cfg.w_sep * l_sep
    return {"loss": loss, "global": l_global.detach(), "local": l_local.detach(), "cg": l_cg.detach(),
            "sep": l_sep.detach()}


def category_loss(model, img: torch.Tensor, txt: torch.Tensor, anchors: dict, batch: list[dict],
                  fs_by_mod: dict) -> torch.Tensor:
    """The category-guided term: image and text features against the DKAM anchors of their modality's
    training findings (binary per finding for multilabel modalities, softmax for multiclass ones)."""
    scale = torch.clamp(model.cg_scale.exp(), max=100.0)
    l_cg = torch.zeros(())
    n_cg = 0
    for mod, fs in fs_by_mod.items():
        sel = [i for i, b in enumerate(batch) if b["modality"] == mod]
        if not sel:
            continue
        a = torch.stack([anchors[f["id"]] for f in fs])                # [F, E]
        lab = torch.tensor([[1.0 if f["id"] in batch[i]["positives"] else 0.0 for f in fs] for i in sel])
        for feat in (img[sel], txt[sel]):
            z = scale * feat @ a.T
            task = next(m["task"] for m in text.MODALITIES if m["id"] == mod)
            if task == "multiclass":
                l_cg = l_cg + F.cross_entropy(z, lab.argmax(dim=1))
            else:
                l_cg = l_cg + F.binary_cross_entropy_with_logits(z + model.cg_bias, lab)
            n_cg += 1
    return l_cg / max(1, n_cg)


def anchor_separation(anchors: dict, fs_by_mod: dict, margin: float) -> torch.Tensor:
    """Mean over pairs of different findings of one modality of relu(cos(a_i, a_j) - margin)^2: anchors that
    sit together score every finding by the same image direction (the one-axis collapse of issue #11)."""
    terms = []
    for fs in fs_by_mod.values():
        if len(fs) < 2:
            continue
        a = torch.stack([anchors[f["id"]] for f in fs])
        g = a @ a.T
        off = ~torch.eye(len(fs), dtype=torch.bool)
        terms.append(torch.relu(g[off] - margin).pow(2).mean())
    return torch.stack(terms).mean() if terms else torch.zeros(())


def cxr_epoch_order(items: list[dict], how: str, rng: random.Random) -> list[int]:
    """The chest images of one alignment epoch: each once ("all"), or as many draws with replacement
    weighted 1/(the patient's image count) ("patient": one patient must not define a finding)."""
    if how == "all":
        return list(range(len(items)))
    if how != "patient":
        raise SystemExit(f"config cxr_sampling: expected 'all' or 'patient', found {how!r}")
    count: dict = {}
    for it in items:
        count[it["patient"]] = count.get(it["patient"], 0) + 1
    return rng.choices(range(len(items)), weights=[1.0 / count[it["patient"]] for it in items], k=len(items))


def batch_pixels(images: dict, chunk: list, gen: torch.Generator):
    """The augmented pixels of a batch of (modality, index): one tensor when every image has one size (a package
    of 64 px inputs: as before per-modality sizes existed), else per size (batch positions, tensor) in the
    order the sizes first appear."""
    sizes = {m: images[m].shape[-1] for m, _ in chunk}
    if len(set(sizes.values())) <= 1:
        return augment(torch.from_numpy(np.stack([images[m][i] for m, i in chunk]))[:, None], gen)
    groups: dict = {}
    for pos, (m, i) in enumerate(chunk):
        groups.setdefault(sizes[m], []).append(pos)
    return [(idx, augment(torch.from_numpy(np.stack([images[chunk[j][0]][chunk[j][1]] for j in idx]))[:, None], gen))
            for idx in groups.values()]


def stage2_mri_per_epoch(items: dict, cfg: TrainConfig) -> int:
    n_mri = len(items["mri"])
    if cfg.mri_match_cxr:
        return min(n_mri, len(items["cxr"]))
    return n_mri if cfg.mri_per_epoch <= 0 else min(n_mri, cfg.mri_per_epoch)


def stage2_steps_per_epoch(items: dict, cfg: TrainConfig) -> int:
    return max(1, (len(items["cxr"]) + stage2_mri_per_epoch(items, cfg)) // cfg.align_batch)


def stage2_epoch_order(items: dict, cfg: TrainConfig, rng: random.Random) -> list[tuple[str, int]]:
    """One stage 2 epoch's (modality, index) order, shared by every stage 2 objective: the chest
    images (cxr_sampling), a draw of brain MRI, shuffled."""
    order = ([("cxr", i) for i in cxr_epoch_order(items["cxr"], cfg.cxr_sampling, rng)]
             + [("mri", i) for i in rng.sample(range(len(items["mri"])), stage2_mri_per_epoch(items, cfg))])
    rng.shuffle(order)
    return order


def train_align(model: RadZ, items: dict, images: dict, fs_by_mod: dict, tokc: TokenCache, sp, cfg: TrainConfig,
                ckpt_dir: str, start: dict | None) -> None:
    mc = model.cfg
    gen0 = torch.Generator().manual_seed(epoch_seed(cfg.seed, 2, 999))
    trainable = set_stage2_trainable(model, sp, gen0, cfg.stage2_decoder)
    decay = [p for n, p in trainable if p.dim() >= 2 and n not in ("decoder.tok.weight", "decoder.pos")]
    nodecay = [p for n, p in trainable if p.dim() < 2 or n == "decoder.tok.weight"]
    # decoder.pos (stage2_decoder "full" only) is in neither group: the learned positions stay as stage 1 left
    # them, though their gradient counts in the clipping norm below. Recipe v4 and the cnn-fulldec row were
    # measured so; kept so that they retrain bit for bit.
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=cfg.align_lr, betas=(0.9, 0.98))
    first = 0
    if start is not None and start["stage"] == 2:
        model.load_state_dict(start["model"])
        opt.load_state_dict(start["optimizer"])
        first = start["epoch"] + 1
    display = {m["id"]: m["display"] for m in text.MODALITIES}
    desc_tokens = {}
    for mod, fs in fs_by_mod.items():
        for f in fs:
            desc_tokens[f["id"]] = [tokc(text.DKAM_TEMPLATE.format(modality=display[mod], name=f["display"], description=d))
                                    for d in text.DESCRIPTIONS[f["id"]]]
    steps_per_epoch = stage2_steps_per_epoch(items, cfg)
    total = cfg.align_epochs * steps_per_epoch
    for epoch in range(first, cfg.align_epochs):
        t0 = time.time()
        rng = random.Random(epoch_seed(cfg.seed, 2, epoch))
        gen = torch.Generator().manual_seed(epoch_seed(cfg.seed, 2, epoch))
        order = stage2_epoch_order(items, cfg, rng)
        model.train()
        parts = {"loss": [], "global": [], "local": [], "cg": [], "sep": []}
        anchors = None
        for s in range(steps_per_epoch):
            step = epoch * steps_per_epoch + s
            lr = cosine_lr(cfg.align_lr, step, total, max(1, total // 20))
            for g in opt.param_groups:
                g["lr"] = lr
            chunk = order[s * cfg.align_batch:(s + 1) * cfg.align_batch]
            batch = [items[m][i] for m, i in chunk]
            px = batch_pixels(images, chunk, gen)
            report_texts = [report_for(b, rng, cfg.held_out) for b in batch]
            assert_no_leak(report_texts, cfg.held_out, "an alignment batch")
            reports = [tokc(r) for r in report_texts]
            if anchors is None or s % cfg.anchor_every == 0:
                anchors = compute_anchors(model, fs_by_mod, desc_tokens, sp, mc, rng, cfg.dkam_desc_per_step)
            else:
                anchors = {k: v.detach() for k, v in anchors.items()}
            out = align_step(model, batch, px, reports, anchors, fs_by_mod, sp, cfg)
            opt.zero_grad(set_to_none=True)
            out["loss"].backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
            opt.step()
            for k in parts:
                parts[k].append(float(out[k]))
        log(f"stage 2 epoch {epoch + 1}/{cfg.align_epochs}: loss {np.mean(parts['loss']):.4f} "
            f"global {np.mean(parts['global']):.4f} local {np.mean(parts['local']):.4f} cg {np.mean(parts['cg']):.4f} "
            f"sep {np.mean(parts['sep']):.4f} "
            f"temp {float(model.log_temp.exp()):.2f} lr {lr:.2e} {time.time() - t0:.1f} s")
        save_checkpoint(os.path.join(ckpt_dir, f"s2-e{epoch:03d}.pt"),
                        {"stage": 2, "epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict()})


# ---------------------------------------------------------------- driver

def train(cfg: TrainConfig, out_dir: str, data_dir: str, resume: bool) -> dict:
    check_recipe(cfg)
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    os.makedirs(out_dir, exist_ok=True)
    ckpt_dir = os.path.join(out_dir, "checkpoints")
    os.makedirs(ckpt_dir, exist_ok=True)
    t_start = time.time()

    cfg_path = os.path.join(out_dir, "config.json")

    fs_by_mod = findings_by_modality(cfg.held_out)
    items = select_training_images(cfg, data_dir)
    log(f"training images: cxr {len(items['cxr'])}, mri {len(items['mri'])}; held out: {', '.join(cfg.held_out)}")
    mc0 = ModelConfig.from_dict(cfg.model)
    for m, size in cfg.input_sizes.items():
        if m not in items:
            raise SystemExit(f"config input_sizes: no modality {m!r} (modalities: {', '.join(items)})")
        try:
            check_input_size(mc0, int(size))
        except ValueError as e:
            raise SystemExit(f"config input_sizes.{m}: {e}")
    images = {m: load_images(data_dir, [it["path"] for it in items[m]], os.path.join(REPO_ROOT, "build", "cache"),
                             input_size(cfg, m))
              for m in items}
    log("input sizes: " + ", ".join(f"{m} {input_size(cfg, m)} px" for m in items))

    # Tokenizer on the generated training text.
    mc = ModelConfig.from_dict(cfg.model)
    if not 1 <= mc.n_cls <= 16:
        raise SystemExit(f"config model.n_cls: expected 1..16, found {mc.n_cls}")
    if not 0 <= mc.feature_layer <= mc.n_layers:
        raise SystemExit(f"config model.feature_layer: expected 0 (penultimate) or 1..{mc.n_layers}, found {mc.feature_layer}")
    if mc.hidden_size % mc.n_heads:
        raise SystemExit(f"config model.hidden_size: {mc.hidden_size} is not a multiple of n_heads {mc.n_heads}")
    mods = [m["id"] for m in text.MODALITIES]
    specials = special_token_strings(mc.n_cls, mods)
    rng = random.Random(epoch_seed(cfg.seed, 0, 0))
    corpus = lm_corpus(items["cxr"] + items["mri"], fs_by_mod, cfg, rng)
    assert_no_leak(corpus, cfg.held_out, "the LM / tokenizer corpus")
    tok_path = os.path.join(out_dir, "tokenizer.json")
    tok_obj = bpe.train_bpe(corpus, cfg.vocab_size, specials)
    with open(tok_path, "w", encoding="utf-8") as f:
        json.dump(tok_obj, f, ensure_ascii=False, indent=1)
    tok = bpe.BpeTokenizer.from_json(tok_obj)
    for i, s in enumerate(specials):
        if tok.token_to_id(s) != i:
            raise SystemExit(f"{tok_path}: special token {s}: expected id {i}, found {tok.token_to_id(s)}")
    vocab = tokenizer_vocab_size(tok_obj)
    mc.vocab_size = vocab
    cfg.model = mc.to_dict()
    if resume and os.path.exists(cfg_path):
        with open(cfg_path) as f:
            saved = json.load(f)
        now = config_drop_newer(saved, json.loads(json.dumps(asdict(cfg))))
        if saved != now:
            diff = sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))
            raise SystemExit(f"{cfg_path}: --resume with a different config than the one saved (keys {diff})")
    with open(cfg_path, "w") as f:
        json.dump(asdict(cfg), f, indent=1, sort_keys=True)
    log(f"tokenizer: {vocab} tokens ({time.time() - t_start:.1f} s)")
    tokc = TokenCache(tok)
    encoded = [tokc(t) for t in corpus]

    sp = special_ids(mc.n_cls, mods)
    model = RadZ(mc)
    init_weights(model, torch.Generator().manual_seed(cfg.seed))

    start = None
    if resume:
        path = last_checkpoint(ckpt_dir)
        if path:
            start = torch.load(path)
            log(f"resuming from {path}")
            if start["stage"] == 2:
                # Stage 2 adds LoRA parameters: build them before loading.
                pass
            else:
                model.load_state_dict(start["model"])

    if start is None or start["stage"] == 1:
        train_lm(model, encoded, sp, cfg, ckpt_dir, start)
        start = None
    # Stage 2 reports are generated per epoch; every one is checked for leaks in a dry pass first.
    check_rng = random.Random(epoch_seed(cfg.seed, 3, 0))
    sample = [report_for(it, check_rng, cfg.held_out) for m in items for it in items[m] for _ in range(2)]
    sample += [t for _, t in dkam_texts(fs_by_mod)]
    assert_no_leak(sample, cfg.held_out, "the alignment texts")
    if cfg.objective == "clip":
        from .clip import train_clip
        model = train_clip(mc, items, images, fs_by_mod, tokc, sp, cfg, out_dir)
    elif cfg.objective == "vqa":
        from .vqa import train_vqa
        train_vqa(model, items, images, fs_by_mod, tokc, sp, cfg, ckpt_dir, start)
    elif cfg.objective == "dfat":
        train_align(model, items, images, fs_by_mod, tokc, sp, cfg, ckpt_dir, start)
    else:
        raise SystemExit(f"config objective: expected 'dfat', 'vqa' or 'clip', found {cfg.objective!r}")

    state = model.state_dict()
    torch.save({"model": state, "config": asdict(cfg)}, os.path.join(out_dir, "model.pt"))
    digest = weights_sha256(state)
    with open(os.path.join(out_dir, "weights.sha256"), "w") as f:
        f.write(digest + "\n")
    with open(os.path.join(out_dir, "data.json"), "w") as f:
        json.dump({"items": items}, f)
    log(f"weights sha256 {digest}; training took {time.time() - t_start:.1f} s")
    return {"weights_sha256": digest}


def tokenizer_vocab_size(obj: dict) -> int:
    ids = list(obj["model"]["vocab"].values()) + [t["id"] for t in obj.get("added_tokens", [])]
    return max(ids) + 1


def make_config(args) -> TrainConfig:
    if args.quick and args.recipe is not None:
        raise SystemExit(f"--recipe {args.recipe}: --quick has its own recipe; leave --recipe out")
    cfg = quick_config() if args.quick else RECIPES[args.recipe or DEFAULT_RECIPE]()
    cfg.seed = args.seed
    if args.held_out is not None:
        cfg.held_out = [s for s in args.held_out.split(",") if s]
    if args.train_folds is not None:
        cfg.train_folds = [int(s) for s in args.train_folds.split(",") if s]
    for name in ("lm_epochs", "align_epochs", "lm_steps_per_epoch", "align_batch", "mri_per_epoch", "w_sep",
                 "sep_margin", "cxr_sampling", "objective", "lm_glosses", "w_local", "stage2_decoder"):
        v = getattr(args, name)
        if v is not None:
            setattr(cfg, name, v)
    for name in ("n_cls", "lora_rank", "feature_layer", "vision_arch", "grid"):
        v = getattr(args, name)
        if v is not None:
            cfg.model[name] = v
    if args.mri_match_cxr is not None:
        cfg.mri_match_cxr = args.mri_match_cxr
    if args.threads is not None:
        cfg.threads = args.threads
    if args.mri_train_split:
        cfg.mri_train_split = args.mri_train_split
    for spec in (args.input_size or []) + ([f"mri={args.mri_size}"] if args.mri_size is not None else []):
        mod, _, side = spec.partition("=")
        if not mod or not side.isdigit():
            raise SystemExit(f"--input-size: expected MODALITY=SIDE (e.g. mri=128), found {spec!r}")
        if int(side) == OUT_SIZE:
            cfg.input_sizes.pop(mod, None)   # the default: not declared, so a 64 px package stays format 2
        else:
            cfg.input_sizes[mod] = int(side)
    return cfg


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--quick", action="store_true", help="tiny model, few steps, data subset (a valid package in minutes)")
    ap.add_argument("--recipe", default=None, choices=sorted(RECIPES),
                    help=f"the defaults the other options change: {DEFAULT_RECIPE} (shipped, the default), v1 (shipped "
                         "until 2026-12-02) or v2 (issue #11's first candidate)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--held-out", default=None, help="comma-separated finding ids kept out of training")
    ap.add_argument("--train-folds", default=None, help="comma-separated NIH folds to train on (default 0,2,3,4)")
    ap.add_argument("--lm-epochs", type=int, default=None)
    ap.add_argument("--lm-steps-per-epoch", type=int, default=None)
    ap.add_argument("--align-epochs", type=int, default=None)
    ap.add_argument("--align-batch", type=int, default=None)
    ap.add_argument("--mri-per-epoch", type=int, default=None)
    ap.add_argument("--mri-train-split", default=None, help="CSV path,label relative to the repo root")
    ap.add_argument("--n-cls", type=int, default=None, help="K, the number of <ImgCls>/<TxtCls> tokens (1..16, default 4)")
    ap.add_argument("--lora-rank", type=int, default=None)
    ap.add_argument("--feature-layer", type=int, default=None, help="1-based decoder layer pooled (default: penultimate)")
    ap.add_argument("--vision-arch", default=None, choices=["vit", "cnn"], help="image encoder (v1: vit; v2, v4: cnn)")
    ap.add_argument("--grid", type=int, default=None, help="image token grid side (P = grid^2; cnn: 4 or 8; v1: 8; v2, v4: 4)")
    ap.add_argument("--w-sep", type=float, default=None, help="weight of the anchor separation term (v1: 0, v2: 1)")
    ap.add_argument("--sep-margin", type=float, default=None)
    ap.add_argument("--w-local", type=float, default=None,
                    help="weight of the local (image position vs report) alignment term (default 0.5; 0 drops it)")
    ap.add_argument("--stage2-decoder", default=None, choices=["lora", "full"],
                    help="what of the decoder learns in stage 2: lora (v1, v2: adapters, heads, special-token rows) or "
                         "full (v4: also its blocks and norms)")
    ap.add_argument("--lm-glosses", default=None, choices=["", "wordnet"],
                    help="text knowledge: WordNet glosses (Debian wordnet-base) in the stage 1 corpus (default none)")
    ap.add_argument("--cxr-sampling", default=None, choices=["all", "patient"], help="v1: all, v2: patient")
    ap.add_argument("--objective", default=None, choices=["dfat", "vqa", "clip"],
                    help="stage 2 objective (default dfat; vqa and clip are ablation baselines: radz.vqa, radz.clip)")
    ap.add_argument("--mri-match-cxr", action=argparse.BooleanOptionalAction, default=None,
                    help="as many brain MRI per epoch as chest images (v2: yes, v1: no)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (quick, v4: 1; v1, v2: 2)")
    ap.add_argument("--input-size", action="append", default=None, metavar="MODALITY=SIDE",
                    help="a modality's vision input side in pixels (a multiple of 64; default 64 for every modality; vit only; "
                         "the package declares it, format version 3); repeatable")
    ap.add_argument("--mri-size", type=int, default=None, help="the same as --input-size mri=SIDE")
    ap.add_argument("--data", default=DEFAULT_DATA, help="data folder (default ../shared/data from the repo root)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_args(ap)
    ap.add_argument("--out", required=True)
    ap.add_argument("--resume", action="store_true", help="continue from the last checkpoint in OUT/checkpoints")
    args = ap.parse_args(argv)
    train(make_config(args), args.out, args.data, args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
