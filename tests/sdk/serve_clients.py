"""The official `openai` and `anthropic` SDKs as clients of `byok serve`.

Run by tests/serve_sdk.rs, which starts the loopback fakes and `byok serve`, then runs this
script with only what `serve` printed (OPENAI_BASE_URL, OPENAI_API_KEY, ANTHROPIC_BASE_URL,
ANTHROPIC_API_KEY) and the texts the fakes answer with. Every case prints `ok: <case>`; the
first failure raises and exits non-zero. Everything the SDKs received is printed too, so the
Rust side can check that no real key is in any of it.
"""

import json
import os
import sys

import anthropic
import openai

OPENAI_TEXT = os.environ["FAKE_OPENAI_TEXT"]
ANTHROPIC_TEXT = os.environ["FAKE_ANTHROPIC_TEXT"]
OPENAI_USAGE = json.loads(os.environ["FAKE_OPENAI_USAGE"])  # [input, output]
ANTHROPIC_USAGE = json.loads(os.environ["FAKE_ANTHROPIC_USAGE"])

# No SDK retries: a refusal must reach the test as the first answer, not after backoff.
oai = openai.OpenAI(max_retries=0, timeout=30)
ant = anthropic.Anthropic(max_retries=0, timeout=30)
HELLO = [{"role": "user", "content": "Say hello"}]


def received(what):
    """Print what a client got, for the Rust side's check that no key is in it."""
    if hasattr(what, "model_dump_json"):
        what = what.model_dump_json()
    print("received:", what)


def ok(case):
    print("ok:", case, flush=True)


def expect_error(kind, call, *words):
    try:
        got = call()
    except kind as e:
        text = str(e)
        received(text)
        if getattr(e, "response", None) is not None:
            received(e.response.text)
            received(dict(e.response.headers))
        for w in words:
            assert w in text, f"{kind.__name__} should mention {w!r}: {text}"
        return e
    raise AssertionError(f"expected {kind.__name__}, got {got!r}")


# -- OpenAI SDK, same wire -------------------------------------------------------------

r = oai.chat.completions.create(model="default", messages=HELLO)
received(r)
assert r.choices[0].message.content == OPENAI_TEXT, r
assert r.usage.prompt_tokens == OPENAI_USAGE[0], r.usage
assert r.usage.completion_tokens == OPENAI_USAGE[1], r.usage
ok("openai: chat completion through a route")

r = oai.chat.completions.create(model="openai:gpt-4o-mini", messages=HELLO)
received(r)
assert r.choices[0].message.content == OPENAI_TEXT, r
ok("openai: chat completion naming provider:model")

chunks = list(oai.chat.completions.create(model="default", messages=HELLO, stream=True))
for c in chunks:
    received(c)
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
assert text == OPENAI_TEXT, text
# The client did not ask for usage: the chunk byok asked for on its own behalf is not passed on.
assert all(c.usage is None for c in chunks), [c.usage for c in chunks]
ok("openai: streamed, byok's own usage request stripped")

chunks = list(
    oai.chat.completions.create(
        model="default",
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
    )
)
for c in chunks:
    received(c)
usage = [c.usage for c in chunks if c.usage is not None]
assert len(usage) == 1, usage
assert usage[0].prompt_tokens == OPENAI_USAGE[0], usage
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
assert text == OPENAI_TEXT, text
ok("openai: streamed with include_usage")

r = oai.chat.completions.create(model="fallback", messages=HELLO)
received(r)
assert r.choices[0].message.content == OPENAI_TEXT, r
ok("openai: the first candidate fails (500), the fallback answers")

ids = [m.id for m in oai.models.list()]
received(json.dumps(ids))
assert any("default" in i for i in ids), ids
assert any("openai:gpt-4o-mini" in i for i in ids), ids
ok("openai: models lists the routes")

# -- Anthropic SDK, same wire ----------------------------------------------------------

m = ant.messages.create(model="claude", max_tokens=64, messages=HELLO)
received(m)
assert "".join(b.text for b in m.content if b.type == "text") == ANTHROPIC_TEXT, m
assert m.usage.input_tokens == ANTHROPIC_USAGE[0], m.usage
assert m.usage.output_tokens == ANTHROPIC_USAGE[1], m.usage
ok("anthropic: message through a route")

with ant.messages.stream(model="claude", max_tokens=64, messages=HELLO) as s:
    text = "".join(s.text_stream)
    final = s.get_final_message()
received(final)
assert text == ANTHROPIC_TEXT, text
assert final.usage.output_tokens == ANTHROPIC_USAGE[1], final.usage
ok("anthropic: streamed message")

# -- Cross wire: the OpenAI SDK asking an Anthropic candidate ---------------------------

r = oai.chat.completions.create(
    model="claude",
    messages=[{"role": "system", "content": "Be brief."}] + HELLO,
    max_tokens=64,
    temperature=0.2,
)
received(r)
assert r.choices[0].message.content == ANTHROPIC_TEXT, r
ok("cross wire: openai SDK -> anthropic candidate")

chunks = list(oai.chat.completions.create(model="claude", messages=HELLO, stream=True))
for c in chunks:
    received(c)
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
assert text == ANTHROPIC_TEXT, text
ok("cross wire: openai SDK -> anthropic candidate, streamed")

tools = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
expect_error(
    openai.BadRequestError,
    lambda: oai.chat.completions.create(model="claude", messages=HELLO, tools=tools),
    "tools",
)
ok("cross wire: tools refused with 400 naming `tools`")

# -- A stream the provider cuts after it started --------------------------------------

got = []
try:
    for c in oai.chat.completions.create(model="cut", messages=HELLO, stream=True):
        received(c)
        got.extend(ch.delta.content or "" for ch in c.choices)
except openai.APIError as e:
    received(str(e))
    assert "broke off" in str(e), e
else:
    raise AssertionError(f"a cut stream passed for a whole answer: {''.join(got)!r}")
assert "".join(got) and OPENAI_TEXT.startswith("".join(got)), got
ok("a stream cut after it started: the SDK raises APIError")

# -- Refusals ---------------------------------------------------------------------------

bad_oai = openai.OpenAI(api_key="sk-not-the-token", max_retries=0)
expect_error(
    openai.AuthenticationError,
    lambda: bad_oai.chat.completions.create(model="default", messages=HELLO),
)
bad_ant = anthropic.Anthropic(api_key="not-the-token", max_retries=0)
expect_error(
    anthropic.AuthenticationError,
    lambda: bad_ant.messages.create(model="claude", max_tokens=64, messages=HELLO),
)
ok("a wrong token: AuthenticationError on both SDKs")

expect_error(
    openai.RateLimitError,
    lambda: oai.chat.completions.create(model="capped", messages=HELLO),
    "budget",
)
expect_error(
    anthropic.RateLimitError,
    lambda: ant.messages.create(model="capped", max_tokens=64, messages=HELLO),
    "budget",
)
ok("over budget: RateLimitError naming the budget")

expect_error(
    openai.NotFoundError,
    lambda: oai.chat.completions.create(model="no-such-route", messages=HELLO),
    "default",
)
expect_error(
    anthropic.NotFoundError,
    lambda: ant.messages.create(model="no-such-route", max_tokens=64, messages=HELLO),
    "claude",
)
ok("an unknown model: NotFoundError listing the routes")

print("all cases passed", flush=True)
sys.exit(0)
