-- One wrk script for every scenario of bench/load.py, configured from the environment:
--   BENCH_METHOD       GET (default) or POST
--   BENCH_PATHS        request paths separated by "|", used in turn
--   BENCH_HEADERS      "Name: value" lines separated by newlines
--   BENCH_BODY         request body; "__N__" is replaced by a per-thread counter
--   BENCH_IDEMPOTENCY  "1": a unique Idempotency-Key header on every request
--   BENCH_RUN_ID       prefix making the keys unique across runs
--   BENCH_EXPECT       the expected HTTP status (200); others are counted, redirects too
-- done() prints one "BENCH_JSON {...}" line that bench/load.py parses.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local idempotent = os.getenv("BENCH_IDEMPOTENCY") == "1"
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")

local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^|]+") do
  table.insert(paths, p)
end

local headers = {}
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then
    headers[name] = value
  end
end

local threads = {}
local counter = 0
thread_id = 0 -- set per thread by setup()
unexpected = 0 -- responses with another status than BENCH_EXPECT, per thread

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function response(status, headers, body)
  if status ~= expect then
    unexpected = unexpected + 1
  end
end

function request()
  counter = counter + 1
  local h = {}
  for name, value in pairs(headers) do
    h[name] = value
  end
  if idempotent then
    h["Idempotency-Key"] = run_id .. "-" .. thread_id .. "-" .. counter
  end
  local b = body
  if b then
    b = string.gsub(b, "__N__", thread_id .. "-" .. counter)
  end
  return wrk.format(method, paths[(counter % #paths) + 1], h, b)
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,'
      .. '"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,'
      .. '"unexpected_status":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, bad, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean
  ))
end
