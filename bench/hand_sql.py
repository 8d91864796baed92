"""Each report's figures by one hand-written SQL statement: the lower bound a report is measured against.

Every statement is what one would write by hand for the national, unfiltered report, on the
same schema the report reads (the incident's stored referral flags included): GROUP BY and
conditional counts (``COUNT(*) FILTER (WHERE ...)``, which SQLite has had since 3.30), one
grouped part per kind of row where a report counts several, joined by UNION ALL. Results are
``{table: {row value: {column: count}}}``, as the report's tables are keyed, so the bench can
check that both give the same figures.
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


def yearly(vendor: str):
    # Referral and hearing are the incident's stored flags (``Incident.referred_to_*``), which the
    # case services keep: the same schema the report reads.
    y = year(vendor, "i.report_date")
    sql = f"""
        SELECT y, SUM(reports), SUM(heard), SUM(offenders), SUM(victims) FROM (
            SELECT {y} AS y, COUNT(*) FILTER (WHERE i.referred_to_school_violence_committee) AS reports,
                   COUNT(*) FILTER (WHERE i.heard_by_school_violence_committee) AS heard, 0 AS offenders, 0 AS victims
            FROM cases_incident i GROUP BY 1
            UNION ALL
            SELECT {y}, 0, 0, COUNT(*), 0 FROM cases_offender o JOIN cases_incident i ON i.id = o.incident_id
            WHERE o.kind = 'student' AND i.referred_to_school_violence_committee GROUP BY 1
            UNION ALL
            SELECT {y}, 0, 0, 0, COUNT(*) FROM cases_victim v JOIN cases_incident i ON i.id = v.incident_id
            WHERE v.kind = 'student' AND i.referred_to_school_violence_committee GROUP BY 1
        ) counts
        GROUP BY y"""
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
    y = year(vendor, "i.report_date")
    numbers = range(1, 8)
    zeros = ", ".join("0" for _n in numbers)
    sql = f"""
        SELECT y, SUM(reports), SUM(teachers), SUM(students), SUM(measures),
               {", ".join(f"SUM(n{n})" for n in numbers)} FROM (
            SELECT {y} AS y, COUNT(*) AS reports, 0 AS teachers, 0 AS students, 0 AS measures,
                   {", ".join(f"0 AS n{n}" for n in numbers)}
            FROM cases_incident i WHERE i.referred_to_teacher_rights_committee GROUP BY 1
            UNION ALL
            SELECT {y}, 0, COUNT(*), 0, 0, {zeros} FROM cases_victim v JOIN cases_incident i ON i.id = v.incident_id
            WHERE v.kind = 'teacher' AND i.referred_to_teacher_rights_committee GROUP BY 1
            UNION ALL
            SELECT {y}, 0, 0, COUNT(*), 0, {zeros} FROM cases_offender o JOIN cases_incident i ON i.id = o.incident_id
            WHERE o.kind = 'student' AND i.referred_to_teacher_rights_committee GROUP BY 1
            UNION ALL
            SELECT {y}, 0, 0, 0, COUNT(*), {", ".join(f"COUNT(*) FILTER (WHERE m.number = {n})" for n in numbers)}
            FROM cases_measure m JOIN cases_committeecase c ON c.id = m.committee_case_id
            JOIN cases_incident i ON i.id = c.incident_id
            WHERE m.law = 'art25' AND {FINAL} GROUP BY 1
        ) counts
        GROUP BY y"""
    columns = ("reports", "teacher_victims", "student_offenders", "measures")
    return sql, {"main": columns + tuple(f"measure_{n}" for n in numbers)}


def channels(vendor: str):
    """The links counted by channel, then joined to the channels' codes (grouped first, the join costs
    six rows, not 1.7 million); the incidents with no channel ("none", the report's "not recorded" row)
    are the incidents less those among the links; the number of incidents is the sum of the sources'
    counts. The channel table's total (each incident once) comes back apart, as "channels total": the
    bench compares the report's body rows, of which the total is not one."""
    # The incidents among the links, each once: PostgreSQL counts the groups of the index faster than
    # COUNT(DISTINCT ...), which SQLite runs fastest.
    if vendor == "postgresql":
        linked = "SELECT COUNT(*) AS n FROM (SELECT incident_id FROM cases_incident_channels GROUP BY incident_id) l"
    else:
        linked = "SELECT COUNT(DISTINCT incident_id) AS n FROM cases_incident_channels"
    sql = f"""
        WITH sources AS (SELECT image_source, COUNT(*) AS n FROM cases_incident GROUP BY image_source),
        incidents AS (SELECT SUM(n) AS n FROM sources),
        linked AS ({linked})
        SELECT 'channels', c.code, g.n
        FROM (SELECT channel_id, COUNT(*) AS n FROM cases_incident_channels GROUP BY channel_id) g
        JOIN core_channel c ON c.id = g.channel_id
        UNION ALL
        SELECT 'channels', 'none', i.n - l.n FROM incidents i, linked l
        UNION ALL
        SELECT 'channels total', 'total', n FROM incidents
        UNION ALL
        SELECT 'sources', image_source, n FROM sources"""
    return sql, {"channels": ("reports",), "channels total": ("reports",), "sources": ("reports",)}


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
