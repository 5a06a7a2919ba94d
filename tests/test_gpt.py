"""The "Let's build GPT" lecture's models (examples/gpt_lecture.py: a bigram model and a small GPT
with masked multi-head self-attention, LayerNorm, Dropout and AdamW) run on minigrad with only
the import changed, and print PyTorch's numbers: every step's loss within 1e-4 relative, the
same estimated losses and the same generated text, with and without dropout (so dropout's
masks, the initialisation, AdamW and sampling are PyTorch's)."""

import numpy as np
import pytest

import gpt_lecture
import minigrad
from test_lectures_as_torch import assert_same

GPT_RUN = dict(max_iters=20, eval_interval=10, eval_iters=3, new_tokens=60)
# what the scripts print under torch 2.13, taken once from it (for a clone without torch)
TORCH_PRINTS = {
    "bigram": {"printed": ["step 0: train loss 3.8393, val loss 3.8496", "step 50: train loss 3.3167, val loss 3.3534",
                           "step 99: train loss 2.9750, val loss 3.0125"],
               "text": "\nuphjrb\nrgwh\nphzaf\nopeewpyt\nfuntaweiggs\nsalzjripidarvqjuduzb\nivpjepladrbrbricicbb\noyqxgfehroziqsugwhx"},
    0.2: {"parameters": 105243, "printed": ["step 0: train loss 3.2913, val loss 3.2893",
                                            "step 10: train loss 2.8323, val loss 2.8167",
                                            "step 19: train loss 2.6571, val loss 2.6592"],
          "text": "\nblphyahaana\ndrenbplfiye\nfbalxayeojiredbre\nslcereoi\nlymcmy\njw"},
    0.0: {"parameters": 105243, "printed": ["step 0: train loss 3.2913, val loss 3.2893",
                                            "step 10: train loss 2.8206, val loss 2.8203",
                                            "step 19: train loss 2.6002, val loss 2.6434"],
          "text": "\njlanraezoehyannamgapiarva\nb\nmhingen\nyr\nadtneiasazdfofqnisu\nf"},
}
CASES = ["bigram", 0.2, 0.0]


@pytest.fixture(scope="module")
def text():
    return gpt_lecture.read_text()


def run(torch, case, text):
    if case == "bigram":
        return gpt_lecture.bigram(torch, text)
    result = gpt_lecture.gpt(torch, text, dropout=case, **GPT_RUN)
    result.pop("model")
    return result


@pytest.fixture(scope="module")
def minigrad_runs(text):
    return {case: run(minigrad, case, text) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"dropout {case}" if case != "bigram" else case)
def test_the_lecture_models_print_torchs_numbers(case, minigrad_runs):
    printed = minigrad_runs[case]
    expected = TORCH_PRINTS[case]
    assert_same({key: printed[key] for key in expected}, expected, str(case))


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"dropout {case}" if case != "bigram" else case)
def test_every_step_matches_torch(case, minigrad_runs, text):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        theirs = run(torch, case, text)
    finally:
        torch.set_num_threads(threads)
    ours = minigrad_runs[case]
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-4)
    assert ours["text"] == theirs["text"]
    assert_same(ours["printed"], theirs["printed"], str(case))
