"""A small script in the idioms of the makemore repository's makemore.py (written here, not
copied), for any module that stands in for torch: ``models(torch, SummaryWriter)`` defines its
character dataset, its six models (bigram, MLP, RNN, GRU, bag of words, Transformer), an endless
loader over ``RandomSampler(replacement=True)``, evaluation under ``torch.inference_mode`` and
sampling with ``topk`` and ``multinomial``; ``train(...)`` runs a few steps and returns what
makemore.py prints, so that a test can compare minigrad's run with PyTorch's step by step."""

import math
import os
from dataclasses import dataclass
from types import SimpleNamespace

__all__ = ["Config", "models", "train"]

MODEL_TYPES = ["bigram", "mlp", "rnn", "gru", "bow", "transformer"]


@dataclass
class Config:
    block_size: int = None
    vocab_size: int = None
    n_layer: int = 2
    n_embd: int = 16
    n_embd2: int = 24
    n_head: int = 2


def models(torch, SummaryWriter):
    """makemore.py's classes and helpers, made with ``torch`` (PyTorch or minigrad)."""
    nn, F = torch.nn, torch.nn.functional
    Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader

    class Names(Dataset):
        """Each word as x = <start> + letters and y = letters + <stop>, padded; -1 masks the loss."""

        def __init__(self, words, chars, max_len):
            self.words, self.max_len = words, max_len
            self.stoi = {ch: i + 1 for i, ch in enumerate(chars)}
            self.itos = {i: ch for ch, i in self.stoi.items()}

        def __len__(self):
            return len(self.words)

        def vocab_size(self):
            return len(self.stoi) + 1

        def decode(self, ix):
            return "".join(self.itos[i] for i in ix)

        def __getitem__(self, i):
            ix = torch.tensor([self.stoi[ch] for ch in self.words[i]], dtype=torch.long)
            x = torch.zeros(self.max_len + 1, dtype=torch.long)
            y = torch.full((self.max_len + 1,), -1, dtype=torch.long)
            x[1:1 + len(ix)] = ix
            y[:len(ix)] = ix
            y[len(ix)] = 0
            return x, y

    class Gelu(nn.Module):
        """GPT-2's tanh approximation of GELU."""

        def forward(self, x):
            return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

    class SelfAttention(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
            self.proj = nn.Linear(config.n_embd, config.n_embd)
            mask = torch.tril(torch.ones(config.block_size, config.block_size))
            self.register_buffer("mask", mask.view(1, 1, config.block_size, config.block_size))
            self.n_head, self.n_embd = config.n_head, config.n_embd

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.qkv(x).split(self.n_embd, dim=2)
            q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
            y = F.softmax(att, dim=-1) @ v
            return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(config.n_embd), nn.LayerNorm(config.n_embd)
            self.attn = SelfAttention(config)
            self.mlp = nn.ModuleDict(dict(fc=nn.Linear(config.n_embd, 4 * config.n_embd), act=Gelu(),
                                          proj=nn.Linear(4 * config.n_embd, config.n_embd)))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            m = self.mlp
            return x + m.proj(m.act(m.fc(self.ln_2(x))))

    class LanguageModel(nn.Module):
        """What every model shares: the loss over the logits, -1 targets ignored."""

        def forward(self, idx, targets=None):
            logits = self.logits_of(idx)
            if targets is None:
                return logits, None
            return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)

    class Transformer(LanguageModel):
        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd), wpe=nn.Embedding(config.block_size, config.n_embd),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]), ln_f=nn.LayerNorm(config.n_embd)))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

        def logits_of(self, idx):
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long, device=idx.device).unsqueeze(0)
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            return self.lm_head(self.transformer.ln_f(x))

    class BoW(LanguageModel):
        """Each position averages the embeddings up to itself, then an MLP."""

        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.wte = nn.Embedding(config.vocab_size, config.n_embd)
            self.wpe = nn.Embedding(config.block_size, config.n_embd)
            self.register_buffer("mask", torch.tril(torch.ones(config.block_size, config.block_size))
                                 .view(1, config.block_size, config.block_size))
            self.mlp = nn.ModuleDict(dict(fc=nn.Linear(config.n_embd, config.n_embd2),
                                          proj=nn.Linear(config.n_embd2, config.n_embd)))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size)

        def logits_of(self, idx):
            b, t = idx.size()
            x = self.wte(idx) + self.wpe(torch.arange(0, t, dtype=torch.long, device=idx.device).unsqueeze(0))
            att = torch.zeros((b, t, t), device=x.device).masked_fill(self.mask[:, :t, :t] == 0, float("-inf"))
            x = x + F.softmax(att, dim=-1) @ x
            x = x + self.mlp.proj(F.tanh(self.mlp.fc(x)))
            return self.lm_head(x)

    class RNNCell(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.xh_to_h = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

        def forward(self, xt, hprev):
            return F.tanh(self.xh_to_h(torch.cat([xt, hprev], dim=1)))

    class GRUCell(nn.Module):
        def __init__(self, config):
            super().__init__()
            width = config.n_embd + config.n_embd2
            self.xh_to_z, self.xh_to_r = nn.Linear(width, config.n_embd2), nn.Linear(width, config.n_embd2)
            self.xh_to_hbar = nn.Linear(width, config.n_embd2)

        def forward(self, xt, hprev):
            xh = torch.cat([xt, hprev], dim=1)
            reset = F.sigmoid(self.xh_to_r(xh))
            hbar = F.tanh(self.xh_to_hbar(torch.cat([xt, reset * hprev], dim=1)))
            z = F.sigmoid(self.xh_to_z(xh))
            return (1 - z) * hprev + z * hbar

    class RNN(LanguageModel):
        def __init__(self, config, cell_type):
            super().__init__()
            self.block_size = config.block_size
            self.start = nn.Parameter(torch.zeros(1, config.n_embd2))
            self.wte = nn.Embedding(config.vocab_size, config.n_embd)
            self.cell = RNNCell(config) if cell_type == "rnn" else GRUCell(config)
            self.lm_head = nn.Linear(config.n_embd2, config.vocab_size)

        def logits_of(self, idx):
            b, t = idx.size()
            emb = self.wte(idx)
            h, hiddens = self.start.expand((b, -1)), []
            for i in range(t):
                h = self.cell(emb[:, i, :], h)
                hiddens.append(h)
            return self.lm_head(torch.stack(hiddens, 1))

    class MLP(LanguageModel):
        """Bengio et al. 2003: the embeddings of the previous block_size tokens, concatenated."""

        def __init__(self, config):
            super().__init__()
            self.block_size, self.vocab_size = config.block_size, config.vocab_size
            self.wte = nn.Embedding(config.vocab_size + 1, config.n_embd)  # + a <blank> before the start
            self.mlp = nn.Sequential(nn.Linear(self.block_size * config.n_embd, config.n_embd2), nn.Tanh(),
                                     nn.Linear(config.n_embd2, config.vocab_size))

        def logits_of(self, idx):
            embs = []
            for _ in range(self.block_size):
                embs.append(self.wte(idx))
                idx = torch.roll(idx, 1, 1)
                idx[:, 0] = self.vocab_size
            return self.mlp(torch.cat(embs, -1))

    class Bigram(LanguageModel):
        def __init__(self, config):
            super().__init__()
            self.block_size = 1
            self.logits = nn.Parameter(torch.zeros((config.vocab_size, config.vocab_size)))

        def logits_of(self, idx):
            return self.logits[idx]

    def make_model(kind, config):
        return {"bigram": Bigram, "mlp": MLP, "bow": BoW, "transformer": Transformer}[kind](config) \
            if kind not in ("rnn", "gru") else RNN(config, cell_type=kind)

    class EndlessLoader:
        def __init__(self, dataset, **kwargs):
            sampler = torch.utils.data.RandomSampler(dataset, replacement=True, num_samples=int(1e10))
            self.batches = iter(DataLoader(dataset, sampler=sampler, **kwargs))

        def next(self):
            return next(self.batches)

    @torch.no_grad()
    def generate(model, idx, max_new_tokens, do_sample=False, top_k=None):
        for _ in range(max_new_tokens):
            context = idx if idx.size(1) <= model.block_size else idx[:, -model.block_size:]
            logits, _ = model(context)
            logits = logits[:, -1, :]
            if top_k is not None:
                v, _ = torch.topk(logits, top_k)
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            if do_sample:
                idx_next = torch.multinomial(probs, num_samples=1)
            else:
                _, idx_next = torch.topk(probs, k=1, dim=-1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx

    @torch.inference_mode()
    def evaluate(model, dataset, batch_size, max_batches):
        model.eval()
        losses = []
        for i, (X, Y) in enumerate(DataLoader(dataset, shuffle=True, batch_size=batch_size, num_workers=0)):
            losses.append(model(X.to("cpu"), Y.to("cpu"))[1].item())
            if i >= max_batches:
                break
        model.train()
        return torch.tensor(losses).mean().item()

    return SimpleNamespace(torch=torch, Names=Names, make_model=make_model, EndlessLoader=EndlessLoader,
                           generate=generate, evaluate=evaluate, SummaryWriter=SummaryWriter)


def train(m, kind, words, work_dir, steps=4, batch_size=8, seed=3407):
    """makemore.py's main loop, shortened: the split, the model, AdamW, ``steps`` steps, an
    evaluation logged to TensorBoard, the state dict saved and loaded back, and samples."""
    torch = m.torch
    torch.manual_seed(seed)
    chars = sorted(set("".join(words)))
    max_len = max(len(w) for w in words)
    order = torch.randperm(len(words)).tolist()
    train_set = m.Names([words[i] for i in order[:-10]], chars, max_len)
    test_set = m.Names([words[i] for i in order[-10:]], chars, max_len)
    config = Config(vocab_size=train_set.vocab_size(), block_size=max_len + 1)
    model = m.make_model(kind, config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    loader = m.EndlessLoader(train_set, batch_size=batch_size, num_workers=0)
    out = {"losses": [], "batches": []}
    for _ in range(steps):
        X, Y = [t.to("cpu") for t in loader.next()]
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        out["losses"].append(loss.item())
        out["batches"].append(X[:, 1].tolist())
    out["test loss"] = m.evaluate(model, test_set, batch_size=4, max_batches=1)
    with m.SummaryWriter(work_dir) as writer:
        writer.add_scalar("Loss/test", out["test loss"], steps)
    path = os.path.join(work_dir, "model.pt")
    torch.save(model.state_dict(), path)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    start = torch.zeros(3, 1, dtype=torch.long).to("cpu")
    out["samples"] = m.generate(model, start, max_len, do_sample=True, top_k=5).to("cpu").tolist()
    out["greedy"] = [train_set.decode([i for i in row[1:] if i]) for row in m.generate(model, start, 4).tolist()]
    return out
