-- Follow-up audit (docs/audit.md). `cases` lists every case behind every number; the other
-- queries read it as `audit_cases` (analytics/audit.py wraps them: WITH audit_cases AS (cases)).
-- Parameters: $scope (practitioner ids), $period_starts / $period_ends (DATE[], zipped),
-- $first_day / $last_day (the earliest start and latest end of the periods), $n (goal by
-- attended session N), $d (review within D days), $k (lapse after K sessions).
-- `cases` reads the derived tables (analytics/derived.py); `cases_raw` is the same
-- definition read from the clinical tables directly, the reference the tests compare with.

-- name: cases
-- One row per metric, period and case (client, session, goal-session pair or goal): the
-- practitioner, client, goal and session, the date that places it, whether it counts in
-- the numerator (`counted`), a plain-words `detail`, and the cases the row stands for
-- (`case_numerator` of `case_denominator`: 0 or 1 of 1 for one case).
-- Reads the derived tables of analytics/derived.py: only sessions dated in the periods,
-- and status spans that can hold on a period's last day. With $details false (the roll-up,
-- which only counts) `detail` is NULL and the session metrics come as one row per metric,
-- practitioner and period standing for all of its cases; with $details true (the
-- drill-down) every case is a row of its own.
WITH periods AS (
    SELECT unnest($period_starts::DATE[]) AS period_start,
           unnest($period_ends::DATE[]) AS period_end
),
scoped_clients AS (
    SELECT client_id, practitioner_id, intake_date, discharge_date
    FROM clients
    WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
),
-- Attended sessions in each period with their facts, bucketed into the periods by date.
-- The constant bounds let the scan skip row groups dated outside every period.
period_sessions AS (
    SELECT p.period_start, p.period_end, c.practitioner_id, s.client_id, s.session_id,
           s.session_date, s.session_number, s.goals_expected, s.goals_checked,
           s.run_length, s.run_start, s.first_goal_id, s.first_goal_start,
           CASE WHEN $details THEN s.goals END AS goals
    FROM audit_sessions s
    JOIN scoped_clients c USING (client_id)
    JOIN periods p ON s.session_date BETWEEN p.period_start AND p.period_end
    WHERE s.session_date BETWEEN $first_day AND $last_day
),
-- Each goal's status span holding on each period's last day, for clients in care that day:
-- only spans that can hold on some period's last day, of a status some metric reads.
candidate_spans AS (
    SELECT goal_id, client_id, start_date, target_date, lifecycle_status, achievement_status,
           note, valid_from, valid_until
    FROM audit_goal_spans
    WHERE valid_from <= $last_day AND (valid_until IS NULL OR valid_until > $first_day)
      AND (lifecycle_status = 'active' OR target_date < $last_day)
),
spans_at_end AS (
    SELECT p.period_start, p.period_end, c.practitioner_id, sp.*
    FROM periods p
    JOIN candidate_spans sp ON sp.valid_from <= p.period_end
        AND (sp.valid_until IS NULL OR sp.valid_until > p.period_end)
        AND sp.start_date <= p.period_end
    JOIN scoped_clients c ON c.client_id = sp.client_id
        AND c.intake_date <= p.period_end
        AND (c.discharge_date IS NULL OR c.discharge_date > p.period_end)
),
-- The session metrics' cases, decided once per session: goal-setting (the Nth attended
-- session; counted when the first goal started by then), follow-up over sessions (a session
-- with an active goal; counted when every one was checked in) and over goal-session pairs.
session_cases AS (
    SELECT *,
           session_number = $n AS nth_session,
           coalesce(first_goal_start <= session_date, FALSE) AS goal_by_then,
           goals_expected > 0 AS followup_case,
           goals_checked = goals_expected AS all_checked
    FROM period_sessions
),
goal_setting AS (
    SELECT 'goal_setting' AS metric, period_start, period_end, practitioner_id, client_id,
           CASE WHEN goal_by_then THEN first_goal_id END AS goal_id,
           session_id, session_date AS case_date, goal_by_then AS counted,
           CASE WHEN goal_by_then
                THEN format('first goal set {} (attended session {} was {})',
                            strftime(first_goal_start, '%Y-%m-%d'), $n::INTEGER,
                            strftime(session_date, '%Y-%m-%d'))
                ELSE format('no goal by attended session {} ({})', $n::INTEGER,
                            strftime(session_date, '%Y-%m-%d'))
           END AS detail,
           counted::INTEGER AS case_numerator, 1 AS case_denominator
    FROM session_cases
    WHERE $details AND nth_session
),
followup_sessions AS (
    SELECT 'followup_sessions' AS metric, period_start, period_end, practitioner_id,
           client_id, NULL::VARCHAR AS goal_id, session_id, session_date AS case_date,
           all_checked AS counted,
           format('{} of {} active goal{} checked in', goals_checked, goals_expected,
                  CASE WHEN goals_expected = 1 THEN '' ELSE 's' END) AS detail,
           counted::INTEGER AS case_numerator, 1 AS case_denominator
    FROM session_cases
    WHERE $details AND followup_case
),
followup_pairs AS (
    SELECT 'followup_pairs' AS metric, period_start, period_end, practitioner_id,
           client_id, pair.goal_id, session_id, case_date, pair.checked AS counted,
           CASE WHEN pair.checked THEN 'checked in at this session'
                ELSE 'no check-in at this session' END AS detail,
           counted::INTEGER AS case_numerator, 1 AS case_denominator
    FROM (
        SELECT period_start, period_end, practitioner_id, client_id, session_id,
               session_date AS case_date, unnest(goals) AS pair
        FROM session_cases
        WHERE $details AND followup_case
    )
),
-- The roll-up counts the same cases per practitioner and period in one pass over the
-- sessions (a session's pairs are its `goals` list: goals_expected of them, goals_checked
-- checked in; analytics/derived.py), one row per metric standing for all of its cases.
session_rollup AS (
    SELECT period_start, period_end, practitioner_id,
           count(*) FILTER (WHERE nth_session) AS goal_setting_cases,
           count(*) FILTER (WHERE nth_session AND goal_by_then) AS goal_setting_counted,
           count(*) FILTER (WHERE followup_case) AS followup_cases,
           count(*) FILTER (WHERE followup_case AND all_checked) AS followup_counted,
           sum(goals_expected) AS pair_cases,
           sum(goals_checked) AS pair_counted
    FROM session_cases
    WHERE NOT $details
    GROUP BY ALL
),
session_totals AS (
    SELECT r.period_start, r.period_end, r.practitioner_id, m.metric,
           CASE m.metric WHEN 'goal_setting' THEN r.goal_setting_counted
                         WHEN 'followup_sessions' THEN r.followup_counted
                         ELSE r.pair_counted END AS case_numerator,
           CASE m.metric WHEN 'goal_setting' THEN r.goal_setting_cases
                         WHEN 'followup_sessions' THEN r.followup_cases
                         ELSE r.pair_cases END AS case_denominator
    FROM session_rollup r
    CROSS JOIN (VALUES ('goal_setting'), ('followup_sessions'), ('followup_pairs')) m(metric)
),
session_metric_totals AS (
    SELECT metric, period_start, period_end, practitioner_id, NULL::VARCHAR AS client_id,
           NULL::VARCHAR AS goal_id, NULL::VARCHAR AS session_id, NULL::DATE AS case_date,
           NULL::BOOLEAN AS counted, NULL::VARCHAR AS detail, case_numerator, case_denominator
    FROM session_totals
    WHERE case_denominator > 0
),
-- Goals active at the end of the period, of clients in care then, old enough (started at
-- least D days before) to be due a review, and their last check-in by then.
goals_due_review AS (
    SELECT x.period_start, x.period_end, x.practitioner_id, x.client_id, x.goal_id,
           list_max(list_filter(k.checkin_days, day -> day <= x.period_end)) AS last_checkin
    FROM spans_at_end x
    LEFT JOIN audit_goal_checkins k USING (goal_id)
    WHERE x.lifecycle_status = 'active' AND x.start_date <= x.period_end - $d::INTEGER
),
review_cadence AS (
    SELECT 'review_cadence' AS metric, period_start, period_end, practitioner_id, client_id,
           goal_id, NULL::VARCHAR AS session_id, last_checkin AS case_date,
           coalesce(last_checkin > period_end - $d::INTEGER, FALSE) AS counted,
           CASE WHEN NOT $details THEN NULL
                WHEN last_checkin IS NULL THEN 'no check-in yet'
                ELSE format('last check-in {} ({} days before {})',
                            strftime(last_checkin, '%Y-%m-%d'), period_end - last_checkin,
                            strftime(period_end, '%Y-%m-%d'))
           END AS detail,
           counted::INTEGER AS case_numerator, 1 AS case_denominator
    FROM goals_due_review
),
revisions AS (
    SELECT g.revised_from_goal_id AS goal_id, min(g.start_date) AS revised_on
    FROM goals g
    JOIN scoped_clients c USING (client_id)
    WHERE g.revised_from_goal_id IS NOT NULL AND g.lifecycle_status <> 'entered-in-error'
    GROUP BY ALL
),
-- Goals past their target date at the end of the period, of clients in care then, and
-- the outcome recorded by that day, if any.
goals_past_target AS (
    SELECT x.period_start, x.period_end, x.practitioner_id, x.client_id, x.goal_id,
           x.target_date, x.lifecycle_status,
           CASE WHEN x.achievement_status IN ('achieved', 'sustaining') THEN x.achievement_status
                WHEN x.lifecycle_status = 'completed' THEN 'completed'
                WHEN r.revised_on <= x.period_end THEN 'revised'
                WHEN x.lifecycle_status = 'on-hold' AND trim(coalesce(x.note, '')) <> ''
                    THEN 'on hold with a reason'
           END AS outcome
    FROM spans_at_end x
    LEFT JOIN revisions r ON r.goal_id = x.goal_id
    WHERE x.target_date < x.period_end
      AND x.lifecycle_status NOT IN ('rejected', 'entered-in-error')
),
target_review AS (
    SELECT 'target_review' AS metric, period_start, period_end, practitioner_id, client_id,
           goal_id, NULL::VARCHAR AS session_id, target_date AS case_date,
           outcome IS NOT NULL AS counted,
           CASE WHEN $details THEN
               coalesce(outcome, format('no outcome recorded (status {})', lifecycle_status))
           END AS detail,
           counted::INTEGER AS case_numerator, 1 AS case_denominator
    FROM goals_past_target
),
-- Clients in care during the period (those with an attended session in it), in one pass:
-- a run lapses in a period when, at its last session up to the period's end, it is at
-- least K sessions long and that session is in the period; reported as it stood then.
-- Each unchecked session carries its place in its run (`run_length`), so the run as it
-- stood at its last session in the period is the largest place reached in the period.
-- And the sessions from the Nth on at which the client still had no goal at all.
period_clients AS (
    SELECT period_start, period_end, client_id, any_value(practitioner_id) AS practitioner_id,
           count(*) FILTER (WHERE lapse) > 0 AS lapsed,
           count(*) FILTER (WHERE goalless) > 0 AS goalless,
           -- What the drill-down says about it (the roll-up only counts: $details false
           -- leaves these aggregates empty).
           arg_max(session_id, (run_length, session_date)) FILTER (WHERE $details AND lapse)
               AS lapse_session_id,
           max(session_date) FILTER (WHERE $details AND lapse) AS lapse_date,
           max(run_length) FILTER (WHERE $details AND lapse) AS run_length,
           arg_max(run_start, (run_length, session_date)) FILTER (WHERE $details AND lapse)
               AS run_start,
           arg_max(session_id, session_number) FILTER (WHERE $details AND goalless)
               AS goalless_session_id,
           max(session_date) FILTER (WHERE $details AND goalless) AS goalless_date,
           max(session_number) FILTER (WHERE $details AND goalless) AS goalless_number
    FROM (
        SELECT period_start, period_end, client_id, practitioner_id, session_id, session_date,
               session_number, run_length, run_start,
               coalesce(run_length >= $k, FALSE) AS lapse,
               session_number >= $n
                   AND (first_goal_start IS NULL OR first_goal_start > session_date) AS goalless
        FROM period_sessions
    )
    GROUP BY period_start, period_end, client_id
),
lacking_followup AS (
    SELECT 'lacking_followup' AS metric, period_start, period_end, practitioner_id,
           client_id, NULL::VARCHAR AS goal_id,
           coalesce(lapse_session_id, goalless_session_id) AS session_id,
           coalesce(lapse_date, goalless_date) AS case_date,
           lapsed OR goalless AS counted,
           CASE WHEN NOT $details THEN NULL
                WHEN NOT lapsed AND NOT goalless THEN 'followed up'
                ELSE concat_ws('; ',
                    CASE WHEN lapsed THEN
                        format('{} attended sessions in a row without a goal check-in ({} to {})',
                               run_length, strftime(run_start, '%Y-%m-%d'),
                               strftime(lapse_date, '%Y-%m-%d')) END,
                    CASE WHEN goalless THEN
                        format('no goal by attended session {} ({})', goalless_number,
                               strftime(goalless_date, '%Y-%m-%d')) END)
           END AS detail,
           counted::INTEGER AS case_numerator, 1 AS case_denominator
    FROM period_clients
)
SELECT * FROM goal_setting
UNION ALL SELECT * FROM followup_sessions
UNION ALL SELECT * FROM followup_pairs
UNION ALL SELECT * FROM session_metric_totals
UNION ALL SELECT * FROM review_cadence
UNION ALL SELECT * FROM target_review
UNION ALL SELECT * FROM lacking_followup;

