-- Infrakit rate limiting on Redis: one decision, atomically, on the Redis server's clock (TIME),
-- with the GCRA arithmetic of the in-memory and PostgreSQL stores (several limits, permits,
-- reservations, slow-down, spent tokens carried over a policy change).
--
-- KEYS[1]  the (policy, subject) key: "<base µs>;<tat ns>,<interval ns>;..." with each limit's
--          theoretical arrival time relative to the base (when the value was written)
-- ARGV     n, permits, max wait (ns), slow-down after (-1: none), slow-down step (ns), slow-down
--          max (ns), then per limit: interval (ns per token), window (capacity x interval), capacity
--
-- Returns {allowed (1/0), taken, binding limit (0-based), remaining, reset after (ns), retry after
-- (ns), delay (ns)}. Writes only when it admits, with an expiry at the moment every bucket is full
-- again, so idle keys vanish by themselves.
--
-- Lua numbers are doubles: integers are exact up to 2^53. Every value here is relative to now and
-- bounded by a window plus the wait (the Java store refuses windows over 2^52 ns and caps the wait
-- at 2^52 ns), so all arithmetic is exact; idiv() is an exact floor division for such integers.

local function idiv(a, b)
    local q = math.floor(a / b)
    if q * b > a then
        q = q - 1
    elseif (q + 1) * b <= a then
        q = q + 1
    end
    return q
end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])

local n = tonumber(ARGV[1])
local permits = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local slow_after = tonumber(ARGV[4])
local slow_step = tonumber(ARGV[5])
local slow_max = tonumber(ARGV[6])
local interval, window, capacity = {}, {}, {}
for i = 1, n do
    local j = 7 + 3 * (i - 1)
    interval[i] = tonumber(ARGV[j])
    window[i] = tonumber(ARGV[j + 1])
    capacity[i] = tonumber(ARGV[j + 2])
end

-- Each limit's tat relative to now (<= 0: the bucket is full).
local tat = {}
for i = 1, n do
    tat[i] = 0
end
local state = redis.call('GET', KEYS[1])
if state then
    local base, rest = string.match(state, '^(%d+);(.*)$')
    if base then
        local elapsed = (now - tonumber(base)) * 1000
        local old_tat, old_interval = {}, {}
        local k = 0
        for t, iv in string.gmatch(rest, '(%-?%d+),(%d+)') do
            k = k + 1
            old_tat[k] = tonumber(t) - elapsed
            old_interval[k] = tonumber(iv)
        end
        local same = k == n
        if same then
            for i = 1, n do
                if old_interval[i] ~= interval[i] then
                    same = false
                end
            end
        end
        for i = 1, n do
            if same then
                tat[i] = old_tat[i]
            elseif i <= k and old_tat[i] > 0 then
                -- The policy changed: the tokens spent per limit position stay spent.
                tat[i] = math.min(idiv(old_tat[i] + old_interval[i] - 1, old_interval[i]), capacity[i]) * interval[i]
            end
        end
    end
end

local taken = permits
local delay, binding = 0, 0
for i = 1, n do
    local ahead = math.max(tat[i], 0) + taken * interval[i]
    local need = ahead - window[i]
    if need > delay then
        delay = need
    end
    if i == 1 and slow_after >= 0 then
        local count = idiv(ahead + interval[1] - 1, interval[1])
        if count > slow_after then
            local slow
            if count - slow_after > idiv(slow_max, slow_step) then
                slow = slow_max
            else
                slow = math.min((count - slow_after) * slow_step, slow_max)
            end
            if slow > delay then
                delay = slow
            end
        end
    end
end

if delay <= max_wait then
    local remaining, reset_after = -1, 0
    local out = {}
    for i = 1, n do
        tat[i] = math.max(tat[i], 0) + taken * interval[i]
        if tat[i] > reset_after then
            reset_after = tat[i]
        end
        local rem = 0
        if tat[i] < window[i] then
            rem = idiv(window[i] - tat[i], interval[i])
        end
        if remaining < 0 or rem < remaining then
            remaining = rem
            binding = i - 1
        end
        out[i] = string.format('%.0f,%.0f', tat[i], interval[i])
    end
    redis.call('SET', KEYS[1], string.format('%.0f', now) .. ';' .. table.concat(out, ';'),
        'PX', math.max(1, idiv(reset_after + 999999, 1000000)))
    return {1, taken, binding, remaining, reset_after, 0, delay}
end

local retry_after, remaining, reset_after = 0, 0, 0
for i = 1, n do
    local ahead = math.max(tat[i], 0)
    if ahead > reset_after then
        reset_after = ahead
    end
    local need = ahead + permits * interval[i] - window[i] - max_wait
    if need > retry_after then
        retry_after = need
        binding = i - 1
        remaining = 0
        if ahead < window[i] then
            remaining = idiv(window[i] - ahead, interval[i])
        end
    end
end
if retry_after <= 0 then
    -- Refused only because the slow-down delay is longer than the caller accepts.
    local ahead = math.max(tat[1], 0)
    local count = idiv(ahead + permits * interval[1] + interval[1] - 1, interval[1])
    if slow_after >= 0 then
        retry_after = (count - (slow_after + idiv(max_wait, slow_step))) * interval[1]
    end
    remaining = 0
    if ahead < window[1] then
        remaining = idiv(window[1] - ahead, interval[1])
    end
end
return {0, 0, binding, remaining, reset_after, retry_after, 0}
