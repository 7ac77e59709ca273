-- wrk script: GET /v1/me/eligibility as many enterprises in turn, one bearer token per line of the file named by
-- HUIQI_TOKENS (used by bench/gateway-load.sh and deploy/check.sh).
local tokens = {}
for line in io.lines(os.getenv("HUIQI_TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/v1/me/eligibility", { ["Authorization"] = "Bearer " .. tokens[i] })
end
