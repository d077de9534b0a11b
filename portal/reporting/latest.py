"""The latest version of each return, for the statements that aggregate submitted answers."""

#: Joined after ``returns r``: ``lv.answers`` is the return's latest visible version's answers,
#: found by an index scan (no sort of every version). ``|| '{}'`` hands them on decompressed, so
#: reading many figures out of them decompresses them once per return, not once per figure.
LATEST_ANSWERS = """CROSS JOIN LATERAL (
        SELECT v.answers || '{}'::jsonb AS answers
        FROM return_versions v
        WHERE v.tenant_id = r.tenant_id AND v.return_id = r.id
        ORDER BY v.number DESC LIMIT 1
    ) lv"""
