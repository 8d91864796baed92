"""Each report's figures by one hand-written SQL statement: the lower bound a report is measured against.

Every statement is what one would write by hand for the national, unfiltered report: one
pass with GROUP BY and conditional counts (``COUNT(*) FILTER (WHERE ...)``, which SQLite
has had since 3.30), with per-incident counts prepared in a CTE where a report counts
several kinds of rows. Results are ``{table: {row value: {column: count}}}``, as the
report's tables are keyed, so the bench can check that both give the same figures.
"""

import datetime

FINAL = "NOT EXISTS (SELECT 1 FROM cases_appeal a WHERE a.measure_id = m.id AND a.outcome IN ('changed', 'revoked'))"


def year(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})::int"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def plus_days(vendor: str, column: str, days: int) -> str:
    return f"({column} + {days})" if vendor == "postgresql" else f"date({column}, '+{days} days')"


def offices(vendor: str):
    sql = f"""
        SELECT o.code, COUNT(*),
               COUNT(*) FILTER (WHERE m.number IN (1, 2, 3)),
               COUNT(*) FILTER (WHERE m.number IN (4, 5, 6)),
               COUNT(*) FILTER (WHERE m.number IN (7, 8, 9)),
               COUNT(*) FILTER (WHERE m.number = 9)
        FROM cases_measure m
        JOIN cases_committeecase c ON c.id = m.committee_case_id
        JOIN cases_incident i ON i.id = c.incident_id
        JOIN core_office o ON o.id = i.office_id
        WHERE m.law = 'art17' AND {FINAL}
        GROUP BY o.code"""
    return sql, {"main": ("measures", "off_record", "recorded", "heavy", "expulsion")}


def measures(vendor: str):
    sql = f"""
        SELECT m.number, COUNT(*) FROM cases_measure m
        WHERE m.law = 'art17' AND {FINAL}
        GROUP BY m.number"""
    return sql, {"main": ("count",)}


def _referred(kind: str, *, people: str = "") -> str:
    """Per incident referred to a committee of ``kind``: whether heard, and its people of interest."""
    return f"""
        referred AS (
            SELECT c.incident_id, MAX(CASE WHEN c.hearing_date IS NOT NULL THEN 1 ELSE 0 END) AS heard
            FROM cases_committeecase c JOIN core_committee k ON k.id = c.committee_id
            WHERE k.kind = '{kind}' GROUP BY c.incident_id
        )"""


def yearly(vendor: str):
    sql = f"""
        WITH {_referred("school_violence")},
        offenders AS (
            SELECT incident_id, COUNT(*) AS n FROM cases_offender WHERE kind = 'student' GROUP BY incident_id
        ),
        victims AS (
            SELECT incident_id, COUNT(*) AS n FROM cases_victim WHERE kind = 'student' GROUP BY incident_id
        )
        SELECT {year(vendor, "i.report_date")}, COUNT(*), SUM(r.heard), COALESCE(SUM(o.n), 0), COALESCE(SUM(v.n), 0)
        FROM cases_incident i
        JOIN referred r ON r.incident_id = i.id
        LEFT JOIN offenders o ON o.incident_id = i.id
        LEFT JOIN victims v ON v.incident_id = i.id
        GROUP BY 1"""
    return sql, {"main": ("reports", "heard", "offenders", "student_victims")}


def survey(vendor: str):
    sql = """
        SELECT 'all', r.*, t.*, v.* FROM (
            SELECT COUNT(*),
                   COUNT(*) FILTER (WHERE s.level = 'elementary'),
                   COUNT(*) FILTER (WHERE s.level = 'middle'),
                   COUNT(*) FILTER (WHERE s.level = 'high'),
                   COUNT(*) FILTER (WHERE s.level = 'special'),
                   COUNT(*) FILTER (WHERE i.police_referred_on IS NOT NULL)
            FROM cases_incident i JOIN core_school s ON s.id = i.school_id
        ) r, (SELECT COUNT(*) FROM cases_takedownrequest) t, (
            SELECT COUNT(*),
                   COUNT(*) FILTER (WHERE kind = 'student'),
                   COUNT(*) FILTER (WHERE kind = 'teacher'),
                   COUNT(*) FILTER (WHERE kind = 'staff')
            FROM cases_victim
        ) v"""
    columns = ("reports", "elementary", "middle", "high", "special", "police", "takedown")
    columns += ("victims", "student_victims", "teacher_victims", "staff_victims")
    return sql, {"main": columns}


