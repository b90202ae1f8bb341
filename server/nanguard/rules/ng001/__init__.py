"""NG001: a log whose argument the code shows can reach zero, go below it, or underflow to it."""

from nanguard.rules.rule import Rule

RULE = Rule("NG001", "log-argument-may-reach-zero", "log() of a value that is not bounded away from zero", __name__,
            screen="nanguard.rules.ng001.prefilter:MAYBE_LOG")
