"""Every event the Swift integration tests got accepted by the daemon, and a simulated year,
validated against the event JSON Schemas. scripts/test collects the accepted events into the
NDJSON file named by GONGKAI_SENT_EVENTS and writes a simulated year to
GONGKAI_SIMULATED_YEAR, then runs this file after the Swift tests."""

import json
import os
from pathlib import Path

import pytest

from test_schemas import event_validator


def events_from(variable):
    path = os.environ.get(variable)
    if not path:
        pytest.skip(f"{variable} is not set (scripts/test sets it)")
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines, f"{path} holds no events: the run that should have filled it sent none"
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("variable", ["GONGKAI_SENT_EVENTS", "GONGKAI_SIMULATED_YEAR"])
def test_accepted_events_match_their_schema(variable):
    validators = {}
    failures = []
    events = events_from(variable)
    for event in events:
        event_type = event.get("type")
        if event_type not in validators:
            validators[event_type] = event_validator(event_type)
        first = next(iter(validators[event_type].iter_errors(event)), None)
        if first is not None:
            failures.append(f"{event.get('id')}: {first.message}")
    assert not failures, f"{len(failures)} of {len(events)} events do not match their schema: {failures[:5]}"
