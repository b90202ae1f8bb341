"""NG001 on patterns of real projects' code that are safe by what the code shows (the false alarms
labelled in bench/precision/labels.csv), each beside the neighbouring case that is still a finding."""

from engine_helpers import findings, flagged


def message(code: str) -> str:
    [finding] = findings(code)
    return finding.message


def test_a_buffer_of_zeros_filled_by_a_loop_is_not_zeros():
    code = """
    import torch
    def probs(logits, configs):
        exists_probs = torch.zeros(2, 3)
        for config in configs:
            for i, e in enumerate(config):
                exists_probs[e, i] += _exp(logits[i])
        return exists_probs.log()
    """
    assert flagged(code) == []


def test_a_buffer_a_loop_fills_only_sometimes_is_still_zeros():
    code = """
    import torch
    def probs(logits, configs):
        out = torch.zeros(2, 3)
        for i in configs:
            if i > 1:
                out[i] += _exp(logits[i])
        return out.log()
    """
    assert "`out` is zeros (line 4)" in message(code)


def test_an_attribute_buffer_filled_in_init_is_not_zeros():
    code = """
    import torch
    class Hull:
        def __init__(self, xi, grad):
            self.hprime = torch.zeros(4, 8)
            self.hprime[:, :4] = grad(xi)
            self.empty = torch.zeros(4, 8)
        def sample(self, idx):
            return torch.log(self.hprime.gather(1, idx)), torch.log(self.empty)
    """
    [finding] = findings(code)
    assert "`self.empty` is zeros (line 7)" in finding.message


def test_a_sum_minus_one_of_its_terms_plus_one():
    code = """
    import torch
    def message(logits, m):
        odds = logits.exp()
        return (m.exp() + (1 + odds.sum(1, True) - odds)).log(), (odds.sum(1, True) - odds).log()
    """
    [finding] = findings(code)
    assert finding.message.startswith("`(odds.sum(1, True) - odds).log()`: `(odds.sum(1, True) - odds)` can be 0")


def test_a_difference_of_values_known_only_to_be_above_an_epsilon():
    code = """
    import torch
    def log_binom(n, k, eps=1e-7):
        n = n + eps
        k = k + eps
        return torch.log(n - k + eps), torch.log(n - 1)
    """
    [finding] = findings(code)
    assert "`torch.log(n - 1)`: the argument is a difference that can be 0 or negative" in finding.message


def test_the_complement_of_a_value_named_like_an_epsilon():
    code = """
    import torch
    def concrete(self, logits):
        bias = self.coeffs['bias']
        eps = (1 - 2 * bias) * torch.rand_like(logits) + bias
        return eps.log() - (1 - eps).log() + logits
    """
    assert flagged(code) == []
    drawn = "import torch\ndef f(x):\n    eps = torch.rand_like(x)\n    return (1 - eps).log(), eps.log()\n"
    assert "`eps` is a uniform random draw (line 3)" in message(drawn)


def test_a_chain_of_in_place_methods_changes_its_receiver():
    code = """
    import torch
    def init(param):
        param.data.uniform_(0.9**2 + 1e-8, 0.999**2 + 1e-8)
        param.data.log_().mul_(0.5)
        param.data.neg_().exp_().sub_(1.0).log_()
    def unsafe(param):
        param.data.uniform_(0.5, 1.0)
        param.data.neg_().exp_().sub_(1.0).log_()
    """
    [finding] = findings(code)
    assert finding.span.start.line == 8 and "a difference that can be 0 or negative" in finding.message


def test_the_elements_a_comparison_selects():
    code = """
    import torch
    def nca(mat, same):
        exp = torch.sum(torch.softmax(mat, dim=1) * same, dim=1)
        non_zero = exp != 0
        return -torch.log(exp[non_zero]), -torch.log(exp[exp > 0]), -torch.log(exp[same])
    """
    [finding] = findings(code)
    assert finding.message.startswith("`torch.log(exp[same])`: `exp[same]` is a softmax output (line 4)")


def test_a_log_whose_result_the_code_sets_to_minus_infinity():
    code = """
    import torch
    def nucleus(probs, p):
        sorted_probs, indices = torch.sort(torch.softmax(probs, -1), dim=-1, descending=True)
        nucleus = torch.cumsum(sorted_probs, dim=-1) < p
        sorted_log_probs = torch.log(sorted_probs)
        sorted_log_probs[~nucleus] = float('-inf')
        return sorted_log_probs
    def top_k(probs, k):
        log_probs = torch.log(probs)
        log_probs[probs < k] = 0.0
        return log_probs
    """
    [finding] = findings(code)
    assert finding.message.startswith("`torch.log(probs)`: `probs` is a probability by its name (line 9)")


def test_a_subscript_by_a_mask_at_module_level():
    code = "import torch\nexp = torch.softmax(z, 1)\nkeep = exp > 0\nloss = torch.log(exp[keep]) + torch.log(exp[x.shape[0]])\n"
    [finding] = findings(code)
    assert "`exp[x.shape[0]]` is a softmax output (line 2)" in finding.message


def test_one_plus_a_value_shown_only_to_reach_zero():
    code = """
    import torch
    def radial(self, x):
        alpha = torch.exp(self.log_alpha)
        beta = -alpha + torch.log(1 + self.beta.exp())
        h = 1 / (alpha + torch.norm(x - self.x0, dim=-1))
        return torch.log(1 + beta * h), torch.log(1 + torch.erf(x))
    """
    [finding] = findings(code)
    assert finding.message.startswith("`torch.log(1 + torch.erf(x))`: `1 + torch.erf(x)` can be 0: `torch.erf(x)` is an erf output")
