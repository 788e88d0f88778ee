"""Schemathesis hooks of the fuzz suite (loaded through SCHEMATHESIS_HOOKS): besides what the schemas
allow, query-string values also get NUL and other control characters. Generated strings rarely hold them,
and a NUL in a filter once answered 500 on three services."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

CONTROLS = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\u2028"])


def _spiked(value: str) -> st.SearchStrategy[str]:
    return st.builds(lambda c, at: value[:at] + c + value[at:], CONTROLS, st.integers(0, len(value)))


def _spike_strings(values: dict | None) -> st.SearchStrategy:
    if not values:
        return st.just(values)
    keys = [k for k, v in values.items() if isinstance(v, str)]
    if not keys:
        return st.just(values)

    def spike(choice: tuple[str, str] | None) -> dict:
        if choice is None:
            return values
        key, spiked = choice
        return {**values, key: spiked}

    one = st.sampled_from(keys).flatmap(lambda k: _spiked(values[k]).map(lambda s: (k, s)))
    # about half the cases keep what the schema generated, the other half carry a control character
    return st.one_of(st.none(), one).map(spike)


@schemathesis.hook
def flatmap_query(ctx, query):
    return _spike_strings(query)
