"""The clauses of 運營規章制度2 (household gas inspections), with the id scheme of CLAUSES.md."""

from __future__ import annotations

from ...regulations import CONDUCT, Clause, many

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
    *many("R2-1.", [7, 8], "interpretation and entry into force", "supplementary provisions"),
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
    *many("R2-2.", [10, 11], "interpretation and entry into force", "supplementary provisions"),
    Clause("R2-3.1", "purpose of the staff rules", None, "purpose statement"),
    Clause("R2-3.2", "staff wear their work card", "row"),
    *many("R2-3.", [3, 4, 5], "courtesy, safety first, convenience", CONDUCT),
    Clause("R2-3.6", "no extra fees collected", "row"),
    Clause("R2-3.7", "no unreasonable demands or gifts", None, CONDUCT),
    Clause("R2-3.8", "no installing or altering gas facilities without approval", "row"),
    *many(
        "R2-3.", [9, 10, 11, 12], "no favours, patient answers, site discipline, clean-up", CONDUCT
    ),
    *many("R2-3.", [13, 14], "interpretation and entry into force", "supplementary provisions"),
]


CLAUSES = {"運營規章制度2 — gas inspection and household safety checks (inspections)": R2}