def teacher_rights(vendor: str):
    sql = f"""
        WITH {_referred("teacher_rights")},
        teachers AS (
            SELECT incident_id, COUNT(*) AS n FROM cases_victim WHERE kind = 'teacher' GROUP BY incident_id
        ),
        students AS (
            SELECT incident_id, COUNT(*) AS n FROM cases_offender WHERE kind = 'student' GROUP BY incident_id
        ),
        measures AS (
            SELECT c.incident_id, COUNT(*) AS n,
                   {", ".join(f"COUNT(*) FILTER (WHERE m.number = {n}) AS n{n}" for n in range(1, 8))}
            FROM cases_measure m JOIN cases_committeecase c ON c.id = m.committee_case_id
            WHERE m.law = 'art25' AND {FINAL}
            GROUP BY c.incident_id
        )
        SELECT {year(vendor, "i.report_date")}, COUNT(r.incident_id), COALESCE(SUM(t.n), 0), COALESCE(SUM(s.n), 0),
               COALESCE(SUM(m.n), 0), {", ".join(f"COALESCE(SUM(m.n{n}), 0)" for n in range(1, 8))}
        FROM cases_incident i
        LEFT JOIN referred r ON r.incident_id = i.id
        LEFT JOIN teachers t ON t.incident_id = i.id AND r.incident_id IS NOT NULL
        LEFT JOIN students s ON s.incident_id = i.id AND r.incident_id IS NOT NULL
        LEFT JOIN measures m ON m.incident_id = i.id
        WHERE r.incident_id IS NOT NULL OR m.incident_id IS NOT NULL
        GROUP BY 1"""
    columns = ("reports", "teacher_victims", "student_offenders", "measures")
    return sql, {"main": columns + tuple(f"measure_{n}" for n in range(1, 8))}


def channels(vendor: str):
    sql = """
        SELECT 'channels', c.code, COUNT(*) FROM cases_incident_channels ic
        JOIN core_channel c ON c.id = ic.channel_id GROUP BY c.code
        UNION ALL
        SELECT 'sources', image_source, COUNT(*) FROM cases_incident GROUP BY image_source"""
    return sql, {"channels": ("reports",), "sources": ("reports",)}


def timeliness(vendor: str):
    today = datetime.date.today()
    d21, d28 = (f"'{(today - datetime.timedelta(days=n)).isoformat()}'" for n in (21, 28))
    at21, at28 = plus_days(vendor, "c.requested_on", 21), plus_days(vendor, "c.requested_on", 28)
    sql = f"""
        SELECT o.code, COUNT(*),
            COUNT(*) FILTER (WHERE c.hearing_date IS NOT NULL),
            COUNT(*) FILTER (WHERE c.hearing_date <= {at21}),
            COUNT(*) FILTER (WHERE c.extended_on IS NOT NULL AND c.hearing_date > {at21} AND c.hearing_date <= {at28}),
            COUNT(*) FILTER (WHERE (c.extended_on IS NULL AND c.hearing_date > {at21})
                                OR (c.extended_on IS NOT NULL AND c.hearing_date > {at28})),
            COUNT(*) FILTER (WHERE c.hearing_date IS NULL AND c.closed_on IS NULL
                                AND ((c.extended_on IS NULL AND c.requested_on < {d21})
                                     OR (c.extended_on IS NOT NULL AND c.requested_on < {d28}))),
            COUNT(*) FILTER (WHERE c.closed_on IS NOT NULL)
        FROM cases_committeecase c
        JOIN cases_incident i ON i.id = c.incident_id
        JOIN core_office o ON o.id = i.office_id
        GROUP BY o.code"""
    return sql, {"main": ("referred", "heard", "within_21", "within_28", "late", "overdue", "closed")}


QUERIES = {
    "offices": offices,
    "measures": measures,
    "yearly": yearly,
    "survey": survey,
    "teacher-rights": teacher_rights,
    "channels": channels,
    "timeliness": timeliness,
}


def run(connection, name: str) -> dict:
    """The figures of report ``name`` by its hand-written statement, keyed like the report's tables."""
    sql, tables = QUERIES[name](connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchall()
    figures: dict = {table: {} for table in tables}
    for row in found:
        if len(tables) > 1:
            table, value, *counts = row
        else:
            (table,), (value, *counts) = tables, row
        figures[table][value] = dict(zip(tables[table], (int(c or 0) for c in counts), strict=True))
    return figures


def sql_of(connection, name: str) -> str:
    return QUERIES[name](connection.vendor)[0]
