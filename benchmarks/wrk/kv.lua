-- wrk script for the single-node throughput cells (benchmarks/src/lib/wrk.ts runs it):
--   wrk -s kv.lua URL -- KIND VALUE_BYTES KEY_SPACE READ_RATIO PIPELINE
-- KIND: put (PUT /kv/k<n>, a random value), get (GET /kv/k<n>), mix (GET with READ_RATIO, else PUT).
-- Keys are drawn uniformly from k0..k<KEY_SPACE-1>, the keys the benchmark prefilled; values are
-- random bytes from a pool, like the Node generators' (src/lib/workloads.ts), so LevelDB's
-- compression does not flatter the write cost. With PIPELINE > 1 each call returns that many
-- requests back to back, which wrk writes at once (its pipelining).
local kind, value_bytes, key_space, read_ratio, pipeline
local values = {}
local POOL = 256
local put_headers = { ["Content-Type"] = "application/octet-stream" }

function init(args)
  kind = args[1] or "put"
  value_bytes = tonumber(args[2] or "100")
  key_space = tonumber(args[3] or "100000")
  read_ratio = tonumber(args[4] or "0.9")
  pipeline = tonumber(args[5] or "1")
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  for i = 1, POOL do
    local b = {}
    for j = 1, value_bytes do b[j] = string.char(math.random(0, 255)) end
    values[i] = table.concat(b)
  end
end

local function one()
  local path = "/kv/k" .. math.random(0, key_space - 1)
  if kind == "get" or (kind == "mix" and math.random() < read_ratio) then
    return wrk.format("GET", path)
  end
  return wrk.format("PUT", path, put_headers, values[math.random(1, POOL)])
end

function request()
  if pipeline == 1 then return one() end
  local r = {}
  for i = 1, pipeline do r[i] = one() end
  return table.concat(r)
end

-- One JSON line the runner parses; latencies in microseconds. With PIPELINE > 1 the runner drops
-- them: wrk times batches and its correction skews them (src/lib/wrk.ts WRK_PIPELINED_LATENCY).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,' ..
    '"statusErrors":%d,"timeouts":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
