-- wrk: PUT /kv/k<n> with a VALUE_BYTES body, n uniform over KEYS keys (from the environment).
local keys = tonumber(os.getenv("KEYS") or "1000000")
local body = string.rep("v", tonumber(os.getenv("VALUE_BYTES") or "100"))
local headers = { ["content-type"] = "application/octet-stream" }
math.randomseed(os.time())
request = function()
  return wrk.format("PUT", "/kv/k" .. math.random(0, keys - 1), headers, body)
end
