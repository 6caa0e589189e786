"""The clauses of 運營規章制度1 (the post log) and of 運營規章制度3 §四 (the website profile,
``posts.profile = "R3"``), with the id scheme of CLAUSES.md."""

from __future__ import annotations

from ...regulations import DUTY, MEETING, Clause, many

R1 = [
    *many("R1-", ["1.1", "1.2"], "general: management and staff requirements", DUTY),
    *many("R1-2.1.", range(1, 7), "content operations specialist duties", DUTY),
    *many("R1-2.2.", range(1, 6), "information channel specialist duties", DUTY),
    *many("R1-2.3.", range(1, 6), "promotion specialist duties", DUTY),
    *many("R1-2.4.", range(1, 7), "operations manager duties", DUTY),
    *many(
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
    *many("R1-4.3.", range(1, 6), "operations manager powers (domain, vendors, design)", DUTY),
    *many("R1-4.4.", range(1, 5), "operations staff powers", DUTY),
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
    *many("R1-5.3.", [1, 2, 4, 5], "operations manager powers for new media", DUTY),
    *many("R1-5.4.", range(1, 5), "operations staff powers for new media", DUTY),
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
    *many("R1-7.", range(1, 5), "office equipment", "office equipment use: not in workbook data"),
    *many("R1-8.", range(1, 3), "supplementary provisions", "interpretation and entry into force"),
]


R3_WEBSITE = [
    Clause("R3-4.1", "the website as the company's window", None, "purpose statement"),
    Clause("R3-4.2", "website sections set by the department head", None, DUTY),
    *many("R3-4.3.", [1, 2], "web editors update and answer for their sections", DUTY),
    Clause("R3-4.3.3", "every web post reviewed by the operations head, then GM-confirmed", "row"),
    *many("R3-4.3.", [4, 5], "website technical and editorial powers", DUTY),
    *many("R3-4.", [4, 5], "back-office manager keeps pages consistent", DUTY),
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


CLAUSES = {
    "運營規章制度1 — new-media operations (posts)": R1,
    "運營規章制度3 — design requests and costs (design_costs), website profile (posts)": R3_WEBSITE,
}
