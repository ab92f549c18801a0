"""The RadZ model: vision encoder + projector, and a small decoder-only LM with the RadZ heads.

Shapes and sequences follow docs/model-package.md section 4.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    vocab_size: int = 2048
    hidden_size: int = 192          # D
    n_heads: int = 6
    n_layers: int = 4
    ffn_mult: int = 4
    max_length: int = 128
    feature_layer: int = 0          # 1-based; 0 means penultimate (n_layers - 1, at least 1)
    feature_dim: int = 128          # E
    n_cls: int = 4                  # K
    vision_width: int = 128
    vision_layers: int = 2
    vision_heads: int = 4
    stem_channels: tuple = (32, 64)
    grid: int = 8                   # 8x8 grid -> P = 64 image tokens
    vision_arch: str = "vit"        # "vit": conv stem + transformer; "cnn": conv-BN-ReLU stages (VisionCnn)
    cnn_widths: tuple = (24, 48, 96, 128)
    lora_rank: int = 8
    lora_alpha: float = 16.0
    dropout: float = 0.0

    def resolved_feature_layer(self) -> int:
        return self.feature_layer if self.feature_layer > 0 else max(1, self.n_layers - 1)

    @property
    def image_tokens(self) -> int:
        return self.grid * self.grid

    def to_dict(self) -> dict:
        d = asdict(self)
        d["stem_channels"] = list(self.stem_channels)
        d["cnn_widths"] = list(self.cnn_widths)
        return d

    @staticmethod
    def from_dict(d: dict) -> "ModelConfig":
        d = dict(d)
        d["stem_channels"] = tuple(d.get("stem_channels", (32, 64)))
        d["cnn_widths"] = tuple(d.get("cnn_widths", (24, 48, 96, 128)))
        return ModelConfig(**d)


BASE_SIZE = 64   # the image side the encoders were designed at (docs/model-package.md section 2's fixed view)


def check_input_size(cfg: ModelConfig, size: int) -> None:
    """Both encoders map a 64 px image to the grid (the body reduces by 64 / grid) and pool a larger one's
    body output to the same grid by block means, so the side must be a multiple of 64 (64, 128, 192, ...)."""
    if size < BASE_SIZE or size % BASE_SIZE:
        raise ValueError(f"input size {size}: the {cfg.vision_arch} encoder needs a multiple of {BASE_SIZE} "
                         f"(its body reduces by {BASE_SIZE // cfg.grid} and pools to a {cfg.grid}x{cfg.grid} grid)")


def pool_to_grid(x: torch.Tensor, grid: int) -> torch.Tensor:
    """[N, C, g*a, g*b] -> [N, C, g, g]: the mean of each a x b block, by reshapes and means only, so the ONNX
    graph takes any H and W that are multiples of the grid (dynamic axes); a and b of 1 give x unchanged."""
    n, c, w = x.shape[0], x.shape[1], x.shape[3]
    x = x.reshape(n, c, grid, -1, w).mean(dim=3)           # rows: [N, C, g, W]
    return x.reshape(n, c, grid, grid, -1).mean(dim=4)     # columns: [N, C, g, g]


def vision_tokens(vision: nn.Module, pixels) -> torch.Tensor:
    """A vision encoder's tokens [N, P, D] for a batch: pixels is one tensor [N,1,S,S] (every image of one size),
    or a list of (batch positions, tensor [n,1,S,S]) per input size (train.batch_pixels), run one size at a time
    and put back in batch order."""
    if isinstance(pixels, torch.Tensor):
        return vision(pixels)
    n = sum(len(idx) for idx, _ in pixels)
    out = None
    for idx, px in pixels:
        t = vision(px)
        if out is None:
            out = t.new_zeros((n,) + tuple(t.shape[1:]))
        out = out.index_copy(0, torch.tensor(idx, dtype=torch.long), t)
    return out


def l2_normalize(x: torch.Tensor) -> torch.Tensor:
    return x / torch.clamp(torch.sqrt(torch.sum(x * x, dim=-1, keepdim=True)), min=1e-12)


class LoRALinear(nn.Module):
    """A linear layer with an optional low-rank update (B @ A) * alpha / r; merge() folds it in."""

    def __init__(self, d_in: int, d_out: int, bias: bool = True):
        super().__init__()
        self.base = nn.Linear(d_in, d_out, bias=bias)
        self.rank = 0
        self.scaling = 0.0
        self.lora_a = None
        self.lora_b = None

    def enable_lora(self, rank: int, alpha: float, gen: torch.Generator) -> None:
        d_out, d_in = self.base.weight.shape
        self.rank = rank
        self.scaling = alpha / rank
        a = torch.empty(rank, d_in)
        bound = 1.0 / math.sqrt(d_in)
        a.uniform_(-bound, bound, generator=gen)
        self.lora_a = nn.Parameter(a)
        self.lora_b = nn.Parameter(torch.zeros(d_out, rank))

    def merge(self) -> None:
        if self.lora_a is None:
            return
        with torch.no_grad():
            self.base.weight += (self.lora_b @ self.lora_a) * self.scaling
        self.lora_a = None
        self.lora_b = None
        self.rank = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.base(x)
        if self.lora_a is not None:
            y = y + F.linear(F.linear(x, self.lora_a), self.lora_b) * self.scaling
        return y


class Attention(nn.Module):
    def __init__(self, d: int, n_heads: int, lora: bool):
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = d // n_heads
        lin = LoRALinear if lora else (lambda i, o: nn.Linear(i, o))
        self.qkv = lin(d, 3 * d)
        self.proj = lin(d, d)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        n, t, d = x.shape
        qkv = self.qkv(x).reshape(n, t, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        if bias is not None:
            att = att + bias
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(n, t, d)
        return self.proj(y)


class Block(nn.Module):
    """Pre-LN transformer block."""

    def __init__(self, d: int, n_heads: int, ffn: int, lora: bool):
        super().__init__()
        lin = LoRALinear if lora else (lambda i, o: nn.Linear(i, o))
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, n_heads, lora)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = lin(d, ffn)
        self.fc2 = lin(ffn, d)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), bias)
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x


class VisionEncoder(nn.Module):
    """[N,1,S,S] in [0,1] -> conv stem (stride 8: 8x8 at S = 64) -> block means to the 8x8 grid (S a multiple
    of 64) -> transformer with 2D positions -> projector -> [N,P,D]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        c1, c2 = cfg.stem_channels
        w = cfg.vision_width
        self.stem = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1), nn.GELU(),      # 32x32
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.GELU(),     # 16x16
            nn.Conv2d(c2, w, 3, stride=2, padding=1),                 # 8x8
        )
        self.grid = cfg.grid
        self.row_pos = nn.Parameter(torch.zeros(cfg.grid, w))
        self.col_pos = nn.Parameter(torch.zeros(cfg.grid, w))
        self.blocks = nn.ModuleList([Block(w, cfg.vision_heads, 4 * w, lora=False) for _ in range(cfg.vision_layers)])
        self.ln = nn.LayerNorm(w)
        self.projector = nn.Sequential(nn.Linear(w, cfg.hidden_size), nn.GELU(), nn.Linear(cfg.hidden_size, cfg.hidden_size))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = (pixels - 0.5) / 0.25
        x = pool_to_grid(self.stem(x), self.grid)          # [N, w, 8, 8]
        n, w = x.shape[0], x.shape[1]
        x = x.reshape(n, w, self.grid * self.grid).transpose(1, 2)   # row-major grid
        pos = (self.row_pos[:, None, :] + self.col_pos[None, :, :]).reshape(self.grid * self.grid, w)
        x = x + pos
        for b in self.blocks:
            x = b(x, None)
        return self.projector(self.ln(x))


