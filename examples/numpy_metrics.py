"""Evaluation metrics in NumPy. Cross-entropy and KL divergence take logs of probabilities
that can be exactly 0; perplexity is guarded."""

import numpy as np


def cross_entropy(p_true, p_pred):
    return -np.sum(p_true * np.log(p_pred), axis=-1)


def kl_divergence(p, q):
    return np.sum(p * np.log2(p / q))


def perplexity(probs):
    probs = np.clip(probs, 1e-12, 1.0)
    return np.exp(-np.mean(np.log(probs)))


def log_odds(p):
    eps = np.finfo(np.float32).eps
    return np.log(p + eps) - np.log(1 - p + eps)
