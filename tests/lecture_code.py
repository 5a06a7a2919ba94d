"""The makemore lectures' code (parts 2 and 3; 4 and 5 in lecture_code_later.py), written as the notebooks write it, for any
module that stands in for torch: ``part2(torch, words)`` runs with ``torch`` the real
PyTorch or ``minigrad`` (``import minigrad as torch``). Each returns the numbers the
notebook prints, so tests can compare the two runs line by line.

The notebooks train for 200,000 steps; these take ``steps`` (a few hundred) to stay quick."""

import random

__all__ = ["BatchNorm1d", "Linear", "Tanh", "build_dataset", "part2", "part3", "sample", "splits"]


def build_dataset(torch, words, block_size=3):
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def splits(torch, words, block_size=3):
    words = list(words)
    random.seed(42)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return (build_dataset(torch, words[:n1], block_size), build_dataset(torch, words[n1:n2], block_size),
            build_dataset(torch, words[n2:], block_size))


def sample(torch, forward, block_size, g, count=5):
    F = torch.nn.functional
    names = []
    for _ in range(count):
        out, context = [], [0] * block_size
        while True:
            logits = forward(torch.tensor([context]))
            probs = F.softmax(logits, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            out.append(ix)
            if ix == 0:
                break
        names.append(out)
    return names


def part2(torch, words, steps=300):
    """building makemore part 2: MLP."""
    F = torch.nn.functional
    (Xtr, Ytr), (Xdev, Ydev), _ = splits(torch, words)
    printed = {}
    a = torch.arange(18)
    printed["view"] = a.view(3, 3, 2).tolist()
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = torch.randn(200, generator=g)
    W2 = torch.randn((200, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    parameters = [C, W1, b1, W2, b2]
    printed["nparams"] = sum(p.nelement() for p in parameters)
    for p in parameters:
        p.requires_grad = True
    emb = C[Xtr[:32]]
    printed["unbind"] = torch.cat(torch.unbind(emb, 1), 1).shape == emb.view(32, 30).shape
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    counts = (h @ W2 + b2).exp()
    prob = counts / counts.sum(1, keepdims=True)
    printed["manual loss"] = -prob[torch.arange(32), Ytr[:32]].log().mean().item()
    lre = torch.linspace(-3, 0, 1000)
    lrs = 10 ** lre
    lossi = []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = lrs[i + 600]
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
    printed["lossi"] = lossi[::50]
    emb = C[Xdev]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    printed["dev loss"] = F.cross_entropy(h @ W2 + b2, Ydev).item()
    g = torch.Generator().manual_seed(2147483647 + 10)
    printed["samples"] = sample(torch, lambda x: torch.tanh(C[x].view(1, -1) @ W1 + b1) @ W2 + b2, 3, g)
    return printed


class Linear:
    def __init__(self, torch, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in ** 0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, torch, dim, eps=1e-5, momentum=0.1):
        self.torch, self.eps, self.momentum = torch, eps, momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        torch = self.torch
        if self.training:
            dim = 0 if x.ndim == 2 else (0, 1)
            xmean = x.mean(dim, keepdim=True)
            xvar = x.var(dim, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __init__(self, torch):
        self.torch = torch

    def __call__(self, x):
        self.out = self.torch.tanh(x)
        return self.out

    def parameters(self):
        return []


def part3(torch, words, steps=300):
    """building makemore part 3: activations & gradients, BatchNorm."""
    F = torch.nn.functional
    (Xtr, Ytr), (Xdev, Ydev), _ = splits(torch, words)
    n_embd, n_hidden = 10, 100
    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((27, n_embd), generator=g)
    layers = [Linear(torch, n_embd * 3, n_hidden, bias=False, generator=g), BatchNorm1d(torch, n_hidden), Tanh(torch),
              Linear(torch, n_hidden, n_hidden, bias=False, generator=g), BatchNorm1d(torch, n_hidden), Tanh(torch),
              Linear(torch, n_hidden, 27, bias=False, generator=g), BatchNorm1d(torch, 27)]
    with torch.no_grad():
        layers[-1].gamma *= 0.1
        for layer in layers[:-1]:
            if isinstance(layer, Linear):
                layer.weight *= 5 / 3
    parameters = [C] + [p for layer in layers for p in layer.parameters()]
    for p in parameters:
        p.requires_grad = True
    printed, lossi, ud = {}, [], []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        x = C[Xtr[ix]]
        x = x.view(x.shape[0], -1)
        for layer in layers:
            x = layer(x)
        loss = F.cross_entropy(x, Ytr[ix])
        for layer in layers:
            layer.out.retain_grad()
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 150000 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.log10().item())
        with torch.no_grad():
            ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])
    printed["lossi"], printed["ud"] = lossi[::50], ud[-1]
    printed["tanh"] = ['layer %d (%10s): mean %+.2f, std %.2f, saturated: %.2f%%' % (
        i, layer.__class__.__name__, layer.out.mean(), layer.out.std(), (layer.out.abs() > 0.97).float().mean() * 100)
        for i, layer in enumerate(layers[:-1]) if isinstance(layer, Tanh)]
    printed["histogram"] = [torch.histogram(layer.out, density=True)[0].tolist()[:5] for layer in layers
                            if isinstance(layer, Tanh)]
    printed["grads"] = ['layer %d (%10s): mean %+f, std %e' % (i, layer.__class__.__name__, layer.out.grad.mean(),
                                                              layer.out.grad.std())
                        for i, layer in enumerate(layers[:-1]) if isinstance(layer, Tanh)]
    printed["weights"] = ['weight %10s | mean %+f | std %e | grad:data ratio %e' % (
        tuple(p.shape), p.grad.mean(), p.grad.std(), p.grad.std() / p.std()) for p in parameters if p.ndim == 2]
    for layer in layers:
        layer.training = False
    with torch.no_grad():
        x = C[Xdev].view(Xdev.shape[0], -1)
        for layer in layers:
            x = layer(x)
        printed["dev loss"] = F.cross_entropy(x, Ydev).item()
    return printed