-- name: cases_raw
-- One row per metric, period and case (client, session, goal-session pair or goal): the
-- practitioner, client, goal and session, the date that places it, whether it counts in
-- the numerator (`counted`), and a plain-words `detail`.
WITH periods AS (
    SELECT unnest($period_starts::DATE[]) AS period_start,
           unnest($period_ends::DATE[]) AS period_end
),
scoped_clients AS (
    SELECT client_id, practitioner_id, intake_date, discharge_date
    FROM clients
    WHERE practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
),
-- Clients with an attended session in any period: the session-based metrics need no one
-- else, which keeps the work proportional to the period at health-system scale.
period_attenders AS (
    SELECT DISTINCT s.client_id
    FROM sessions s
    JOIN scoped_clients c USING (client_id)
    WHERE s.attended
      AND s.session_date BETWEEN (SELECT min(period_start) FROM periods)
                             AND (SELECT max(period_end) FROM periods)
),
-- Their attended sessions numbered per client (1 = first attended session ever).
attended AS (
    SELECT s.session_id, s.client_id, c.practitioner_id, s.session_date,
           row_number() OVER (PARTITION BY s.client_id ORDER BY s.session_date, s.session_id)
               AS session_number
    FROM sessions s
    JOIN scoped_clients c USING (client_id)
    JOIN period_attenders USING (client_id)
    WHERE s.attended AND s.session_date <= (SELECT max(period_end) FROM periods)
),
-- Goals that were really set: one marked entered-in-error never existed clinically.
real_goals AS (
    SELECT g.goal_id, g.client_id, g.start_date, g.target_date, g.lifecycle_status,
           g.achievement_status
    FROM goals g
    JOIN scoped_clients c USING (client_id)
    WHERE g.lifecycle_status <> 'entered-in-error'
),
revisions AS (
    SELECT g.revised_from_goal_id AS goal_id, min(g.start_date) AS revised_on
    FROM goals g
    JOIN scoped_clients c USING (client_id)
    WHERE g.revised_from_goal_id IS NOT NULL AND g.lifecycle_status <> 'entered-in-error'
    GROUP BY ALL
),
-- A goal's history; a goal imported without any event gets one at its start date with
-- its current status, so that it is not invisible.
history AS (
    SELECT e.goal_id, e.event_id, e.event_date, e.lifecycle_status, e.achievement_status, e.note
    FROM goal_events e
    JOIN real_goals g USING (goal_id)
    UNION ALL
    SELECT g.goal_id, '', g.start_date, g.lifecycle_status, g.achievement_status, NULL
    FROM real_goals g
    WHERE NOT EXISTS (SELECT 1 FROM goal_events e WHERE e.goal_id = g.goal_id)
),
-- Each event's status holds from its date until the next event's date (exclusive); the
-- achievement status carries forward when an event leaves it empty. Several events on one
-- day give zero-length spans except the last, which is the day's outcome.
status_spans AS (
    SELECT goal_id, lifecycle_status, note,
           last_value(achievement_status IGNORE NULLS) OVER (
               PARTITION BY goal_id ORDER BY event_date, event_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS achievement_status,
           event_date AS valid_from,
           lead(event_date) OVER (PARTITION BY goal_id ORDER BY event_date, event_id) AS valid_until
    FROM history
),
checkins AS (
    SELECT k.goal_id, g.client_id, k.session_id, k.checkin_date
    FROM goal_checkins k
    JOIN real_goals g USING (goal_id)
),
-- A check-in belongs to a session when it is linked to it, or, unlinked, made on its day.
goal_checked_at_session AS (
    SELECT DISTINCT goal_id, session_id FROM checkins WHERE session_id IS NOT NULL
),
goal_checked_on_day AS (
    SELECT DISTINCT goal_id, checkin_date FROM checkins WHERE session_id IS NULL
),
client_checked_at_session AS (
    SELECT DISTINCT session_id FROM checkins WHERE session_id IS NOT NULL
),
client_checked_on_day AS (
    SELECT DISTINCT client_id, checkin_date FROM checkins WHERE session_id IS NULL
),
-- Goal-session pairs: every goal that was active just before an attended session of its
-- client (status from events dated before the session day). A goal set at the session
-- itself is not yet expected to be checked in; one closed at it still is.
expected_pairs AS (
    SELECT a.session_id, a.client_id, a.practitioner_id, a.session_date, g.goal_id,
           (gs.goal_id IS NOT NULL OR gd.goal_id IS NOT NULL) AS checked
    FROM attended a
    JOIN real_goals g ON g.client_id = a.client_id AND g.start_date < a.session_date
    JOIN status_spans sp ON sp.goal_id = g.goal_id
        AND sp.valid_from < a.session_date
        AND (sp.valid_until IS NULL OR sp.valid_until >= a.session_date)
        AND sp.lifecycle_status = 'active'
    LEFT JOIN goal_checked_at_session gs ON gs.goal_id = g.goal_id AND gs.session_id = a.session_id
    LEFT JOIN goal_checked_on_day gd ON gd.goal_id = g.goal_id AND gd.checkin_date = a.session_date
),
expected_sessions AS (
    SELECT session_id, client_id, practitioner_id, session_date,
           count(*) AS goals_expected,
           count(*) FILTER (WHERE checked) AS goals_checked
    FROM expected_pairs
    GROUP BY ALL
),
-- Sessions with an active goal, and whether any goal of the client was checked in at them.
session_any_checkin AS (
    SELECT x.*,
           (x.goals_checked > 0 OR cs.session_id IS NOT NULL OR cd.client_id IS NOT NULL)
               AS any_checkin
    FROM expected_sessions x
    LEFT JOIN client_checked_at_session cs ON cs.session_id = x.session_id
    LEFT JOIN client_checked_on_day cd
        ON cd.client_id = x.client_id AND cd.checkin_date = x.session_date
),
-- Runs of consecutive sessions without any check-in: a session with a check-in starts a
-- new island (one sort per client); the island's unchecked sessions, in order, are a run.
islands AS (
    SELECT *,
           sum(any_checkin::INTEGER) OVER (
               PARTITION BY client_id ORDER BY session_date, session_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
    FROM session_any_checkin
),
gaps AS (
    SELECT client_id, island,
           list(session_date ORDER BY session_date, session_id) AS days,
           list(session_id ORDER BY session_date, session_id) AS ids
    FROM islands
    WHERE NOT any_checkin
    GROUP BY ALL
    HAVING count(*) >= $k
),
first_goals AS (
    SELECT client_id, arg_min(goal_id, (start_date, goal_id)) AS goal_id, min(start_date) AS start_date
    FROM real_goals
    GROUP BY ALL
),
-- Attended sessions from the Nth on at which the client still had no goal at all.
goalless_sessions AS (
    SELECT a.*
    FROM attended a
    LEFT JOIN first_goals f USING (client_id)
    WHERE a.session_number >= $n AND (f.start_date IS NULL OR f.start_date > a.session_date)
),
goal_setting AS (
    SELECT 'goal_setting' AS metric, p.period_start, p.period_end, a.practitioner_id,
           a.client_id, f.goal_id, a.session_id, a.session_date AS case_date,
           f.goal_id IS NOT NULL AS counted,
           CASE WHEN f.goal_id IS NOT NULL
                THEN format('first goal set {} (attended session {} was {})',
                            strftime(f.start_date, '%Y-%m-%d'), $n::INTEGER,
                            strftime(a.session_date, '%Y-%m-%d'))
                ELSE format('no goal by attended session {} ({})', $n::INTEGER,
                            strftime(a.session_date, '%Y-%m-%d'))
           END AS detail
    FROM periods p
    JOIN attended a
        ON a.session_number = $n AND a.session_date BETWEEN p.period_start AND p.period_end
    LEFT JOIN first_goals f ON f.client_id = a.client_id AND f.start_date <= a.session_date
),
followup_sessions AS (
    SELECT 'followup_sessions' AS metric, p.period_start, p.period_end, x.practitioner_id,
           x.client_id, NULL::VARCHAR AS goal_id, x.session_id, x.session_date AS case_date,
           x.goals_checked = x.goals_expected AS counted,
           format('{} of {} active goal{} checked in', x.goals_checked, x.goals_expected,
                  CASE WHEN x.goals_expected = 1 THEN '' ELSE 's' END) AS detail
    FROM periods p
    JOIN expected_sessions x ON x.session_date BETWEEN p.period_start AND p.period_end
),
followup_pairs AS (
    SELECT 'followup_pairs' AS metric, p.period_start, p.period_end, x.practitioner_id,
           x.client_id, x.goal_id, x.session_id, x.session_date AS case_date,
           x.checked AS counted,
           CASE WHEN x.checked THEN 'checked in at this session'
                ELSE 'no check-in at this session' END AS detail
    FROM periods p
    JOIN expected_pairs x ON x.session_date BETWEEN p.period_start AND p.period_end
),
-- Goals active at the end of the period, of clients in care then, old enough (started at
-- least D days before) to be due a review.
goals_due_review AS (
    SELECT p.period_start, p.period_end, c.practitioner_id, g.client_id, g.goal_id,
           (SELECT max(k.checkin_date) FROM checkins k
            WHERE k.goal_id = g.goal_id AND k.checkin_date <= p.period_end) AS last_checkin
    FROM periods p
    JOIN real_goals g ON g.start_date <= p.period_end - $d::INTEGER
    JOIN scoped_clients c ON c.client_id = g.client_id
        AND c.intake_date <= p.period_end
        AND (c.discharge_date IS NULL OR c.discharge_date > p.period_end)
    JOIN status_spans sp ON sp.goal_id = g.goal_id
        AND sp.valid_from <= p.period_end
        AND (sp.valid_until IS NULL OR sp.valid_until > p.period_end)
        AND sp.lifecycle_status = 'active'
),
review_cadence AS (
    SELECT 'review_cadence' AS metric, period_start, period_end, practitioner_id, client_id,
           goal_id, NULL::VARCHAR AS session_id, last_checkin AS case_date,
           coalesce(last_checkin > period_end - $d::INTEGER, FALSE) AS counted,
           CASE WHEN last_checkin IS NULL THEN 'no check-in yet'
                ELSE format('last check-in {} ({} days before {})',
                            strftime(last_checkin, '%Y-%m-%d'), period_end - last_checkin,
                            strftime(period_end, '%Y-%m-%d'))
           END AS detail
    FROM goals_due_review
),
-- Goals past their target date at the end of the period, of clients in care then, and
-- the outcome recorded by that day, if any.
goals_past_target AS (
    SELECT p.period_start, p.period_end, c.practitioner_id, g.client_id, g.goal_id,
           g.target_date, sp.lifecycle_status,
           CASE WHEN sp.achievement_status IN ('achieved', 'sustaining') THEN sp.achievement_status
                WHEN sp.lifecycle_status = 'completed' THEN 'completed'
                WHEN r.revised_on <= p.period_end THEN 'revised'
                WHEN sp.lifecycle_status = 'on-hold' AND trim(coalesce(sp.note, '')) <> ''
                    THEN 'on hold with a reason'
           END AS outcome
    FROM periods p
    JOIN real_goals g ON g.target_date < p.period_end AND g.start_date <= p.period_end
    JOIN scoped_clients c ON c.client_id = g.client_id
        AND c.intake_date <= p.period_end
        AND (c.discharge_date IS NULL OR c.discharge_date > p.period_end)
    JOIN status_spans sp ON sp.goal_id = g.goal_id
        AND sp.valid_from <= p.period_end
        AND (sp.valid_until IS NULL OR sp.valid_until > p.period_end)
        AND sp.lifecycle_status NOT IN ('rejected', 'entered-in-error')
    LEFT JOIN revisions r ON r.goal_id = g.goal_id
),
target_review AS (
    SELECT 'target_review' AS metric, period_start, period_end, practitioner_id, client_id,
           goal_id, NULL::VARCHAR AS session_id, target_date AS case_date,
           outcome IS NOT NULL AS counted,
           coalesce(outcome, format('no outcome recorded (status {})', lifecycle_status)) AS detail
    FROM goals_past_target
),
-- Clients in care during the period: those with an attended session in it.
period_clients AS (
    SELECT DISTINCT p.period_start, p.period_end, a.practitioner_id, a.client_id
    FROM periods p
    JOIN attended a ON a.session_date BETWEEN p.period_start AND p.period_end
),
-- A run lapses in a period when, at its last session up to the period's end, it is at
-- least K sessions long and that session is in the period; reported as it stood then.
run_ends AS (
    SELECT p.period_start, p.period_end, g.client_id, g.days, g.ids,
           len(list_filter(g.days, x -> x <= p.period_end)) AS run_length
    FROM periods p
    JOIN gaps g ON g.days[1] <= p.period_end AND g.days[len(g.days)] >= p.period_start
),
lapses_in_period AS (
    SELECT period_start, client_id,
           arg_max(ids[run_length], (run_length, days[run_length])) AS session_id,
           max(days[run_length]) AS lapse_date,
           max(run_length) AS run_length,
           arg_max(days[1], (run_length, days[run_length])) AS run_start
    FROM run_ends
    WHERE run_length >= $k AND days[run_length] >= period_start
    GROUP BY ALL
),
goalless_in_period AS (
    SELECT p.period_start, s.client_id,
           arg_max(s.session_id, s.session_number) AS session_id,
           max(s.session_date) AS session_date,
           max(s.session_number) AS session_number
    FROM periods p
    JOIN goalless_sessions s ON s.session_date BETWEEN p.period_start AND p.period_end
    GROUP BY ALL
),
lacking_followup AS (
    SELECT 'lacking_followup' AS metric, pc.period_start, pc.period_end, pc.practitioner_id,
           pc.client_id, NULL::VARCHAR AS goal_id,
           coalesce(l.session_id, ng.session_id) AS session_id,
           coalesce(l.lapse_date, ng.session_date) AS case_date,
           (l.client_id IS NOT NULL OR ng.client_id IS NOT NULL) AS counted,
           CASE WHEN l.client_id IS NULL AND ng.client_id IS NULL THEN 'followed up'
                ELSE concat_ws('; ',
                    CASE WHEN l.client_id IS NOT NULL THEN
                        format('{} attended sessions in a row without a goal check-in ({} to {})',
                               l.run_length, strftime(l.run_start, '%Y-%m-%d'),
                               strftime(l.lapse_date, '%Y-%m-%d')) END,
                    CASE WHEN ng.client_id IS NOT NULL THEN
                        format('no goal by attended session {} ({})', ng.session_number,
                               strftime(ng.session_date, '%Y-%m-%d')) END)
           END AS detail
    FROM period_clients pc
    LEFT JOIN lapses_in_period l
        ON l.period_start = pc.period_start AND l.client_id = pc.client_id
    LEFT JOIN goalless_in_period ng
        ON ng.period_start = pc.period_start AND ng.client_id = pc.client_id
)
SELECT *, counted::INTEGER AS case_numerator, 1 AS case_denominator
FROM (
    SELECT * FROM goal_setting
    UNION ALL SELECT * FROM followup_sessions
    UNION ALL SELECT * FROM followup_pairs
    UNION ALL SELECT * FROM review_cadence
    UNION ALL SELECT * FROM target_review
    UNION ALL SELECT * FROM lacking_followup
);

-- name: rates
-- Numerator, denominator and rate (0–1, NULL when nothing to count) of every metric per
-- period, for each practitioner in scope (zeros when they had no cases), each team (by
-- supervisor) and the whole scope ("clinic"), in the order given at the end. Reads audit_cases.
WITH periods AS (
    SELECT unnest($period_starts::DATE[]) AS period_start,
           unnest($period_ends::DATE[]) AS period_end
),
metrics AS (
    SELECT unnest($metrics::VARCHAR[]) AS metric
),
-- Practitioners who carry a caseload: therapists, and anyone else with clients.
roster AS (
    SELECT p.practitioner_id, p.display_name,
           CASE WHEN p.supervisor_id IS NOT NULL THEN p.supervisor_id
                WHEN p.role = 'supervisor' THEN p.practitioner_id END AS team_id
    FROM practitioners p
    WHERE p.practitioner_id IN (SELECT unnest($scope::VARCHAR[]))
      AND (p.role = 'therapist'
           OR EXISTS (SELECT 1 FROM clients c WHERE c.practitioner_id = p.practitioner_id))
),
counts AS (
    SELECT practitioner_id, metric, period_start, period_end,
           sum(case_numerator) AS numerator,
           sum(case_denominator) AS denominator
    FROM audit_cases
    GROUP BY ALL
),
per_practitioner AS (
    SELECT r.practitioner_id, r.team_id, m.metric, p.period_start, p.period_end,
           coalesce(k.numerator, 0) AS numerator,
           coalesce(k.denominator, 0) AS denominator
    FROM roster r
    CROSS JOIN metrics m
    CROSS JOIN periods p
    LEFT JOIN counts k
        ON k.practitioner_id = r.practitioner_id AND k.metric = m.metric
        AND k.period_start = p.period_start AND k.period_end = p.period_end
),
-- The practitioner rows are per_practitioner itself (one row per practitioner, metric and
-- period: the periods are distinct, as audit_overview makes them); teams and the clinic are
-- sums of them. Written as three parts rather than GROUPING SETS, whose three hash tables
-- (one of them grouping rows that are already one per group) cost more than the rest of the
-- roll-up at clinic scale.
rolled AS (
    SELECT 'practitioner' AS level, practitioner_id, team_id, metric, period_start, period_end,
           numerator::BIGINT AS numerator, denominator::BIGINT AS denominator
    FROM per_practitioner
    UNION ALL
    SELECT 'team', NULL, team_id, metric, period_start, period_end,
           sum(numerator)::BIGINT, sum(denominator)::BIGINT
    FROM per_practitioner
    GROUP BY metric, period_start, period_end, team_id
    UNION ALL
    SELECT 'clinic', NULL, NULL, metric, period_start, period_end,
           sum(numerator)::BIGINT, sum(denominator)::BIGINT
    FROM per_practitioner
    GROUP BY metric, period_start, period_end
)
SELECT x.level,
       CASE x.level WHEN 'practitioner' THEN x.practitioner_id
                    WHEN 'team' THEN coalesce(x.team_id, '')
                    ELSE 'clinic' END AS group_id,
       CASE x.level WHEN 'practitioner' THEN p.display_name
                    WHEN 'team' THEN coalesce('Team of ' || lead.display_name, 'No supervisor')
                    ELSE 'Everyone in view' END AS group_name,
       x.team_id, x.metric, x.period_start, x.period_end, x.numerator, x.denominator,
       CASE WHEN x.denominator > 0 THEN x.numerator / x.denominator END AS rate
FROM rolled x
-- Equality on one expression, so that both are hash joins (a condition on x.level in the ON
-- clause made them nested loops over every practitioner).
LEFT JOIN practitioners p
    ON p.practitioner_id = CASE WHEN x.level = 'practitioner' THEN x.practitioner_id END
LEFT JOIN practitioners lead
    ON lead.practitioner_id = CASE WHEN x.level = 'team' THEN x.team_id END
-- Team and practitioner rows of every period, or (given $groups_start/$groups_end) of that
-- period only; the clinic rows of every period.
WHERE x.level = 'clinic' OR $groups_start::DATE IS NULL
   OR (x.period_start = $groups_start::DATE AND x.period_end = $groups_end::DATE)
-- Each group's metrics together in $metrics order (group_id orders groups sharing a name).
ORDER BY x.period_start, x.period_end,
         CASE x.level WHEN 'clinic' THEN 0 WHEN 'team' THEN 1 ELSE 2 END,
         group_name, group_id, list_position($metrics::VARCHAR[], x.metric);

-- name: case_list
-- The cases of one metric and period, with each client's display code and goal
-- description (never a real name). Reads audit_cases.
SELECT x.metric, x.period_start, x.period_end, x.practitioner_id,
       p.display_name AS practitioner, c.display_code, x.client_id, x.goal_id,
       g.description AS goal, x.session_id, x.case_date, x.counted, x.detail
FROM audit_cases x
JOIN clients c USING (client_id)
LEFT JOIN practitioners p ON p.practitioner_id = x.practitioner_id
LEFT JOIN goals g ON g.goal_id = x.goal_id
WHERE x.metric = $metric
  AND x.period_start = $period_start
  AND x.period_end = $period_end;
