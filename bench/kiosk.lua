-- wrk script: unique, valid kiosk submissions, each thread with its own device token.
-- Reads the tokens (one per line) and the submission's fixed fields from BENCH_KIOSK_FILE:
--   line 1: created_on_device_at, line 2: theme id or "null", line 3: lat, line 4: lng,
--   then one device token per line.
local threads = {}
local counter = 0

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  return lines
end

local config = read_lines(os.getenv("BENCH_KIOSK_FILE"))
local created_at, theme, lat, lng = config[1], config[2], config[3], config[4]
local run = os.getenv("BENCH_RUN") or "0"

function setup(thread)
  local index = #threads + 1
  thread:set("thread_index", index)
  thread:set("token", config[4 + ((index - 1) % (#config - 4)) + 1])
  threads[index] = thread
end

local texts = {
  "Mehr Bänke im Schatten, damit Ältere sich ausruhen können.",
  "Ein Trinkbrunnen für heiße Sommertage wäre toll.",
  "Die Kreuzung an der Ecke braucht einen Zebrastreifen.",
  "Mehr Mülleimer rund um den Spielplatz, bitte öfter leeren.",
}

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept-Language"] = "de"
  wrk.headers["Authorization"] = "Device " .. token
end

function request()
  counter = counter + 1
  -- A UUID (version 4 layout) unique per run, thread and request.
  local uuid = string.format("%08x-%04x-4%03x-8%03x-%012x",
    tonumber(run), thread_index, math.floor(counter / 4096) % 4096, counter % 4096, counter)
  local body = string.format(
    '{"client_uuid":"%s","kind":"idea","text":"%s","theme":%s,' ..
    '"location":{"lat":%s,"lng":%s},"language":"de","age_band":"27_44",' ..
    '"relation":"lives_here","heard_via":"passing_by","created_on_device_at":"%s","consent":true}',
    uuid, texts[(counter % #texts) + 1], theme, lat, lng, created_at)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_ms":%.3f,"p95_ms":%.3f,' ..
    '"p99_ms":%.3f,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,' ..
    '"timeouts":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
