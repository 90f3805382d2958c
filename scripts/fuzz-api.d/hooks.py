"""schemathesis hooks for scripts/fuzz-api."""

import base64
import json

import schemathesis
from schemathesis.generation import GenerationMode


def _issued_by_the_server(cursor):
    """Whether `cursor` has the shape the server issues: base64url of a
    JSON pair `[list kind, position]`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        pair = json.loads(raw)
    except (ValueError, TypeError):
        return False
    return isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)


@schemathesis.hook
def map_case(ctx, case):
    """Positive cases leave out a `cursor` the server did not issue.

    A cursor is valid only as the server issued it (the encoded position in
    one list): no value drawn from its documented pattern names a page, and
    the server rightly answers 400 `invalid_cursor`. Negative cases keep
    their cursors (the server must refuse them), and real ones, which the
    stateful phase takes from `next_cursor` through the `NextPage` links,
    are kept.
    """
    meta = case.meta
    cursor = (case.query or {}).get("cursor")
    if (
        meta is not None
        and meta.generation.mode == GenerationMode.POSITIVE
        and isinstance(cursor, str)
        and cursor
        and not _issued_by_the_server(cursor)
    ):
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    return case
