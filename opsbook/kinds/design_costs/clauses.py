"""The clauses of 運營規章制度3 §一–§三 (duties, the budget, design requests and costs), with
the id scheme of CLAUSES.md; its §四 (the website) is the posts kind's."""

from __future__ import annotations

from ...regulations import DUTY, Clause, many

R3 = [
    *many("R3-1.", range(1, 16), "operations department duties", DUTY),
    *many("R3-2.", [1, 2], "organisation and staffing", DUTY),
    Clause("R3-2.3", "operations management rules", None, "covered by R3-2.3.1 (budget check)"),
    Clause("R3-2.3.1", "yearly plan and cost budget approved before use", "agg"),
    *many("R3-2.3.", range(2, 8), "operations programme follow-up and reporting", DUTY),
    Clause("R3-2.4", "operations plans drafted by the department head and approved", None, DUTY),
    Clause("R3-3.1", "design request form signed by the requesting department's head", "row"),
    Clause("R3-3.2", "incomplete forms returned; complete ones scheduled and assigned", "row"),
    Clause(
        "R3-3.3",
        "design work schedule drawn up by the department head",
        None,
        "the schedule itself is not part of the ledger",
    ),
    Clause("R3-3.4", "design starts only from the signed form", "row"),
    Clause("R3-3.5", "proofing/production budget signed by the department head", "row"),
    Clause("R3-3.6", "design cycle table kept; exceptions raised in advance", "row"),
    Clause("R3-3.7", "design approved by the department head, then confirmed by the GM", "row"),
    Clause("R3-3.8", "production ordered only with the GM's signed confirmation", "row"),
    Clause("R3-3.9", "designers follow up delivery", "row"),
    Clause("R3-3.10", "items warehoused and the requester told", "row"),
    Clause("R3-3.11", "designers guide departments on layout and display", None, DUTY),
    Clause("R3-3.12", "early each month last month's items settled, signed, approved, paid", "sum"),
]


CLAUSES = {"運營規章制度3 — design requests and costs (design_costs), website profile (posts)": R3}
