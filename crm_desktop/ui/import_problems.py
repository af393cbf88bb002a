"""The import's per-row problems in the user's language: the service reports a code with its
arguments (services.customer_import.PROBLEM_TEXTS, English); the same texts go through
QCoreApplication.translate here, so lupdate finds them and the zh_CN catalogue translates them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QCoreApplication

from crm_desktop.importers.source import READER_PROBLEMS
from crm_desktop.services.customer_import import PROBLEM_TEXTS, RowProblem


def _texts() -> dict[str, str]:
    # Literal strings, so that lupdate sees each one (the same as the service's English).
    return {
        "no_name": QCoreApplication.translate("ImportProblems", "no customer name; row skipped"),
        "name_too_long": QCoreApplication.translate(
            "ImportProblems", "customer name longer than {limit} characters"
        ),
        "name_no_letters": QCoreApplication.translate(
            "ImportProblems", "customer name '{name}' has no letters"
        ),
        "bad_phone": QCoreApplication.translate(
            "ImportProblems", "{field} '{value}' is not a valid phone number; kept as written"
        ),
        "bad_birthday": QCoreApplication.translate(
            "ImportProblems", "birthday '{value}' is not a date; left empty"
        ),
        "unknown_kind": QCoreApplication.translate(
            "ImportProblems", "kind '{value}' is unknown; company assumed"
        ),
        "unknown_status": QCoreApplication.translate(
            "ImportProblems", "status '{value}' is unknown; prospect assumed"
        ),
        "unknown_source": QCoreApplication.translate(
            "ImportProblems", "source '{value}' is unknown; 'other' assumed"
        ),
        "cut": QCoreApplication.translate(
            "ImportProblems", "{field} longer than {limit} characters; cut"
        ),
        "bad_email": QCoreApplication.translate(
            "ImportProblems", "email '{value}' does not look like an address; kept as written"
        ),
        "contact_without_name": QCoreApplication.translate(
            "ImportProblems", "contact details without a contact name were not imported"
        ),
        "duplicate_row_same": QCoreApplication.translate(
            "ImportProblems", "duplicate of row {other} (same {why}); skipped"
        ),
        "duplicate_row": QCoreApplication.translate(
            "ImportProblems", "duplicate of row {other}; skipped"
        ),
        "unknown_owner": QCoreApplication.translate(
            "ImportProblems", "owner '{value}' is not a user; default owner used"
        ),
        "unknown_grade": QCoreApplication.translate(
            "ImportProblems", "grade '{value}' is unknown; left empty"
        ),
        "unknown_region": QCoreApplication.translate(
            "ImportProblems", "region '{value}' is unknown; left empty"
        ),
        "owner_refused_me": QCoreApplication.translate(
            "ImportProblems", "you may not give a customer to {name}; assigned to you"
        ),
        "owner_refused_pool": QCoreApplication.translate(
            "ImportProblems", "you may not give a customer to {name}; put in the public pool"
        ),
        "nothing_new": QCoreApplication.translate(
            "ImportProblems", "nothing new for customer #{id} {name}"
        ),
        "similar_hidden": QCoreApplication.translate(
            "ImportProblems", "a similar customer exists (owner {owner}); skipped"
        ),
        "similar_in_pool": QCoreApplication.translate(
            "ImportProblems", "a similar customer exists (owner the public pool); skipped"
        ),
        "duplicate_customer": QCoreApplication.translate(
            "ImportProblems", "duplicate of customer #{id} {name} (same {why})"
        ),
        "pool_claim_first": QCoreApplication.translate(
            "ImportProblems",
            "customer #{id} {name} is in the public pool: claim it to update it; skipped",
        ),
        "not_yours": QCoreApplication.translate(
            "ImportProblems", "you may not change customer #{id} {name}; skipped"
        ),
    }


def _reader_texts() -> dict[str, str]:
    """importers.source.READER_PROBLEMS, translated."""
    return {
        "unclosed_quote": QCoreApplication.translate(
            "ImportProblems", 'a quoted field is never closed (a " is missing)'
        ),
        "field_too_long": QCoreApplication.translate(
            "ImportProblems", "a field is longer than {limit} characters; the row is not read"
        ),
        "field_too_long_n": QCoreApplication.translate(
            "ImportProblems",
            "a field is longer than {limit} characters ({length}); the row is not read",
        ),
        "line_too_long": QCoreApplication.translate(
            "ImportProblems", "the line is longer than {limit} characters; it is not read"
        ),
        "too_many_values": QCoreApplication.translate(
            "ImportProblems", "the row has {n} values but there are only {width} columns"
        ),
        "too_many_values_quote": QCoreApplication.translate(
            "ImportProblems",
            "the row has {n} values but there are only {width} columns; "
            'a quoted field is probably not closed (a " is missing)',
        ),
        "bad_bytes": QCoreApplication.translate(
            "ImportProblems",
            "some bytes are not valid {codec} (shown as \ufffd); choose another encoding",
        ),
        "too_many_rows": QCoreApplication.translate(
            "ImportProblems", "more than {limit} rows; the rest is not read"
        ),
        "beyond_columns": QCoreApplication.translate(
            "ImportProblems", "the row has values beyond the last of the {width} columns"
        ),
        "too_many_cards": QCoreApplication.translate(
            "ImportProblems", "more than {limit} cards; the rest is not read"
        ),
        "card_unreadable": QCoreApplication.translate(
            "ImportProblems", "card {number} cannot be read: {reason}"
        ),
        "card_empty": QCoreApplication.translate(
            "ImportProblems", "card {number} has no name, organisation or number"
        ),
        "card_bad_bytes": QCoreApplication.translate(
            "ImportProblems",
            "some bytes cannot be decoded (shown as \ufffd); choose another encoding",
        ),
        "card_not_closed": QCoreApplication.translate(
            "ImportProblems", "the card is not closed (END:VCARD is missing)"
        ),
        "last_card_not_closed": QCoreApplication.translate(
            "ImportProblems", "the last card is not closed (END:VCARD is missing)"
        ),
        "card_too_long": QCoreApplication.translate(
            "ImportProblems", "the card is longer than {limit} characters"
        ),
    }


def _words() -> dict[str, str]:
    """The field words that fill {why} and {field}."""
    return {
        "name": QCoreApplication.translate("ImportProblems", "name"),
        "phone": QCoreApplication.translate("ImportProblems", "phone"),
        "mobile": QCoreApplication.translate("ImportProblems", "mobile"),
        "email": QCoreApplication.translate("ImportProblems", "email"),
    }


def problem_text(problem: RowProblem) -> str:
    """``problem`` in the UI language (its English text for a code this build does not know)."""
    if problem.code.startswith("reader."):
        code = problem.code.removeprefix("reader.")
        template = _reader_texts().get(code) if code in READER_PROBLEMS else None
    else:
        template = _texts().get(problem.code) if problem.code in PROBLEM_TEXTS else None
    if template is None:
        return problem.reason
    words = _words()
    args = {k: words.get(v, v) if k in ("why", "field") else v for k, v in problem.args}
    try:
        return template.format(**args)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return problem.reason


def translated(problems: list[RowProblem] | tuple[RowProblem, ...]) -> list[RowProblem]:
    """The problems with their text in the UI language (for the downloadable CSV)."""
    return [replace(p, reason=problem_text(p)) for p in problems]
