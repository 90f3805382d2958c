"""schemathesis hooks for scripts/fuzz-api."""

import schemathesis
from schemathesis.generation import GenerationMode


@schemathesis.hook
def map_case(ctx, case):
    """Positive cases outside the stateful phase leave out `cursor`.

    A cursor is valid only as the server issued it (the encoded position in
    one list): no value drawn from its documented pattern names a page, and
    the server rightly answers 400 `invalid_cursor`. Negative cases keep
    their cursors (the server must refuse them), and the stateful phase
    follows real ones through the `NextPage` links.
    """
    meta = case.meta
    if (
        meta is not None
        and meta.generation.mode == GenerationMode.POSITIVE
        and meta.phase.name != "stateful"
        and case.query
        and "cursor" in case.query
    ):
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    return case
