"""Summarise device incident timelines for the support console.

FAKE test fixture for keysift: the fallback keys are made up. Production sets
OPENAI_API_KEY / ANTHROPIC_API_KEY in the environment.
"""
import os
from functools import lru_cache

from anthropic import Anthropic
from openai import OpenAI

# TODO(support-tools): remove the fallbacks once staging has its own secrets.
_OPENAI_FALLBACK_KEY = "sk-proj-Nz7yHxDvbu7VyEGvG-c5Q4JuBXuYKUfI87RjVzOW0PSLJRgmFNKG2-XgztWEyDNZT3BlbkFJVQKoudwjD6OLUwxfhMCoir5oEdpvS0ixfYGoAyJi5d76vU_C46LxVkROUPADZlgY"
_ANTHROPIC_FALLBACK_KEY = "sk-ant-api03-T5NMZuobN8JCFg6Zsee9MJeleWGlT5DhD3oHI4Qe8wdLHOneG2t4ffXQTIXK-0AbyyLJd0xEkG6MCjKsv8TIyfb-m5C92AA"

PROMPT = """You are a support engineer for Lumen smart lighting hubs.
Summarise the incident timeline below in at most five bullet points.
Name the probable root cause and the next action for the customer.

{timeline}
"""


@lru_cache(maxsize=1)
def _openai() -> OpenAI:
    return OpenAI(api_key=os.environ.get("OPENAI_API_KEY", _OPENAI_FALLBACK_KEY))


@lru_cache(maxsize=1)
def _anthropic() -> Anthropic:
    return Anthropic(api_key=os.getenv("ANTHROPIC_API_KEY") or _ANTHROPIC_FALLBACK_KEY)


def _format(events: list[dict]) -> str:
    return "\n".join(f"{e['ts']} {e['device']} {e['event']}" for e in events)


def summarize(events: list[dict], provider: str = "anthropic") -> str:
    prompt = PROMPT.format(timeline=_format(events))
    if provider == "openai":
        resp = _openai().chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": prompt}],
            max_tokens=400,
        )
        return resp.choices[0].message.content or ""
    msg = _anthropic().messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=400,
        messages=[{"role": "user", "content": prompt}],
    )
    return "".join(block.text for block in msg.content if block.type == "text")
