"""A bigram model and a small GPT in the style of the "Let's build GPT" lecture's bigram.py
and gpt.py (written here, with CPU-sized settings), for any module that stands in for torch:
``gpt(torch, text)`` runs with ``torch`` the real PyTorch or ``minigrad``. Each returns what
the scripts print (the estimated losses), every training step's loss, and the generated
text, so that tests (tests/test_gpt.py) can compare the two runs; ``make_gpt`` builds the
model alone, for benchmarks/bench_gpt.py.

    python examples/gpt_lecture.py        # trains the small GPT with minigrad and samples"""

__all__ = ["read_text", "bigram", "gpt", "make_gpt", "GPT_SETTINGS"]

GPT_SETTINGS = dict(batch_size=16, block_size=32, n_embd=64, n_head=4, n_layer=2, dropout=0.2)


def read_text(limit=20000):
    """The training text: the first ``limit`` characters of the names data set."""
    import makemore_data
    return "\n".join(makemore_data.read_words())[:limit]


def _data(torch, text):
    chars = sorted(list(set(text)))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731 (the lecture's lambdas)
    decode = lambda l: ''.join([itos[i] for i in l])  # noqa: E731
    data = torch.tensor(encode(text), dtype=torch.long)
    n = int(0.9 * len(data))
    return len(chars), data[:n], data[n:], decode


def _training(torch, model, get_batch, max_iters, eval_interval, eval_iters, learning_rate):
    """The lecture's loop: estimate the losses every eval_interval steps, then step AdamW."""
    printed, step_losses = [], []

    @torch.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ['train', 'val']:
            losses = torch.zeros(eval_iters)
            for k in range(eval_iters):
                X, Y = get_batch(split)
                logits, loss = model(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    for iter in range(max_iters):
        if iter % eval_interval == 0 or iter == max_iters - 1:
            losses = estimate_loss()
            printed.append(f"step {iter}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
        xb, yb = get_batch('train')
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step_losses.append(loss.item())
    return printed, step_losses


def _batches(torch, train_data, val_data, batch_size, block_size, device):
    def get_batch(split):
        data = train_data if split == 'train' else val_data
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([data[i:i + block_size] for i in ix])
        y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
        x, y = x.to(device), y.to(device)
        return x, y
    return get_batch


def bigram(torch, text, max_iters=100, eval_interval=50, eval_iters=10, new_tokens=100):
    """bigram.py: a table of next-character logits, trained with AdamW."""
    nn, F = torch.nn, torch.nn.functional
    batch_size, block_size, learning_rate = 32, 8, 1e-2
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(1337)
    vocab_size, train_data, val_data, decode = _data(torch, text)
    get_batch = _batches(torch, train_data, val_data, batch_size, block_size, device)

    class BigramLanguageModel(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

        def forward(self, idx, targets=None):
            logits = self.token_embedding_table(idx)  # (B,T,C)
            if targets is None:
                loss = None
            else:
                B, T, C = logits.shape
                logits = logits.view(B * T, C)
                targets = targets.view(B * T)
                loss = F.cross_entropy(logits, targets)
            return logits, loss

        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                logits, loss = self(idx)
                logits = logits[:, -1, :]  # (B, C)
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)  # (B, 1)
                idx = torch.cat((idx, idx_next), dim=1)  # (B, T+1)
            return idx

    model = BigramLanguageModel(vocab_size)
    m = model.to(device)
    printed, step_losses = _training(torch, model, get_batch, max_iters, eval_interval, eval_iters, learning_rate)
    context = torch.zeros((1, 1), dtype=torch.long, device=device)
    return {"printed": printed, "losses": step_losses, "text": decode(m.generate(context, max_new_tokens=new_tokens)[0].tolist())}


def make_gpt(torch, vocab_size, **settings):
    """gpt.py's model: token and position embeddings, blocks of masked multi-head
    self-attention and a feed-forward layer with residual connections and layer norms,
    dropout; initialised as the lecture does (``apply(_init_weights)``)."""
    nn, F = torch.nn, torch.nn.functional
    settings = {**GPT_SETTINGS, **settings}
    block_size, dropout = settings["block_size"], settings["dropout"]
    n_embd, n_head, n_layer = settings["n_embd"], settings["n_head"], settings["n_layer"]
    device = 'cuda' if torch.cuda.is_available() else 'cpu'

    class Head(nn.Module):
        """one head of self-attention"""

        def __init__(self, head_size):
            super().__init__()
            self.key = nn.Linear(n_embd, head_size, bias=False)
            self.query = nn.Linear(n_embd, head_size, bias=False)
            self.value = nn.Linear(n_embd, head_size, bias=False)
            self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            B, T, C = x.shape
            k = self.key(x)  # (B,T,hs)
            q = self.query(x)  # (B,T,hs)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5  # (B, T, hs) @ (B, hs, T) -> (B, T, T)
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float('-inf'))
            wei = F.softmax(wei, dim=-1)
            wei = self.dropout(wei)
            v = self.value(x)
            return wei @ v  # (B, T, T) @ (B, T, hs) -> (B, T, hs)

    class MultiHeadAttention(nn.Module):
        def __init__(self, num_heads, head_size):
            super().__init__()
            self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
            self.proj = nn.Linear(head_size * num_heads, n_embd)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            out = torch.cat([h(x) for h in self.heads], dim=-1)
            return self.dropout(self.proj(out))

    class FeedFoward(nn.Module):
        def __init__(self, n_embd):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd),
                                     nn.Dropout(dropout))

        def forward(self, x):
            return self.net(x)

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            head_size = n_embd // n_head
            self.sa = MultiHeadAttention(n_head, head_size)
            self.ffwd = FeedFoward(n_embd)
            self.ln1 = nn.LayerNorm(n_embd)
            self.ln2 = nn.LayerNorm(n_embd)

        def forward(self, x):
            x = x + self.sa(self.ln1(x))
            return x + self.ffwd(self.ln2(x))

    class GPTLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
            self.position_embedding_table = nn.Embedding(block_size, n_embd)
            self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size)
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            B, T = idx.shape
            tok_emb = self.token_embedding_table(idx)  # (B,T,C)
            pos_emb = self.position_embedding_table(torch.arange(T, device=device))  # (T,C)
            x = tok_emb + pos_emb
            x = self.ln_f(self.blocks(x))
            logits = self.lm_head(x)  # (B,T,vocab_size)
            if targets is None:
                loss = None
            else:
                B, T, C = logits.shape
                loss = F.cross_entropy(logits.view(B * T, C), targets.view(B * T))
            return logits, loss

        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                idx_cond = idx[:, -block_size:]
                logits, loss = self(idx_cond)
                probs = F.softmax(logits[:, -1, :], dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    return GPTLanguageModel()


def gpt(torch, text, max_iters=30, eval_interval=15, eval_iters=4, new_tokens=100, learning_rate=1e-3, **settings):
    """gpt.py: the small GPT (``make_gpt``) trained with AdamW, then sampled."""
    settings = {**GPT_SETTINGS, **settings}
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(1337)
    vocab_size, train_data, val_data, decode = _data(torch, text)
    get_batch = _batches(torch, train_data, val_data, settings["batch_size"], settings["block_size"], device)
    model = make_gpt(torch, vocab_size, **settings)
    m = model.to(device)
    parameters = sum(p.numel() for p in m.parameters())
    printed, step_losses = _training(torch, model, get_batch, max_iters, eval_interval, eval_iters, learning_rate)
    context = torch.zeros((1, 1), dtype=torch.long, device=device)
    text = decode(m.generate(context, max_new_tokens=new_tokens)[0].tolist())
    return {"parameters": parameters, "printed": printed, "losses": step_losses, "text": text, "model": model}


if __name__ == "__main__":
    import minigrad
    result = gpt(minigrad, read_text(), max_iters=200, eval_interval=50, eval_iters=10, new_tokens=300)
    print(result["parameters"] / 1e6, "M parameters")
    print("\n".join(result["printed"]))
    print(result["text"])
