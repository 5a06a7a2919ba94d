"""mg.compile on a small attention model in the GPT lecture's style (token and position
embeddings, masked multi-head self-attention with a ``tril`` buffer, LayerNorm, dropout,
residual adds, a feed-forward layer, AdamW): compiled and eager training agree."""

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import nn

from test_compile import assert_same_state, assert_trains_as_eager, training_step

VOCAB, BLOCK, EMBED, HEADS = 27, 3, 16, 2


class Head(nn.Module):
    def __init__(self, size, rng, generator):
        self.key, self.query, self.value = (nn.Linear(EMBED, size, bias=False, generator=rng) for _ in range(3))
        self.register_buffer("tril", mg.tril(mg.ones(BLOCK, BLOCK)))
        self.dropout = nn.Dropout(0.1, generator=generator)

    def forward(self, x):
        B, T, C = x.shape
        k, q = self.key(x), self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = self.dropout(F.softmax(wei, dim=-1))
        return wei @ self.value(x)


class Block(nn.Module):
    def __init__(self, rng, generator):
        self.heads = nn.ModuleList([Head(EMBED // HEADS, rng, generator) for _ in range(HEADS)])
        self.proj = nn.Linear(EMBED, EMBED, generator=rng)
        self.ffwd = nn.Sequential(nn.Linear(EMBED, 4 * EMBED, generator=rng), nn.ReLU(),
                                  nn.Linear(4 * EMBED, EMBED, generator=rng), nn.Dropout(0.1, generator=generator))
        self.ln1, self.ln2 = nn.LayerNorm(EMBED), nn.LayerNorm(EMBED)
        self.dropout = nn.Dropout(0.1, generator=generator)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.dropout(self.proj(mg.cat([head(h) for head in self.heads], dim=-1)))
        return x + self.ffwd(self.ln2(x))


class TinyGPT(nn.Module):
    """Predicts the character after each sequence of three from the last position's output."""

    def __init__(self):
        rng, generator = np.random.default_rng(0), mg.Generator().manual_seed(11)
        self.token_embedding = nn.Embedding(VOCAB, EMBED, generator=rng)
        self.position_embedding = nn.Embedding(BLOCK, EMBED, generator=rng)
        self.blocks = nn.Sequential(Block(rng, generator), Block(rng, generator))
        self.ln_f = nn.LayerNorm(EMBED)
        self.lm_head = nn.Linear(EMBED, VOCAB, generator=rng)

    def forward(self, idx):
        B, T = idx.shape
        x = self.token_embedding(idx) + self.position_embedding(mg.arange(T))
        return self.lm_head(self.ln_f(self.blocks(x)))[:, -1, :]


def attention_training():
    model = TinyGPT()
    optimizer = mg.optim.AdamW(model.parameters(), lr=3e-3)
    return model, training_step(optimizer, lambda Xb, Yb: F.cross_entropy(model(Xb), Yb))


def test_a_small_attention_model_with_dropout_trains_compiled_as_eager_for_500_steps():
    (eager_model, eager_step), (model, step) = attention_training(), attention_training()
    compiled = mg.compile(step)
    assert_trains_as_eager(eager_step, compiled, seed=4, as_input=mg.tensor)
    assert compiled.traces == 1 and "no template" not in compiled.source
    made = [line for line in compiled.source.split("\n") if not line.lstrip().startswith("#") and " = np." in line]
    assert made == ["        dlinear19 = np.zeros_like(linear19)"]  # only logits[:, -1]'s gradient: every other op writes into a buffer
    assert_same_state(eager_model, model)