def cnn_body(widths: tuple, pools: int) -> nn.Sequential:
    """A stride-2 conv-BN-ReLU stem (64 -> 32), then one stage of two conv-BN-ReLU per width, max-pooling
    after each of the first `pools` stages."""
    layers = [nn.Conv2d(1, widths[0], 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    c_in = widths[0]
    for i, c in enumerate(widths):
        layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                   nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
        if i < pools:
            layers.append(nn.MaxPool2d(2))
        c_in = c
    return nn.Sequential(*layers)


class VisionCnn(nn.Module):
    """[N,1,S,S] in [0,1] -> a stride-2 stem (32x32 at S = 64), four stages of two conv-BN-ReLU with max-pooling
    between them down to the grid (8x8 or 4x4 at S = 64; block means to it for S a multiple of 64), a learned
    position per cell, LayerNorm, projector -> [N,P,D].
    The body is radz.ceiling's supervised CNN (issue #11: it reached a higher supervised AUC than the
    transformer encoder on the same folds); BatchNorm folds into the convolutions at export (eval mode)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.grid not in (4, 8):
            raise ValueError(f"model config grid: the cnn encoder needs 4 or 8, found {cfg.grid}")
        c_in = cfg.cnn_widths[-1]
        self.body = cnn_body(cfg.cnn_widths, {8: 2, 4: 3}[cfg.grid])
        self.grid = cfg.grid
        self.pos = nn.Parameter(torch.zeros(cfg.grid * cfg.grid, c_in))
        self.ln = nn.LayerNorm(c_in)
        self.projector = nn.Sequential(nn.Linear(c_in, cfg.hidden_size), nn.GELU(), nn.Linear(cfg.hidden_size, cfg.hidden_size))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = pool_to_grid(self.body((pixels - 0.5) / 0.25), self.grid)   # [N, c, grid, grid]
        n, c = x.shape[0], x.shape[1]
        x = x.reshape(n, c, self.grid * self.grid).transpose(1, 2) + self.pos
        return self.projector(self.ln(x))


def vision_encoder(cfg: ModelConfig) -> nn.Module:
    if cfg.vision_arch == "vit":
        return VisionEncoder(cfg)
    if cfg.vision_arch == "cnn":
        return VisionCnn(cfg)
    raise ValueError(f"model config vision_arch: expected 'vit' or 'cnn', found {cfg.vision_arch!r}")


def _head(d: int, e: int) -> nn.Module:
    return nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, e))


class Decoder(nn.Module):
    """Decoder-only causal LM (pre-LN, learned absolute positions, tied LM head) with the RadZ heads."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d = cfg.hidden_size
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, d)
        self.pos = nn.Parameter(torch.zeros(cfg.max_length, d))
        self.blocks = nn.ModuleList([Block(d, cfg.n_heads, cfg.ffn_mult * d, lora=True) for _ in range(cfg.n_layers)])
        self.ln_f = nn.LayerNorm(d)
        self.image_head = _head(d, cfg.feature_dim)
        self.text_head = _head(d, cfg.feature_dim)
        self.anchor_head = _head(d, cfg.feature_dim)
        self.local_head = _head(d, cfg.feature_dim)

    def lora_linears(self) -> list[LoRALinear]:
        return [m for m in self.blocks.modules() if isinstance(m, LoRALinear)]

    def hidden(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, n_layers: int) -> torch.Tensor:
        t = inputs_embeds.shape[1]
        idx = torch.arange(t, device=inputs_embeds.device)
        causal = idx[None, :] <= idx[:, None]                                # [T, T] query x key
        keys = attention_mask[:, None, None, :] > 0                          # [N, 1, 1, T]
        allowed = causal[None, None, :, :] & keys
        bias = torch.where(allowed, torch.zeros((), dtype=inputs_embeds.dtype),
                           torch.full((), -1e9, dtype=inputs_embeds.dtype))
        x = inputs_embeds + self.pos[:t][None, :, :]
        for b in self.blocks[:n_layers]:
            x = b(x, bias)
        return x

    def lm_logits(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.hidden(self.tok(ids), attention_mask, self.cfg.n_layers)
        return F.linear(self.ln_f(h), self.tok.weight)

    def features(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, pool_mask: torch.Tensor):
        h = self.hidden(inputs_embeds, attention_mask, self.cfg.resolved_feature_layer())
        pm = pool_mask[:, :, None]
        pooled = torch.sum(h * pm, dim=1) / torch.clamp(torch.sum(pm, dim=1), min=1.0)
        return (l2_normalize(self.image_head(pooled)), l2_normalize(self.text_head(pooled)),
                l2_normalize(self.anchor_head(pooled)), l2_normalize(self.local_head(h)))


class RadZ(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.vision = vision_encoder(cfg)
        self.decoder = Decoder(cfg)
        self.log_temp = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.cg_scale = nn.Parameter(torch.tensor(math.log(10.0)))
        self.cg_bias = nn.Parameter(torch.tensor(0.0))


def init_weights(model: nn.Module, gen: torch.Generator) -> None:
    """Deterministic initialisation from one generator, in sorted parameter-name order."""
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if name in ("log_temp", "cg_scale", "cg_bias"):
                continue
            if name.endswith("lora_b") or p.dim() == 1:
                p.zero_()
            elif name.endswith("lora_a"):
                bound = 1.0 / math.sqrt(p.shape[1])
                p.uniform_(-bound, bound, generator=gen)
            elif p.dim() == 4:
                p.normal_(0.0, math.sqrt(2.0 / (p.shape[1] * p.shape[2] * p.shape[3])), generator=gen)
            else:
                p.normal_(0.0, 0.02, generator=gen)
        for m in model.modules():
            if isinstance(m, (nn.LayerNorm, nn.BatchNorm2d)):
                m.weight.fill_(1.0)
                m.bias.zero_()


# ---- sequences (section 4) ----

@dataclass
class SpecialIds:
    pad: int
    bos: int
    eos: int
    img_cls: list
    txt_cls: list
    modality: dict


def special_token_strings(k: int, modalities: list[str]) -> list[str]:
    """The added tokens in id order: ids 0..len-1."""
    return (["<pad>", "<bos>", "<eos>"] + [f"<ImgCls_{i}>" for i in range(k)] + [f"<TxtCls_{i}>" for i in range(k)]
            + [f"<Mod_{m}>" for m in modalities])


def special_ids(k: int, modalities: list[str]) -> SpecialIds:
    s = {t: i for i, t in enumerate(special_token_strings(k, modalities))}
    return SpecialIds(pad=s["<pad>"], bos=s["<bos>"], eos=s["<eos>"],
                      img_cls=[s[f"<ImgCls_{i}>"] for i in range(k)], txt_cls=[s[f"<TxtCls_{i}>"] for i in range(k)],
                      modality={m: s[f"<Mod_{m}>"] for m in modalities})


def text_batch(token_lists: list[list[int]], sp: SpecialIds, max_text_tokens: int):
    """Right-padded text sequences [bos] ids [txt_cls..]: (ids [N,T] int64, attention [N,T] int64, pool [N,T] float32, truncated)."""
    seqs, pools, trunc = [], [], []
    k = len(sp.txt_cls)
    for ids in token_lists:
        if not ids:
            raise ValueError("empty text")
        trunc.append(len(ids) > max_text_tokens)
        ids = ids[:max_text_tokens]
        seqs.append([sp.bos] + list(ids) + list(sp.txt_cls))
        pools.append([0.0] * (1 + len(ids)) + [1.0] * k)
    t = max(len(s) for s in seqs)
    ids_t = torch.full((len(seqs), t), sp.pad, dtype=torch.long)
    att = torch.zeros((len(seqs), t), dtype=torch.long)
    pool = torch.zeros((len(seqs), t), dtype=torch.float32)
    for i, (s, p) in enumerate(zip(seqs, pools)):
        ids_t[i, :len(s)] = torch.tensor(s)
        att[i, :len(s)] = 1
        pool[i, :len(p)] = torch.tensor(p)
    return ids_t, att, pool, trunc


def image_batch_embeds(emb: torch.Tensor, image_tokens: torch.Tensor, modality_ids: list[int], sp: SpecialIds):
    """Image sequences [bos][modality][P image tokens][img_cls..]: (embeds [N,2+P+K,D], attention, pool)."""
    n, p, d = image_tokens.shape
    k = len(sp.img_cls)
    bos = emb[sp.bos][None, None, :].expand(n, 1, d)
    mod = emb[torch.tensor(modality_ids, dtype=torch.long)][:, None, :]
    cls = emb[torch.tensor(sp.img_cls, dtype=torch.long)][None, :, :].expand(n, k, d)
    x = torch.cat([bos, mod, image_tokens, cls], dim=1)
    att = torch.ones((n, 2 + p + k), dtype=torch.long)
    pool = torch.zeros((n, 2 + p + k), dtype=torch.float32)
    pool[:, 2 + p:] = 1.0
    return x, att, pool
