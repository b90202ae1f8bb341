"""Probability distributions (``torch.distributions``, Pyro, NumPyro, TensorFlow Probability,
``scipy.stats``): the methods their objects share, whichever library made them."""

from __future__ import annotations

from nanguard.frameworks.library import Effect, Library, each

LIBRARY = Library(tensor_methods={**each(Effect.CDF, "cdf"), **each(Effect.PROBABILITY, "probs_parameter")})
