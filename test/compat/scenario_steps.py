# Shared by the hvac scenario scripts: record each step's value or failure, and print them all as one JSON line.
import json

import hvac.exceptions

results = {}


def step(name, fn):
    """Run one step; record its value, or the exception class and message, so the test names what broke."""
    try:
        results[name] = fn()
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        results[name] = {"error": type(exc).__name__, "message": str(exc)}


def expect_error(fn):
    """Run fn expecting an hvac error; return its class and messages, or "no error"."""
    try:
        fn()
    except hvac.exceptions.VaultError as exc:
        return {"error": type(exc).__name__, "errors": getattr(exc, "errors", None) or [str(exc)]}
    return "no error"


def report():
    print(json.dumps(results))
