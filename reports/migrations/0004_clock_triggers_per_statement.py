from django.db import migrations

# The clock triggers of 0002 ran once per row: a plpgsql call, a ticket lookup and an
# insert for every clock the SLA sweep breaches, 40,000 of them in a storm (the sweep's
# clock UPDATE went from 1.6 s to 12 s). These fire once per statement and read the changed
# rows from transition tables: one join with the tickets and one insert of the distinct old
# instants, whatever the number of rows. A transition table needs a trigger per event.
# What marks a day is unchanged: a clock row inserted or deleted, or updated in a column the
# roll-up reads (not the sweep's bookkeeping: next check, warning, escalation level).
PER_STATEMENT = """
DROP TRIGGER IF EXISTS reports_rollup_clock_update ON sla_slaclock;
DROP TRIGGER IF EXISTS reports_rollup_clock_insert_delete ON sla_slaclock;
DROP FUNCTION IF EXISTS reports_rollup_clock();

CREATE FUNCTION reports_rollup_clock_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO reports_rollupchange (at)
        SELECT DISTINCT i
        FROM (
            SELECT DISTINCT unnest(ARRAY[o.ticket_id, n.ticket_id]) AS ticket_id
            FROM reports_new_clocks n JOIN reports_old_clocks o ON o.id = n.id
            WHERE (o.ticket_id, o.kind, o.state, o.severity, o.breached_at, o.elapsed_minutes)
                IS DISTINCT FROM
                  (n.ticket_id, n.kind, n.state, n.severity, n.breached_at, n.elapsed_minutes)
        ) changed
        JOIN tickets_ticket t ON t.id = changed.ticket_id
        CROSS JOIN LATERAL unnest(ARRAY[t.created_at, t.resolved_at]) AS i
        WHERE i IS NOT NULL AND i < now() - interval '22 hours';
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO reports_rollupchange (at)
        SELECT DISTINCT i
        FROM (SELECT DISTINCT ticket_id FROM reports_new_clocks) changed
        JOIN tickets_ticket t ON t.id = changed.ticket_id
        CROSS JOIN LATERAL unnest(ARRAY[t.created_at, t.resolved_at]) AS i
        WHERE i IS NOT NULL AND i < now() - interval '22 hours';
    ELSE
        INSERT INTO reports_rollupchange (at)
        SELECT DISTINCT i
        FROM (SELECT DISTINCT ticket_id FROM reports_old_clocks) changed
        JOIN tickets_ticket t ON t.id = changed.ticket_id
        CROSS JOIN LATERAL unnest(ARRAY[t.created_at, t.resolved_at]) AS i
        WHERE i IS NOT NULL AND i < now() - interval '22 hours';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER reports_rollup_clock_insert AFTER INSERT ON sla_slaclock
    REFERENCING NEW TABLE AS reports_new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_clock_rows();
CREATE TRIGGER reports_rollup_clock_update AFTER UPDATE ON sla_slaclock
    REFERENCING OLD TABLE AS reports_old_clocks NEW TABLE AS reports_new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_clock_rows();
CREATE TRIGGER reports_rollup_clock_delete AFTER DELETE ON sla_slaclock
    REFERENCING OLD TABLE AS reports_old_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION reports_rollup_clock_rows();
"""

# Back to 0002's per-row triggers (its function and trigger definitions, verbatim).
PER_ROW = """
DROP TRIGGER IF EXISTS reports_rollup_clock_delete ON sla_slaclock;
DROP TRIGGER IF EXISTS reports_rollup_clock_update ON sla_slaclock;
DROP TRIGGER IF EXISTS reports_rollup_clock_insert ON sla_slaclock;
DROP FUNCTION IF EXISTS reports_rollup_clock_rows();

CREATE FUNCTION reports_rollup_clock() RETURNS trigger AS $$
DECLARE
    row_ticket bigint;
BEGIN
    FOREACH row_ticket IN ARRAY ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.ticket_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.ticket_id END
    ] LOOP
        IF row_ticket IS NOT NULL THEN
            PERFORM reports_rollup_mark(t.created_at, t.resolved_at)
            FROM tickets_ticket t WHERE t.id = row_ticket;
        END IF;
    END LOOP;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER reports_rollup_clock_insert_delete AFTER INSERT OR DELETE ON sla_slaclock
    FOR EACH ROW EXECUTE FUNCTION reports_rollup_clock();
CREATE TRIGGER reports_rollup_clock_update AFTER UPDATE ON sla_slaclock
    FOR EACH ROW WHEN (
        (OLD.ticket_id, OLD.kind, OLD.state, OLD.severity, OLD.breached_at,
         OLD.elapsed_minutes)
        IS DISTINCT FROM
        (NEW.ticket_id, NEW.kind, NEW.state, NEW.severity, NEW.breached_at,
         NEW.elapsed_minutes)
    ) EXECUTE FUNCTION reports_rollup_clock();
"""


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PER_STATEMENT)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PER_ROW)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_daily_rollup_per_service_group"),
    ]

    operations = [
        migrations.RunPython(per_statement, per_row),
    ]
