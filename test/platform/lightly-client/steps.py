"""The step protocol the client scripts share: each step prints one JSON line {"step", "ok", "detail" | "error", "trace"}
that lightly-client.test.ts turns into one test. A failing step is reported and the script goes on."""

import json
import traceback


def step(name):
    def run(fn):
        try:
            line = {"step": name, "ok": True, "detail": fn()}
        except Exception as error:  # every failure is reported, with the client's own message
            line = {"step": name, "ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()[-2000:]}
        print(json.dumps(line, default=str), flush=True)
        return fn

    return run


def expect(condition, message):
    if not condition:
        raise AssertionError(message)
