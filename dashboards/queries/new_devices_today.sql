-- title: New devices today
-- question: Which users logged in today from a device never seen for them before?
-- param: db zt the analytics database
SELECT
    user,
    device_id,
    minMerge(first_seen) AS first,
    maxMerge(last_seen) AS last
FROM ${db}.device_first_seen
GROUP BY user, device_id
HAVING toDate(first) = today()
ORDER BY first, user
