"""Every clause of the three regulations, with the id scheme of CLAUSES.md.

A clause whose ``check`` is set (row, agg or sum) is checked by rules in the catalog or a
summary (docs/coverage.md, generated, shows which); the others carry the reason no workbook
data can show them kept or broken.
A test fails when a checkable clause has no rule or a rule cites an unknown clause.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    id: str
    gloss: str
    check: str | None  # row / agg / sum / None (not checkable from workbook data)
    reason: str = ""  # why not checkable, or which rules cover it indirectly


DUTY = "duties and organisation: not recorded in any workbook"
CONDUCT = "conduct during visits: not recorded in the inspection sheet"
MEETING = "a meeting: not recorded in workbook data"


def _many(prefix: str, numbers, gloss: str, reason: str) -> list[Clause]:
    return [Clause(f"{prefix}{n}", gloss, None, reason) for n in numbers]


R1 = [
    *_many("R1-", ["1.1", "1.2"], "general: management and staff requirements", DUTY),
    *_many("R1-2.1.", range(1, 7), "content operations specialist duties", DUTY),
    *_many("R1-2.2.", range(1, 6), "information channel specialist duties", DUTY),
    *_many("R1-2.3.", range(1, 6), "promotion specialist duties", DUTY),
    *_many("R1-2.4.", range(1, 7), "operations manager duties", DUTY),
    *_many(
        "R1-", ["3.1", "3.2", "3.2.1", "3.2.2", "3.2.3"], "purpose and forms of operations", DUTY
    ),
    Clause("R1-4.1", "website sections set by the department head", None, DUTY),
    Clause(
        "R1-4.2.1",
        "website sections updated by assigned specialists",
        None,
        "organisation; the responsible person per post is checked under R1-4.2.2",
    ),
    Clause("R1-4.2.2", "each website module has a responsible person for truthfulness", "row"),
    Clause("R1-4.2.3", "every website post reviewed by the operations manager", "row"),
    Clause("R1-4.2.4", "company-project web posts: manager review, then GM confirmation", "row"),
    *_many("R1-4.3.", range(1, 6), "operations manager powers (domain, vendors, design)", DUTY),
    *_many("R1-4.4.", range(1, 5), "operations staff powers", DUTY),
    Clause("R1-4.5.1", "website updated at least 3 times a week", "agg"),
    Clause(
        "R1-4.5.2", "major news online within 3 working days of the event, with pictures", "row"
    ),
    Clause("R1-4.5.3", "major promotion announced 3 days before it starts", "row"),
    Clause("R1-4.5.4", "fixed website sections checked and updated monthly", "agg"),
    Clause(
        "R1-4.5.5",
        "completion counts in the owner's assessment",
        None,
        "staff assessment: not recorded in workbook data",
    ),
    Clause("R1-5.1", "new-media sections set by the department head", None, DUTY),
    Clause(
        "R1-5.2.1",
        "new-media sections updated by assigned staff",
        None,
        "organisation; the responsible person per post is checked under R1-5.2.2",
    ),
    Clause("R1-5.2.2", "each new-media module has a responsible person for truthfulness", "row"),
    Clause("R1-5.2.3", "every new-media post reviewed by the operations manager", "row"),
    Clause(
        "R1-5.2.4", "company-project new-media posts: manager review, then GM confirmation", "row"
    ),
    *_many("R1-5.3.", [1, 2, 4, 5], "operations manager powers for new media", DUTY),
    *_many("R1-5.4.", range(1, 5), "operations staff powers for new media", DUTY),
    Clause("R1-5.5.1", "new media updated every day, checked by the manager", "agg"),
    Clause("R1-5.5.2", "major news on new media within 3 working days, with pictures", "row"),
    Clause("R1-5.5.3", "major promotion on new media 3 days before it starts", "row"),
    Clause("R1-5.5.4", "fixed new-media sections reorganised and updated monthly", "agg"),
    Clause(
        "R1-5.5.5",
        "completion counts in the owner's assessment",
        None,
        "staff assessment: not recorded in workbook data",
    ),
    Clause("R1-6.1", "all company accounts managed centrally by the department", "row"),
    Clause(
        "R1-6.2",
        "account passwords kept within the department",
        None,
        "password handling leaves no trace in a workbook",
    ),
    Clause(
        "R1-6.3",
        "general information published by its owner after manager review",
        None,
        "covered by the review rules posts.*.review_* (R1-4.2.3 / R1-5.2.3)",
    ),
    Clause("R1-6.4", "no emotional personal opinions", "row"),
    Clause("R1-6.5", "no undisclosed inside information, no unverified rumours", "row"),
    Clause(
        "R1-6.6",
        "no personal accounts run during work hours",
        None,
        "personal accounts are not in the company's workbooks",
    ),
    Clause("R1-6.7", "user messages answered within 12 hours and recorded", "row"),
    Clause(
        "R1-6.8", "Monday 14:30 weekly meeting with last week's data against the week before", "sum"
    ),
    Clause(
        "R1-6.9",
        "1st-of-month 14:30 monthly meeting with the month against the month before",
        "sum",
    ),
    *_many("R1-7.", range(1, 5), "office equipment", "office equipment use: not in workbook data"),
    *_many("R1-8.", range(1, 3), "supplementary provisions", "interpretation and entry into force"),
]

R2 = [
    Clause("R2-1.1", "purpose of the gas inspection rules", None, "purpose statement"),
    Clause("R2-1.2", "customers not buying gas for 3 months blacklisted and followed up", "agg"),
    Clause("R2-1.3", "gas theft: stop supply, claim compensation", "row"),
    Clause(
        "R2-1.3.1",
        "theft: stop the theft, stop supply, claim losses",
        None,
        "checked under R2-1.3 (CLAUSES.md cites the article): theft found → supply stopped",
    ),
    Clause(
        "R2-1.3.2",
        "serious theft referred to the judiciary",
        None,
        "legal referral is not recorded in the inspection sheet",
    ),
    Clause(
        "R2-1.3.3",
        "obstructive customers reported for penalties",
        None,
        "not recorded in the inspection sheet",
    ),
    Clause("R2-1.4", "anti-theft seal fitted where missing during the inspection", "row"),
    Clause("R2-1.4.1", "damaged seal reported to management, household inspected", "row"),
    Clause("R2-1.4.2", "pipeline altered without permit: ordered to rectify", "row"),
    Clause("R2-1.4.3", "private water heater/boiler: rectify or report", "row"),
    Clause("R2-1.5", "pipeline built over: recorded and handled", "row"),
    Clause("R2-1.6", "public-service and industrial customers inspected closely", "agg"),
    *_many("R2-1.", [7, 8], "interpretation and entry into force", "supplementary provisions"),
    Clause("R2-2.1", "residential customers inspected twice a year; uniform and badge", "agg"),
    Clause("R2-2.2", "damaged equipment: remind the customer, report to the company", "row"),
    Clause("R2-2.3", "pipe altered/earthed/corroded/loaded, hose long or damaged: rectify", "row"),
    Clause("R2-2.4", "non-compliant appliances: explain and advise", "row"),
    Clause("R2-2.5", "check for leaks, stove pressure and meter", "row"),
    Clause("R2-2.6", "help customers with their requests", None, CONDUCT),
    Clause("R2-2.7", "passed inspection signed by the customer; no entry: reason stated", "row"),
    Clause("R2-2.8", "gas-use certificate and record filled in after the inspection", "row"),
    Clause(
        "R2-2.9",
        "inspection records kept for audit",
        None,
        "record keeping itself; the workbook is the record",
    ),
    *_many("R2-2.", [10, 11], "interpretation and entry into force", "supplementary provisions"),
    Clause("R2-3.1", "purpose of the staff rules", None, "purpose statement"),
    Clause("R2-3.2", "staff wear their work card", "row"),
    *_many("R2-3.", [3, 4, 5], "courtesy, safety first, convenience", CONDUCT),
    Clause("R2-3.6", "no extra fees collected", "row"),
    Clause("R2-3.7", "no unreasonable demands or gifts", None, CONDUCT),
    Clause("R2-3.8", "no installing or altering gas facilities without approval", "row"),
    *_many(
        "R2-3.", [9, 10, 11, 12], "no favours, patient answers, site discipline, clean-up", CONDUCT
    ),
    *_many("R2-3.", [13, 14], "interpretation and entry into force", "supplementary provisions"),
]

R3 = [
    *_many("R3-1.", range(1, 16), "operations department duties", DUTY),
    *_many("R3-2.", [1, 2], "organisation and staffing", DUTY),
    Clause("R3-2.3", "operations management rules", None, "covered by R3-2.3.1 (budget check)"),
    Clause("R3-2.3.1", "yearly plan and cost budget approved before use", "agg"),
    *_many("R3-2.3.", range(2, 8), "operations programme follow-up and reporting", DUTY),
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
    Clause("R3-4.1", "the website as the company's window", None, "purpose statement"),
    Clause("R3-4.2", "website sections set by the department head", None, DUTY),
    *_many("R3-4.3.", [1, 2], "web editors update and answer for their sections", DUTY),
    Clause("R3-4.3.3", "every web post reviewed by the operations head, then GM-confirmed", "row"),
    *_many("R3-4.3.", [4, 5], "website technical and editorial powers", DUTY),
    *_many("R3-4.", [4, 5], "back-office manager keeps pages consistent", DUTY),
    Clause("R3-4.6.1", "website updated at least once a week", "agg"),
    Clause("R3-4.6.2", "major news online within 3 working days", "row"),
    Clause("R3-4.6.3", "promotions announced 3 days ahead", "row"),
    Clause("R3-4.6.4", "fixed sections checked and updated monthly", "agg"),
    Clause(
        "R3-4.6.5",
        "completion counts in year-end assessment",
        None,
        "staff assessment: not recorded in workbook data",
    ),
    Clause("R3-4.7", "quarterly website management meeting", None, MEETING),
]

REGULATIONS = {
    "運營規章制度1 — new-media operations (posts)": R1,
    "運營規章制度2 — gas inspection and household safety checks (inspections)": R2,
    "運營規章制度3 — design requests and costs (design_costs), website profile (posts)": R3,
}
CLAUSES = {c.id: c for group in REGULATIONS.values() for c in group}
