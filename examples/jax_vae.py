"""A variational autoencoder's reconstruction loss in JAX. The Bernoulli likelihood takes the
log of sigmoid outputs, which saturate to exactly 0 and 1."""

import jax
import jax.numpy as jnp


def reconstruction_loss(logits, images):
    probs = jax.nn.sigmoid(logits)
    return -jnp.sum(images * jnp.log(probs) + (1 - images) * jnp.log(1 - probs))


def kl_term(mean, log_var):
    return -0.5 * jnp.sum(1 + log_var - mean**2 - jnp.exp(log_var))


def stable_scale(variance):
    return jnp.log(1 + variance**2)
