"""A PyTorch Lightning-style classifier. The loss takes the log of a softmax and of a sigmoid;
the logging calls (`self.log`, `wandb.log`) are not logarithms."""

import logging

import torch
import torch.nn.functional as F
import wandb
from torch import nn

logger = logging.getLogger(__name__)


class Classifier(nn.Module):
    def __init__(self, features: int, classes: int, eps: float = 1e-7):
        super().__init__()
        self.linear = nn.Linear(features, classes)
        self.eps = eps

    def forward(self, inputs):
        return self.linear(inputs)

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        probs = torch.softmax(self(inputs), dim=-1)
        loss = -(F.one_hot(targets, probs.shape[-1]) * torch.log(probs)).sum(dim=-1).mean()
        self.log("train_loss", loss)
        wandb.log({"loss": loss.item()})
        logger.log(logging.INFO, "step %d", batch_idx)
        return loss

    def confidence(self, inputs):
        gate = torch.sigmoid(self(inputs))
        return gate.log().mean()

    def entropy(self, inputs):
        probs = F.softmax(self(inputs), dim=-1)
        return -(probs * (probs + self.eps).log()).sum(dim=-1)


def focal_loss(logits, targets, gamma=2.0):
    probs = logits.softmax(dim=-1)
    chosen = probs.gather(-1, targets.unsqueeze(-1))
    return -((1 - chosen) ** gamma * chosen.log()).mean()
